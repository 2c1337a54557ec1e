//! `pgtune analyze` and `pgtune refresh` on real databases: exact selection, locked tables skipped
//! without hanging, dependency order under parallelism, concurrent vs plain refresh, failures that
//! skip only their dependents, hostile identifiers.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{run, shared, TestDb};

fn json_of(db: &TestDb, args: &[&str]) -> (i32, Value) {
    let out = run(db.pgtune().args(args).args(["--format", "json"]));
    assert!(out.code != 3, "could not run:\n{}", out.stderr);
    (out.code, out.json())
}

/// relation -> (status, statement, started, seconds)
fn outcomes(json: &Value) -> Vec<(String, String, String, f64, f64)> {
    json["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["relation"].as_str().unwrap().to_string(),
                o["status"].as_str().unwrap().to_string(),
                o["statement"].as_str().unwrap().to_string(),
                o["started"].as_f64().unwrap(),
                o["seconds"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn analyze_picks_exactly_the_stale_the_never_analyzed_and_partitioned_parents() {
    let db = shared().create_db("maint_analyze");
    let admin = db.admin();
    admin.execute(
        "CREATE SCHEMA \"Sales Ü\"; \
         CREATE TABLE \"Sales Ü\".fresh (i int) WITH (autovacuum_enabled = false); \
         CREATE TABLE \"Sales Ü\".\"Stale; t\" (i int) WITH (autovacuum_enabled = false); \
         CREATE TABLE \"Sales Ü\".never (i int) WITH (autovacuum_enabled = false); \
         CREATE TABLE \"Sales Ü\".empty (i int) WITH (autovacuum_enabled = false); \
         CREATE TABLE \"Sales Ü\".parted (id int) PARTITION BY RANGE (id); \
         CREATE TABLE \"Sales Ü\".parted_1 PARTITION OF \"Sales Ü\".parted FOR VALUES FROM (0) TO (100000) WITH (autovacuum_enabled = false);",
    );
    // Each load in its own session, which flushes its statistics when it leaves.
    db.admin()
        .execute("INSERT INTO \"Sales Ü\".fresh SELECT generate_series(1, 1000)");
    db.admin()
        .execute("INSERT INTO \"Sales Ü\".\"Stale; t\" SELECT generate_series(1, 1000)");
    db.admin()
        .execute("INSERT INTO \"Sales Ü\".parted SELECT generate_series(1, 1000)");
    admin.wait_for( "SELECT sum(n_mod_since_analyze)::text FROM pg_stat_user_tables WHERE relname IN ('fresh', 'Stale; t', 'parted_1')", "3000");
    admin.execute("ANALYZE \"Sales Ü\".fresh");
    admin.execute("ANALYZE \"Sales Ü\".\"Stale; t\"");
    admin.execute("ANALYZE \"Sales Ü\".parted_1");
    db.admin()
        .execute("UPDATE \"Sales Ü\".\"Stale; t\" SET i = i + 1");
    db.admin()
        .execute("INSERT INTO \"Sales Ü\".never SELECT generate_series(1, 100)");
    admin.wait_for(
        "SELECT n_mod_since_analyze::text FROM pg_stat_user_tables WHERE relname = 'Stale; t'",
        "1000",
    );
    admin.wait_for(
        "SELECT n_live_tup::text FROM pg_stat_user_tables WHERE relname = 'never'",
        "100",
    );
    admin.wait_for(
        "SELECT n_mod_since_analyze::text FROM pg_stat_user_tables WHERE relname = 'fresh'",
        "0",
    );

    let (_, plan) = json_of(&db, &["analyze", "--dry-run", "--schema", "Sales Ü"]);
    let mut picked: Vec<(String, String)> = plan["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["relation"].as_str().unwrap().to_string(),
                p["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    picked.sort();
    let names: Vec<&str> = picked.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "\"Sales Ü\".\"Stale; t\"",
            "\"Sales Ü\".empty",
            "\"Sales Ü\".never",
            "\"Sales Ü\".parted"
        ],
        "{picked:#?}"
    );
    assert!(
        picked[0]
            .1
            .starts_with("1000 changes since the last ANALYZE"),
        "{picked:#?}"
    );
    // Never vacuumed nor analyzed: the planner does not know whether it holds anything (ANALYZE
    // finds out at once, and then it is known to be empty).
    assert_eq!(
        picked[1].1,
        "never vacuumed nor analyzed: the planner does not know its size"
    );
    assert_eq!(picked[2].1, "never analyzed");
    assert!(
        picked[3]
            .1
            .contains("autovacuum never analyzes partitioned tables"),
        "{picked:#?}"
    );
    assert_eq!(
        plan["plan"][0]["statement"]
            .as_str()
            .map(|s| s.starts_with("ANALYZE (SKIP_LOCKED) ")),
        Some(true)
    );

    let (code, json) = json_of(&db, &["analyze", "--schema", "Sales Ü", "--jobs", "2"]);
    assert_eq!(code, 0, "{json:#}");
    assert!(outcomes(&json).iter().all(|o| o.1 == "done"), "{json:#}");
    // Before PostgreSQL 15 the statistics collector learns of each ANALYZE asynchronously.
    let started = Instant::now();
    let again = loop {
        let (_, plan) = json_of(&db, &["analyze", "--dry-run", "--schema", "Sales Ü"]);
        if plan["plan"].as_array().unwrap().is_empty()
            || started.elapsed() > Duration::from_secs(10)
        {
            break plan;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        again["plan"].as_array().unwrap().is_empty(),
        "all fresh now: {again:#}"
    );

    let (_, all) = json_of(
        &db,
        &["analyze", "--dry-run", "--all", "--schema", "Sales Ü"],
    );
    let version = db.version_num();
    assert_eq!(
        all["plan"].as_array().unwrap().len(),
        if version >= 180000 { 6 } else { 5 },
        "--all takes every table, the empty (now analyzed) one too; before PostgreSQL 18 the \
         partitioned table's ANALYZE covers its partition"
    );
}

#[test]
fn a_locked_table_is_skipped_without_hanging() {
    let db = shared().create_db("maint_locked");
    let admin = db.admin();
    admin.execute("CREATE TABLE busy (i int) WITH (autovacuum_enabled = false); CREATE TABLE calm (i int) WITH (autovacuum_enabled = false);");
    db.admin().execute("INSERT INTO busy SELECT generate_series(1, 100); INSERT INTO calm SELECT generate_series(1, 100);");
    admin.wait_for(
        "SELECT sum(n_live_tup)::text FROM pg_stat_user_tables",
        "200",
    );
    let holder = db.admin();
    holder.execute("BEGIN; LOCK TABLE busy IN ACCESS EXCLUSIVE MODE;");
    let started = Instant::now();
    let (code, json) = json_of(&db, &["analyze", "--lock-timeout", "500ms"]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "it must not wait for the lock"
    );
    assert_eq!(code, 1, "a skipped table is a warning: {json:#}");
    let got: Vec<(String, String)> = outcomes(&json).into_iter().map(|o| (o.0, o.1)).collect();
    assert!(
        got.contains(&("public.busy".into(), "skipped-locked".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("public.calm".into(), "done".into())),
        "{got:?}"
    );
    holder.execute("ROLLBACK");
}

#[test]
fn refresh_follows_dependencies_under_parallelism() {
    let db = shared().create_db("maint_refresh");
    let admin = db.admin();
    admin.execute(
        "CREATE SCHEMA \"Reports\"; \
         CREATE TABLE \"Reports\".orders (id int, day int); \
         INSERT INTO \"Reports\".orders SELECT g, g % 7 FROM generate_series(1, 700) g; \
         CREATE MATERIALIZED VIEW \"Reports\".\"Daily; x\" AS SELECT day, count(*) AS n FROM \"Reports\".orders GROUP BY day; \
         CREATE UNIQUE INDEX ON \"Reports\".\"Daily; x\" (day); \
         CREATE VIEW \"Reports\".daily_view AS SELECT * FROM \"Reports\".\"Daily; x\"; \
         CREATE MATERIALIZED VIEW \"Reports\".weekly AS SELECT sum(n) AS total FROM \"Reports\".daily_view; \
         CREATE MATERIALIZED VIEW \"Reports\".summary AS SELECT total * 2 AS doubled FROM \"Reports\".weekly WITH NO DATA; \
         CREATE MATERIALIZED VIEW \"Reports\".independent AS SELECT count(*) AS n FROM \"Reports\".orders;",
    );
    admin.execute(
        "INSERT INTO \"Reports\".orders SELECT g, g % 7 FROM generate_series(701, 1400) g",
    );

    let (_, plan) = json_of(&db, &["refresh", "--dry-run", "--schema", "Reports"]);
    let levels: Vec<(u64, String)> = plan["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["level"].as_u64().unwrap(),
                p["relation"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        levels.contains(&(1, "\"Reports\".\"Daily; x\"".into())),
        "{levels:?}"
    );
    assert!(
        levels.contains(&(2, "\"Reports\".weekly".into())),
        "{levels:?}"
    );
    assert!(
        levels.contains(&(3, "\"Reports\".summary".into())),
        "{levels:?}"
    );
    assert!(
        levels.contains(&(1, "\"Reports\".independent".into())),
        "{levels:?}"
    );

    let (code, json) = json_of(&db, &["refresh", "--schema", "Reports", "--jobs", "2"]);
    assert_eq!(code, 0, "{json:#}");
    let o = outcomes(&json);
    let find = |name: &str| {
        o.iter()
            .find(|x| x.0 == name)
            .unwrap_or_else(|| panic!("{name} in {o:?}"))
            .clone()
    };
    let (daily, weekly, summary) = (
        find("\"Reports\".\"Daily; x\""),
        find("\"Reports\".weekly"),
        find("\"Reports\".summary"),
    );
    assert!(
        weekly.3 >= daily.3 + daily.4 - 0.001,
        "weekly started before daily finished: {o:?}"
    );
    assert!(
        summary.3 >= weekly.3 + weekly.4 - 0.001,
        "summary started before weekly finished: {o:?}"
    );
    assert_eq!(
        daily.2, "REFRESH MATERIALIZED VIEW CONCURRENTLY \"Reports\".\"Daily; x\"",
        "populated, with a unique index"
    );
    assert_eq!(
        weekly.2, "REFRESH MATERIALIZED VIEW \"Reports\".weekly",
        "no unique index: plain"
    );
    assert_eq!(
        summary.2, "REFRESH MATERIALIZED VIEW \"Reports\".summary",
        "unpopulated: plain"
    );
    // Each level saw the refreshed one below it, and the unpopulated view is populated.
    assert_eq!(
        admin.query_strings("SELECT doubled::text FROM \"Reports\".summary")[0][0].as_deref(),
        Some("2800")
    );
}

#[test]
fn a_failing_view_skips_its_dependents_only() {
    let db = shared().create_db("maint_refresh_fail");
    let admin = db.admin();
    admin.execute(
        // Qualified names: from PostgreSQL 17 a refresh runs with search_path = pg_catalog, pg_temp.
        "CREATE TABLE flag (fail bool); INSERT INTO flag VALUES (false); \
         CREATE FUNCTION boom() RETURNS int LANGUAGE plpgsql AS $$ BEGIN \
           IF (SELECT fail FROM public.flag) THEN RAISE EXCEPTION 'boom: the source is broken'; END IF; RETURN 1; END $$; \
         CREATE MATERIALIZED VIEW fragile AS SELECT public.boom() AS v; \
         CREATE MATERIALIZED VIEW downstream AS SELECT v + 1 AS w FROM fragile; \
         CREATE MATERIALIZED VIEW unrelated AS SELECT 42 AS answer;",
    );
    admin.execute("UPDATE flag SET fail = true");
    let (code, json) = json_of(&db, &["refresh", "--jobs", "2"]);
    assert_eq!(code, 2, "{json:#}");
    let o: Vec<(String, String)> = outcomes(&json).into_iter().map(|o| (o.0, o.1)).collect();
    assert!(
        o.contains(&("public.fragile".into(), "failed".into())),
        "{o:?}"
    );
    assert!(
        o.contains(&("public.downstream".into(), "skipped-dependency".into())),
        "{o:?}"
    );
    assert!(
        o.contains(&("public.unrelated".into(), "done".into())),
        "{o:?}"
    );
    let failed = json["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["relation"] == "public.fragile")
        .unwrap()
        .clone();
    assert!(
        failed["detail"]
            .as_str()
            .unwrap()
            .contains("boom: the source is broken"),
        "{failed:#}"
    );
}

#[test]
fn bad_input() {
    let db = shared().create_db("maint_bad");
    run(db.pgtune().args(["analyze", "--lock-timeout", "soon"]))
        .expect_one_line_error("invalid value 'soon' for '--lock-timeout <DURATION>'");
    run(db.pgtune().args(["refresh", "--concurrently", "sometimes"]))
        .expect_one_line_error("invalid value 'sometimes'");
    let out = run(db.pgtune().args(["refresh"]));
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("nothing to do"), "{}", out.stdout);
}

#[test]
fn reindex_rebuilds_the_bloated_and_the_invalid_and_leaves_others_alone() {
    let db = shared().create_db("maint_reindex");
    let admin = db.admin();
    admin.execute(
        "CREATE TABLE \"Bloated t\" (id int PRIMARY KEY, note text) WITH (autovacuum_enabled = false); \
         INSERT INTO \"Bloated t\" SELECT g, 'n' || g FROM generate_series(1, 100000) g; \
         CREATE TABLE tidy (id int PRIMARY KEY) WITH (autovacuum_enabled = false); \
         INSERT INTO tidy SELECT generate_series(1, 100000);",
    );
    admin.execute("DELETE FROM \"Bloated t\" WHERE id % 5 < 3");
    admin.execute("VACUUM \"Bloated t\"");
    admin.execute("VACUUM ANALYZE tidy");
    admin.execute("ANALYZE \"Bloated t\"");

    // A dry run lists the candidate and changes nothing, not even the table's statistics.
    let analyzed = "SELECT coalesce(last_analyze::text, '') FROM pg_stat_user_tables WHERE relname = 'Bloated t'";
    // Before PostgreSQL 15 the statistics collector learns of the ANALYZE above asynchronously.
    admin.wait_for(
        "SELECT (last_analyze IS NOT NULL)::text FROM pg_stat_user_tables WHERE relname = 'Bloated t'",
        "true",
    );
    let before = admin.query_strings(analyzed)[0][0].clone();
    let (_, plan) = json_of(
        &db,
        &["reindex", "--bloated", "--min-size", "1MB", "--dry-run"],
    );
    assert_eq!(
        plan["plan"][0]["relation"], "public.\"Bloated t_pkey\"",
        "{plan:#}"
    );
    // Beside the quoted name, the raw ones a consumer matches on.
    assert_eq!(plan["plan"][0]["schema"], "public", "{plan:#}");
    assert_eq!(plan["plan"][0]["name"], "Bloated t_pkey", "{plan:#}");
    assert!(
        plan["plan"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("a real run confirms it"),
        "{plan:#}"
    );
    assert_eq!(
        admin.query_strings(analyzed)[0][0],
        before,
        "--dry-run must not ANALYZE"
    );

    let (code, json) = json_of(&db, &["reindex", "--bloated", "--min-size", "1MB"]);
    assert_eq!(code, 0, "{json:#}");
    let o = outcomes(&json);
    assert_eq!(o.len(), 1, "only the bloated index: {o:?}");
    assert_eq!(o[0].0, "public.\"Bloated t_pkey\"");
    assert_eq!(json["outcomes"][0]["name"], "Bloated t_pkey", "{json:#}");
    assert_eq!(
        o[0].2,
        "REINDEX INDEX CONCURRENTLY public.\"Bloated t_pkey\""
    );
    let detail = json["outcomes"][0]["detail"].as_str().unwrap().to_string();
    let reason = json["outcomes"][0]["reason"].as_str().unwrap().to_string();
    assert!(detail.contains(" -> "), "sizes before and after: {detail}");
    assert!(
        reason.contains("estimated after a fresh ANALYZE"),
        "{reason}"
    );
    let size = |name: &str| {
        admin.query_strings(&format!("SELECT pg_relation_size('{name}')"))[0][0]
            .clone()
            .unwrap()
            .parse::<i64>()
            .unwrap()
    };
    let (rebuilt, tidy) = (size("\"Bloated t_pkey\""), size("tidy_pkey"));
    assert!(
        rebuilt * 2 < tidy,
        "the rebuilt index holds 40% of tidy's rows: {rebuilt} vs {tidy}"
    );

    // A concurrent build stopped by lock_timeout leaves an invalid index behind.
    admin.execute("CREATE TABLE busy (x int); INSERT INTO busy SELECT generate_series(1, 1000);");
    let writer = db.admin();
    writer.execute("BEGIN; INSERT INTO busy VALUES (0);");
    let builder = db.admin();
    builder.execute("SET lock_timeout = '300ms'");
    assert!(builder
        .try_execute("CREATE INDEX CONCURRENTLY \"busy x\" ON busy (x)")
        .is_err());
    writer.execute("COMMIT");
    let valid = |name: &str| {
        admin.query_strings(&format!(
            "SELECT indisvalid::text FROM pg_index WHERE indexrelid = '{name}'::regclass"
        ))[0][0]
            .clone()
    };
    assert_eq!(valid("\"busy x\"").as_deref(), Some("false"));
    let (code, json) = json_of(&db, &["reindex", "--invalid"]);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(
        outcomes(&json)[0].2,
        "REINDEX INDEX CONCURRENTLY public.\"busy x\""
    );
    assert_eq!(valid("\"busy x\"").as_deref(), Some("true"));

    // An exclusion constraint's index cannot be rebuilt concurrently: left alone unless
    // --allow-blocking, which rebuilds it plainly.
    admin.execute(
        "CREATE TABLE booking (during tstzrange, EXCLUDE USING gist (during WITH &&)); \
         INSERT INTO booking SELECT tstzrange(now() + g * interval '1h', now() + (g + 1) * interval '1h') FROM generate_series(1, 100) g;",
    );
    let (_, plan) = json_of(
        &db,
        &["reindex", "--index", "booking_during_excl", "--dry-run"],
    );
    assert!(plan["plan"].as_array().unwrap().is_empty(), "{plan:#}");
    let (_, plan) = json_of(
        &db,
        &[
            "reindex",
            "--index",
            "booking_during_excl",
            "--allow-blocking",
            "--dry-run",
        ],
    );
    assert_eq!(
        plan["plan"][0]["statement"], "REINDEX INDEX public.booking_during_excl",
        "{plan:#}"
    );
    run(db.pgtune().args(["reindex"])).expect_one_line_error("say what to rebuild");
    run(db.pgtune().args(["reindex", "--index", "no_such_index"]))
        .expect_one_line_error("--index no_such_index: no such index");
}

#[test]
fn vacuum_freeze_stops_starting_tables_when_the_budget_is_spent() {
    let db = shared().create_db("maint_freeze");
    let admin = db.admin();
    // Created first, so its transaction IDs are the oldest: frozen first.
    admin
        .execute("CREATE TABLE oldest (i int); INSERT INTO oldest SELECT generate_series(1, 100);");
    for t in ["younger_1", "younger_2", "younger_3"] {
        admin.execute(&format!(
            "CREATE TABLE {t} (i int); INSERT INTO {t} SELECT generate_series(1, 100);"
        ));
    }
    let (_, plan) = json_of(&db, &["vacuum", "--freeze", "--min-age", "0", "--dry-run"]);
    assert_eq!(plan["plan"][0]["relation"], "public.oldest", "{plan:#}");

    // Another session holds the oldest table, so freezing it outlasts the two-second budget.
    let holder = db.admin();
    holder.execute("BEGIN; LOCK TABLE oldest IN SHARE MODE;");
    let started = Instant::now();
    let (code, json) = json_of(
        &db,
        &[
            "vacuum",
            "--freeze",
            "--min-age",
            "0",
            "--budget",
            "2s",
            "--lock-timeout",
            "30s",
        ],
    );
    let took = started.elapsed();
    holder.execute("ROLLBACK");
    assert!(
        took < Duration::from_secs(15),
        "the budget bounds the run: {took:?}"
    );
    assert_eq!(code, 2, "{json:#}");
    let o: Vec<(String, String)> = outcomes(&json).into_iter().map(|o| (o.0, o.1)).collect();
    assert_eq!(
        o[0],
        ("public.oldest".to_string(), "failed".to_string()),
        "{o:?}"
    );
    assert!(
        json["outcomes"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("end of the time budget"),
        "{json:#}"
    );
    assert!(
        o[1..].iter().all(|x| x.1 == "skipped-budget"),
        "no table starts after the budget: {o:?}"
    );

    let (code, json) = json_of(&db, &["vacuum", "--freeze", "--min-age", "0"]);
    assert_eq!(code, 0, "{json:#}");
    assert!(outcomes(&json).iter().all(|x| x.1 == "done"));
}

#[test]
fn vacuum_dead_takes_the_tables_behind_on_dead_tuples() {
    let db = shared().create_db("maint_dead");
    let admin = db.admin();
    admin.execute(
        "CREATE TABLE churn (i int) WITH (autovacuum_enabled = false); CREATE TABLE calm (i int) WITH (autovacuum_enabled = false);",
    );
    db.admin().execute("INSERT INTO churn SELECT generate_series(1, 1000); INSERT INTO calm SELECT generate_series(1, 1000);");
    admin.execute("ANALYZE churn; ANALYZE calm;");
    db.admin().execute("DELETE FROM churn WHERE i > 100");
    admin.wait_for(
        "SELECT n_dead_tup::text FROM pg_stat_user_tables WHERE relname = 'churn'",
        "900",
    );
    let (code, json) = json_of(&db, &["vacuum", "--dead"]);
    assert_eq!(code, 0, "{json:#}");
    let o: Vec<(String, String, String)> = outcomes(&json)
        .into_iter()
        .map(|o| (o.0, o.1, o.2))
        .collect();
    assert_eq!(
        o,
        vec![(
            "public.churn".into(),
            "done".into(),
            "VACUUM (ANALYZE, SKIP_LOCKED) public.churn".into()
        )]
    );
    run(db.pgtune().args(["vacuum"])).expect_one_line_error("say which vacuum");
}

/// `reindex --bloated` confirms an estimate with a fresh ANALYZE: a candidate whose table is locked
/// elsewhere is skipped with its reason (ANALYZE SKIP_LOCKED), the others go on, and the run exits 1.
#[test]
fn reindex_bloated_skips_a_candidate_whose_table_is_locked() {
    let db = shared().create_db("maint_reindex_locked");
    let admin = db.admin();
    for t in ["locked_t", "free_t"] {
        admin.execute(&format!(
            "CREATE TABLE {t} (id int PRIMARY KEY, note text) WITH (autovacuum_enabled = false); \
             INSERT INTO {t} SELECT g, 'n' || g FROM generate_series(1, 100000) g; \
             DELETE FROM {t} WHERE id % 5 < 3;"
        ));
        admin.execute(&format!("VACUUM {t}"));
        admin.execute(&format!("ANALYZE {t}"));
    }
    let holder = db.admin();
    holder.execute("BEGIN; LOCK TABLE locked_t IN SHARE UPDATE EXCLUSIVE MODE;");
    let started = std::time::Instant::now();
    let (code, json) = json_of(&db, &["reindex", "--bloated", "--min-size", "1MB"]);
    holder.execute("COMMIT");
    assert_eq!(code, 1, "{json:#}");
    let o = outcomes(&json);
    let status = |rel: &str| {
        o.iter()
            .find(|x| x.0 == rel)
            .map(|x| x.1.clone())
            .unwrap_or_else(|| panic!("{rel}: {o:?}"))
    };
    assert_eq!(status("public.locked_t_pkey"), "skipped-locked", "{json:#}");
    assert_eq!(status("public.free_t_pkey"), "done", "{json:#}");
    let reason = json["outcomes"][0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("SKIP_LOCKED") && reason.contains("public.locked_t"),
        "{reason}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

/// A --table or --schema glob that matches nothing is a mistake said in one line (exit 3), not an
/// empty run; an index name PostgreSQL cannot parse is told how to write it.
#[test]
fn a_pattern_that_matches_nothing_is_an_error() {
    let db = shared().create_db("maint_nomatch");
    db.admin().execute("CREATE TABLE present (i int)");
    run(db.pgtune().args(["analyze", "--table", "nosuch"]))
        .expect_one_line_error("--table nosuch matches no table");
    // A schema-qualified pattern is told how to say it.
    run(db.pgtune().args(["analyze", "--table", "public.present"]))
        .expect_one_line_error("--schema public --table present");
    run(db
        .pgtune()
        .args(["vacuum", "--freeze", "--schema", "nosch*"]))
    .expect_one_line_error("--schema nosch* matches no schema");
    run(db.pgtune().args(["refresh", "--table", "present"]))
        .expect_one_line_error("--table present matches no materialized view");
    assert_eq!(
        run(db.pgtune().args(["analyze", "--table", "pres*"])).code,
        0
    );
    run(db
        .pgtune()
        .args(["reindex", "--index", "My Schema.Idx \"q\" 1"]))
    .expect_one_line_error("as in SQL");
}

/// Views skipped because another session holds a lock (and their dependents, skipped with them)
/// are warnings: nothing failed, so refresh exits 1, as the README says of lock skips.
#[test]
fn views_skipped_for_locks_are_a_warning() {
    let db = shared().create_db("maint_refresh_locked");
    db.admin().execute(
        "CREATE MATERIALIZED VIEW held AS SELECT 1 AS v; \
         CREATE MATERIALIZED VIEW above AS SELECT v + 1 AS w FROM held;",
    );
    let holder = db.admin();
    holder.execute("BEGIN; SELECT * FROM held;");
    let (code, json) = json_of(
        &db,
        &["refresh", "--lock-timeout", "500ms", "--retries", "0"],
    );
    holder.execute("COMMIT");
    let o: Vec<(String, String)> = outcomes(&json).into_iter().map(|o| (o.0, o.1)).collect();
    assert!(
        o.contains(&("public.held".into(), "skipped-locked".into())),
        "{json:#}"
    );
    assert!(
        o.contains(&("public.above".into(), "skipped-dependency".into())),
        "{o:?}"
    );
    assert_eq!(code, 1, "{json:#}");
}

/// A table the role may not maintain (not its owner) is skipped as such, not as "locked".
#[test]
fn a_table_the_role_does_not_own_is_skipped_as_such() {
    let db = shared().create_db("maint_not_owner");
    db.admin().execute(
        "CREATE TABLE theirs (i int); INSERT INTO theirs VALUES (1); \
         DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'maint_visitor') THEN CREATE ROLE maint_visitor LOGIN; END IF; END $$;",
    );
    let (code, json) = json_of(&db, &["-U", "maint_visitor", "analyze", "--all"]);
    let o = outcomes(&json);
    let theirs = o
        .iter()
        .find(|x| x.0 == "public.theirs")
        .unwrap_or_else(|| panic!("{json:#}"));
    assert_eq!(theirs.1, "skipped-privilege", "{json:#}");
    assert_eq!(code, 1);
}

/// A dry run lists exactly the order the run takes (for a freeze, the oldest first): the plan's
/// sequence is the real run's, one connection at a time. (Which table is older depends on the
/// transactions of the whole cluster; the ordering rule itself is a unit test of the scheduler.)
#[test]
fn a_freeze_dry_run_lists_the_run_order() {
    let db = shared().create_db("maint_freeze_order");
    let admin = db.admin();
    admin.execute("CREATE TABLE old_small (i int); INSERT INTO old_small VALUES (1);");
    for _ in 0..20 {
        admin.execute("SELECT txid_current()");
    }
    admin.execute(
        "CREATE TABLE big_young (i int); INSERT INTO big_young SELECT generate_series(1, 50000);",
    );
    admin.execute("ANALYZE big_young");
    let (_, plan) = json_of(&db, &["vacuum", "--freeze", "--min-age", "0", "--dry-run"]);
    let planned: Vec<String> = plan["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["relation"].as_str().unwrap().to_string())
        .collect();
    let (_, run) = json_of(
        &db,
        &["vacuum", "--freeze", "--min-age", "0", "--jobs", "1"],
    );
    let mut ran = outcomes(&run);
    ran.sort_by(|a, b| a.3.total_cmp(&b.3));
    let ran: Vec<String> = ran.into_iter().map(|o| o.0).collect();
    assert_eq!(planned, ran, "{plan:#}\n{run:#}");
    assert!(planned.iter().any(|p| p == "public.old_small"), "{plan:#}");
}

/// After pg_stat_reset() a table with statistics in pg_statistic is not "never analyzed", in
/// analyze and in check alike.
#[test]
fn a_statistics_reset_does_not_make_tables_never_analyzed() {
    let db = shared().create_db("maint_stats_reset");
    db.admin().execute("CREATE TABLE kept (i int)");
    db.admin()
        .execute("INSERT INTO kept SELECT generate_series(1, 1000)");
    let admin = db.admin();
    admin.wait_for(
        "SELECT (n_mod_since_analyze >= 1000)::text FROM pg_stat_user_tables WHERE relname = 'kept'",
        "true",
    );
    admin.execute("ANALYZE kept");
    // Before PostgreSQL 15 the collector learns of the ANALYZE asynchronously: let it first.
    admin.wait_for(
        "SELECT (last_analyze IS NOT NULL AND n_mod_since_analyze = 0)::text FROM pg_stat_user_tables WHERE relname = 'kept'",
        "true",
    );
    admin.execute("SELECT pg_stat_reset()");
    admin.wait_for(
        "SELECT (last_analyze IS NULL)::text FROM pg_stat_user_tables WHERE relname = 'kept'",
        "true",
    );
    let out = run(db.pgtune().args(["analyze", "--dry-run"]));
    assert!(!out.stdout.contains("public.kept"), "{}", out.stdout);
    let out = run(db
        .pgtune()
        .args(["check", "--only", "health", "--format", "json"])
        .args(["--memory", "4GB", "--cpus", "4"]));
    let json = out.json();
    let stale = json["health"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == "stale_stats")
        .unwrap()
        .clone();
    assert!(!stale.to_string().contains("kept"), "{stale:#}");
}

/// One analyze run leaves no partitioned parent for a second run: when its partitions are
/// analyzed, the parent follows them in the same run.
#[test]
fn one_analyze_run_leaves_no_partitioned_parent_for_a_second() {
    let db = shared().create_db("maint_analyze_parent");
    db.admin().execute(
        "CREATE TABLE ev (at date, v int) PARTITION BY RANGE (at); \
         CREATE TABLE ev_a PARTITION OF ev FOR VALUES FROM ('2025-01-01') TO ('2026-01-01'); \
         CREATE TABLE ev_b PARTITION OF ev FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');",
    );
    db.admin()
        .execute("INSERT INTO ev SELECT '2025-05-01', g FROM generate_series(1, 3000) g");
    db.admin()
        .execute("INSERT INTO ev SELECT '2026-05-01', g FROM generate_series(1, 3000) g");
    db.admin().wait_for(
        "SELECT (sum(n_mod_since_analyze) >= 6000)::text FROM pg_stat_user_tables WHERE relname IN ('ev_a', 'ev_b')",
        "true",
    );
    let (_, first) = json_of(&db, &["analyze"]);
    let done: Vec<String> = outcomes(&first)
        .into_iter()
        .filter(|o| o.1 == "done")
        .map(|o| o.0)
        .collect();
    let version = db.version_num();
    if version >= 180000 {
        // Each partition, then the parent alone (ANALYZE ONLY), after them.
        for name in ["public.ev_a", "public.ev_b", "public.ev"] {
            assert!(done.iter().any(|d| d == name), "{name}: {first:#}");
        }
        let started = |n: &str| {
            outcomes(&first)
                .into_iter()
                .find(|o| o.0 == n)
                .map(|o| o.3)
                .unwrap()
        };
        assert!(started("public.ev") >= started("public.ev_a"), "{first:#}");
    } else {
        // ANALYZE of the parent analyzes its partitions too: one job covers the tree.
        assert_eq!(done, ["public.ev"], "{first:#}");
    }
    // Either way each partition is analyzed once, not once for itself and again for its parent.
    db.admin().wait_for(
        "SELECT string_agg(analyze_count::text, ',' ORDER BY relname) FROM pg_stat_user_tables WHERE relname IN ('ev_a', 'ev_b')",
        "1,1",
    );
    // Before PostgreSQL 15 the collector learns of the ANALYZEs asynchronously.
    db.admin().wait_for(
        "SELECT (sum(n_mod_since_analyze) = 0)::text FROM pg_stat_user_tables WHERE relname IN ('ev_a', 'ev_b')",
        "true",
    );
    let out = run(db.pgtune().args(["analyze", "--dry-run"]));
    assert!(
        !out.stdout.contains("public.ev"),
        "a second run would: {}",
        out.stdout
    );
}
