//! `pgtune report` against real databases: each situation built for real, with hostile identifiers,
//! and exactly the right findings expected; the bloat estimate checked against pgstattuple.

use serde_json::Value;

use crate::harness::{run, shared, TestDb};

fn report(db: &TestDb, args: &[&str]) -> (i32, Value) {
    let out = run(db
        .pgtune()
        .arg("report")
        .args(args)
        .args(["--format", "json"]));
    assert!(out.code != 3, "report could not run:\n{}", out.stderr);
    (out.code, out.json())
}

/// Runs a statement pgtune proposed as a DBA would (psql, ON_ERROR_STOP, outside a transaction);
/// it must succeed.
fn run_as_a_dba(db: &TestDb, sql: &str) {
    let psql = shared().psql(&db.name, sql);
    assert!(
        psql.status.success(),
        "{sql}\n{}",
        String::from_utf8_lossy(&psql.stderr)
    );
}

/// One report's section of the JSON.
fn section(json: &Value, report: &str) -> Value {
    json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["report"] == report)
        .unwrap_or_else(|| panic!("no {report} section"))
        .clone()
}

fn findings(json: &Value, report: &str) -> Vec<Value> {
    json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["report"] == report)
        .unwrap_or_else(|| panic!("no {report} section"))["findings"]
        .as_array()
        .unwrap()
        .clone()
}

/// (index, category, fix) of each finding.
fn summary(found: &[Value]) -> Vec<(String, String, Option<String>)> {
    found
        .iter()
        .map(|f| {
            (
                f["index"].as_str().unwrap_or("").to_string(),
                f["category"].as_str().unwrap().to_string(),
                f["fix"].as_str().map(str::to_string),
            )
        })
        .collect()
}

const SCHEMA: &str = "\"Wéird Schema\"";

#[test]
fn unused_indexes_spare_constraints_and_review_unique_ones() {
    let db = shared().create_db("report_unused");
    let admin = db.admin();
    admin.execute(&format!(
        "CREATE SCHEMA {SCHEMA}; CREATE TABLE {SCHEMA}.\"t; x\" (id int PRIMARY KEY, a int, b int, c int, parent int REFERENCES {SCHEMA}.\"t; x\"); \
         INSERT INTO {SCHEMA}.\"t; x\" SELECT g, g, g, g, NULL FROM generate_series(1, 1000) g; \
         CREATE INDEX \"Unused Idx\" ON {SCHEMA}.\"t; x\" (b); \
         CREATE UNIQUE INDEX uniq_c ON {SCHEMA}.\"t; x\" (c); \
         CREATE INDEX used_a ON {SCHEMA}.\"t; x\" (a); \
         CREATE INDEX fk_parent ON {SCHEMA}.\"t; x\" (parent); ANALYZE {SCHEMA}.\"t; x\";"
    ));
    // A session that scans used_a, then leaves (which flushes its statistics).
    db.admin().execute(&format!(
        "SET enable_seqscan = off; SELECT * FROM {SCHEMA}.\"t; x\" WHERE a = 5;"
    ));
    admin.wait_for(
        "SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = 'used_a'",
        "1",
    );

    let (code, json) = report(&db, &["unused-indexes", "--min-window", "0s"]);
    assert_eq!(code, 1);
    let found = summary(&findings(&json, "unused-indexes"));
    assert_eq!(
        found,
        vec![
            (
                "Unused Idx".into(),
                "unused".into(),
                Some("DROP INDEX CONCURRENTLY IF EXISTS \"Wéird Schema\".\"Unused Idx\";".into())
            ),
            (
                "fk_parent".into(),
                "unused, supports a foreign key: review".into(),
                None
            ),
            ("uniq_c".into(), "unused unique: review".into(), None),
        ],
        "the primary key and the used index are not listed"
    );

    // After a statistics reset the window is short: the verdict is premature.
    admin.execute("SELECT pg_stat_reset()");
    let (code, json) = report(&db, &["unused-indexes"]);
    assert_eq!(code, 1, "premature findings are warnings at worst");
    let section = &json["sections"][0];
    assert!(
        section["notes"][0]
            .as_str()
            .unwrap()
            .contains("since statistics reset"),
        "{section:#}"
    );
    assert!(section["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().starts_with("premature")));
    let categories: Vec<String> = summary(&findings(&json, "unused-indexes"))
        .into_iter()
        .map(|f| f.1)
        .collect();
    assert!(
        categories.contains(&"unused (premature)".to_string()),
        "{categories:?}"
    );
}

#[test]
fn duplicates_and_redundant_prefixes_from_catalog_structure() {
    let db = shared().create_db("report_duplicates");
    db.admin().execute(&format!(
        "CREATE SCHEMA {SCHEMA}; CREATE TABLE {SCHEMA}.\"Users\" (id int PRIMARY KEY, email text, org int, active bool); \
         CREATE UNIQUE INDEX users_id_copy ON {SCHEMA}.\"Users\" (id); \
         CREATE INDEX \"Lower Email 1\" ON {SCHEMA}.\"Users\" (lower(email)); \
         CREATE INDEX \"Lower Email 2\" ON {SCHEMA}.\"Users\" USING btree (lower(email)); \
         CREATE INDEX by_org ON {SCHEMA}.\"Users\" (org); \
         CREATE INDEX by_org_email ON {SCHEMA}.\"Users\" (org, email); \
         CREATE INDEX by_org_active ON {SCHEMA}.\"Users\" (org) WHERE active; \
         CREATE INDEX by_org_desc ON {SCHEMA}.\"Users\" (org DESC); \
         CREATE INDEX by_email_c ON {SCHEMA}.\"Users\" (email COLLATE \"C\"); \
         CREATE INDEX by_email ON {SCHEMA}.\"Users\" (email);"
    ));
    let (_, json) = report(&db, &["duplicate-indexes"]);
    let found = summary(&findings(&json, "duplicate-indexes"));
    assert_eq!(
        found,
        vec![
            (
                "Lower Email 2".into(),
                "exact duplicate".into(),
                Some(
                    "DROP INDEX CONCURRENTLY IF EXISTS \"Wéird Schema\".\"Lower Email 2\";".into()
                )
            ),
            (
                "users_id_copy".into(),
                "exact duplicate".into(),
                Some("DROP INDEX CONCURRENTLY IF EXISTS \"Wéird Schema\".users_id_copy;".into())
            ),
            (
                "by_org".into(),
                "redundant prefix".into(),
                Some("DROP INDEX CONCURRENTLY IF EXISTS \"Wéird Schema\".by_org;".into())
            ),
        ],
        "partial, descending and differently collated indexes are neither duplicates nor prefixes"
    );
    let evidence = findings(&json, "duplicate-indexes")[1]["evidence"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        evidence
            .contains("keep \"Wéird Schema\".\"Users_pkey\" (it backs constraint \"Users_pkey\")"),
        "{evidence}"
    );
    // Column names, fetched for the indexes in findings only, spell out what is compared.
    let all: Vec<String> = findings(&json, "duplicate-indexes")
        .iter()
        .map(|f| f["evidence"].as_str().unwrap().to_string())
        .collect();
    assert!(all.iter().any(|e| e.contains("(org, email)")), "{all:#?}");
    assert!(all.iter().any(|e| e.contains("(id)")), "{all:#?}");
}

#[test]
fn invalid_index_from_a_failed_unique_build() {
    let db = shared().create_db("report_invalid");
    let admin = db.admin();
    admin.execute(&format!(
        "CREATE SCHEMA {SCHEMA}; CREATE TABLE {SCHEMA}.\"t; x\" (v int); INSERT INTO {SCHEMA}.\"t; x\" VALUES (1), (1);"
    ));
    assert!(admin
        .try_execute(&format!(
            "CREATE UNIQUE INDEX CONCURRENTLY \"uniq v\" ON {SCHEMA}.\"t; x\" (v)"
        ))
        .is_err());
    let (code, json) = report(&db, &["invalid-indexes"]);
    assert_eq!(code, 2, "an invalid unique index enforces nothing");
    let found = findings(&json, "invalid-indexes");
    assert_eq!(
        summary(&found),
        vec![(
            "uniq v".into(),
            "invalid".into(),
            Some("DROP INDEX CONCURRENTLY IF EXISTS \"Wéird Schema\".\"uniq v\";".into())
        )],
        "REINDEX would fail on the duplicates again"
    );
    let evidence = found[0]["evidence"].as_str().unwrap();
    let rebuild =
        "CREATE UNIQUE INDEX CONCURRENTLY \"uniq v\" ON \"Wéird Schema\".\"t; x\" USING btree (v);";
    assert!(
        evidence.contains("remove the duplicates") && evidence.contains(rebuild),
        "{evidence}"
    );
    let (code, _) = report(&db, &["invalid-indexes", "--fail-on", "critical"]);
    assert_eq!(code, 2);
    // As the DBA would: the drop, the duplicates gone, the rebuild the evidence shows.
    run_as_a_dba(&db, found[0]["fix"].as_str().unwrap());
    run_as_a_dba(
        &db,
        &format!(
            "DELETE FROM {SCHEMA}.\"t; x\" WHERE ctid <> (SELECT min(ctid) FROM {SCHEMA}.\"t; x\")"
        ),
    );
    run_as_a_dba(&db, rebuild);
    let (code, json) = report(&db, &["invalid-indexes"]);
    assert_eq!(
        (code, findings(&json, "invalid-indexes").len()),
        (0, 0),
        "{json:#}"
    );
}

#[test]
fn foreign_keys_with_and_without_an_index() {
    let db = shared().create_db("report_fk");
    db.admin().execute(&format!(
        "CREATE SCHEMA {SCHEMA}; \
         CREATE TABLE {SCHEMA}.parent (a int, b int, PRIMARY KEY (a, b)); \
         CREATE TABLE {SCHEMA}.\"Child One\" (id int, \"Parent A\" int, pb int, FOREIGN KEY (\"Parent A\", pb) REFERENCES {SCHEMA}.parent); \
         CREATE TABLE {SCHEMA}.child_two (id int, pa int, pb int, FOREIGN KEY (pa, pb) REFERENCES {SCHEMA}.parent); \
         CREATE INDEX ON {SCHEMA}.child_two (pb, pa, id); \
         CREATE TABLE {SCHEMA}.child_three (id int, pa int, pb int, FOREIGN KEY (pa, pb) REFERENCES {SCHEMA}.parent); \
         CREATE INDEX ON {SCHEMA}.child_three (pa) ; CREATE INDEX ON {SCHEMA}.child_three (pa, pb) WHERE id > 0;"
    ));
    let (code, json) = report(&db, &["fk-without-index"]);
    assert_eq!(code, 1);
    let found = findings(&json, "fk-without-index");
    let fixes: Vec<&str> = found.iter().map(|f| f["fix"].as_str().unwrap()).collect();
    assert_eq!(
        fixes,
        [
            "CREATE INDEX CONCURRENTLY \"Child One_Parent A_pb_idx\" ON \"Wéird Schema\".\"Child One\" (\"Parent A\", pb);",
            "CREATE INDEX CONCURRENTLY child_three_pa_pb_idx1 ON \"Wéird Schema\".child_three (pa, pb);",
        ],
        "child_two's index leads with (pb, pa): covered; child_three's is too short or partial \
         (and its partial one holds the name child_three_pa_pb_idx already)"
    );
    for fix in fixes {
        run_as_a_dba(&db, fix);
    }
    let (code, json) = report(&db, &["fk-without-index"]);
    assert_eq!(
        (code, findings(&json, "fk-without-index").len()),
        (0, 0),
        "{json:#}"
    );
}

#[test]
fn proposed_index_names_are_the_ones_postgresql_would_choose() {
    // Two 63-byte table names that PostgreSQL cuts to the same index name, and a relation holding
    // that name already: each proposal is the name the server picks for an unnamed CREATE INDEX.
    let db = shared().create_db("report_fk_names");
    let long = |tail: &str| format!("{}{tail}", "Ω".repeat(30));
    db.admin().execute(&format!(
        "CREATE TABLE parent (id int PRIMARY KEY); \
         CREATE TABLE \"{a}\" (\"Parent Id\" int REFERENCES parent, other int REFERENCES parent); \
         CREATE TABLE \"{b}\" (\"Parent Id\" int REFERENCES parent); \
         CREATE SEQUENCE \"{taken}\";",
        a = long("a1"),
        b = long("a2"),
        taken = "ΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩΩ_Parent Id_idx",
    ));
    let (_, json) = report(&db, &["fk-without-index", "--min-size", "0"]);
    let found = findings(&json, "fk-without-index");
    assert_eq!(found.len(), 3, "{json:#}");
    let mut seen = std::collections::HashSet::new();
    for f in &found {
        let fix = f["fix"].as_str().unwrap();
        let proposed = fix.split('"').nth(1).unwrap().to_string();
        assert!(seen.insert(proposed.clone()), "{proposed} proposed twice");
        // What PostgreSQL names the same index left unnamed, in the database as it is now.
        let unnamed = fix
            .replacen(&format!("\"{proposed}\" "), "", 1)
            .replace(" CONCURRENTLY", "");
        let chosen = db.admin().query_strings(&format!(
            "BEGIN; {unnamed} SELECT relname FROM pg_class WHERE relkind = 'i' \
             AND xmin::text = (pg_current_xact_id()::text::bigint % 4294967296)::text; ROLLBACK;"
        ));
        assert_eq!(chosen, [[Some(proposed.clone())]], "{fix}");
        run_as_a_dba(&db, fix);
    }
    let (code, json) = report(&db, &["fk-without-index", "--min-size", "0"]);
    assert_eq!(
        (code, findings(&json, "fk-without-index").len()),
        (0, 0),
        "{json:#}"
    );
}

#[test]
fn filters_and_exit_codes() {
    let db = shared().create_db("report_filters");
    db.admin().execute(
        "CREATE SCHEMA app_one; CREATE SCHEMA app_two; CREATE SCHEMA other; \
         CREATE TABLE app_one.orders (id int, x int); CREATE INDEX orders_x ON app_one.orders (x); \
         CREATE TABLE app_two.orders (id int, x int); CREATE INDEX orders_x2 ON app_two.orders (x); \
         CREATE TABLE other.items (id int, x int); CREATE INDEX items_x ON other.items (x);",
    );
    let names = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["unused-indexes", "--min-window", "0s"];
        all.extend_from_slice(args);
        let (_, json) = report(&db, &all);
        summary(&findings(&json, "unused-indexes"))
            .into_iter()
            .map(|f| f.0)
            .collect()
    };
    assert_eq!(names(&["--schema", "app_*"]), ["orders_x", "orders_x2"]);
    assert_eq!(
        names(&["--schema", "app_*", "--exclude-schema", "app_two"]),
        ["orders_x"]
    );
    assert_eq!(names(&["--table", "item?"]), ["items_x"]);
    assert_eq!(names(&["--min-size", "1GB"]), Vec::<String>::new());
    let (code, _) = report(
        &db,
        &[
            "unused-indexes",
            "--min-window",
            "0s",
            "--fail-on",
            "critical",
        ],
    );
    assert_eq!(code, 0, "warnings do not fail with --fail-on critical");

    run(db.pgtune().args(["report", "bloat", "--exact"]))
        .expect_one_line_error("needs the pgstattuple extension");
    run(db
        .pgtune()
        .args(["report", "unused-indexes", "--min-size", "big"]))
    .expect_one_line_error("invalid value 'big' for '--min-size <SIZE>'");
    run(db.pgtune().args(["report", "everything"]))
        .expect_one_line_error("invalid value 'everything'");
    let out = run(db.pgtune().args(["report", "all"]));
    assert!(
        out.stdout.contains("unused-indexes") && out.stdout.contains("bloat"),
        "{}",
        out.stdout
    );
}

#[test]
fn bloat_estimate_is_within_ten_points_of_pgstattuple() {
    let db = shared().create_db("report_bloat");
    let admin = db.admin();
    admin.execute(&format!(
        "CREATE EXTENSION pgstattuple; CREATE SCHEMA {SCHEMA}; \
         CREATE TABLE {SCHEMA}.\"Bloated t\" (id int PRIMARY KEY, qty int, note text) WITH (autovacuum_enabled = false); \
         INSERT INTO {SCHEMA}.\"Bloated t\" SELECT g, g % 100, 'order note ' || g FROM generate_series(1, 100000) g; \
         CREATE TABLE {SCHEMA}.tidy (id int PRIMARY KEY, note text); \
         INSERT INTO {SCHEMA}.tidy SELECT g, 'n' || g FROM generate_series(1, 50000) g;"
    ));
    // 60% of the rows gone, and VACUUM leaves their space free in the table and the index.
    admin.execute(&format!(
        "DELETE FROM {SCHEMA}.\"Bloated t\" WHERE id % 5 < 3"
    ));
    admin.execute(&format!("VACUUM {SCHEMA}.\"Bloated t\""));
    admin.execute(&format!("ANALYZE {SCHEMA}.\"Bloated t\""));
    admin.execute(&format!("VACUUM ANALYZE {SCHEMA}.tidy"));

    let percent = |json: &Value, table: &str, index: Option<&str>| -> f64 {
        findings(json, "bloat")
            .iter()
            .find(|f| f["table"] == table && f["index"].as_str() == index)
            .unwrap_or_else(|| panic!("no bloat finding for {table} {index:?}: {json:#}"))
            ["wasted_percent"]
            .as_f64()
            .unwrap()
    };
    let (_, estimated) = report(&db, &["bloat", "--schema", "Wéird Schema"]);
    let (_, measured) = report(&db, &["bloat", "--schema", "Wéird Schema", "--exact"]);
    for index in [None, Some("Bloated t_pkey")] {
        let (e, m) = (
            percent(&estimated, "Bloated t", index),
            percent(&measured, "Bloated t", index),
        );
        assert!(
            (e - m).abs() <= 10.0,
            "{index:?}: estimated {e}% vs pgstattuple {m}%"
        );
        assert!(e >= 45.0, "{index:?}: 60% of it is empty, estimated {e}%");
    }
    let est = findings(&estimated, "bloat");
    assert!(
        !est.iter().any(|f| f["table"] == "tidy"),
        "a freshly loaded table is not bloated: {est:#?}"
    );
    // An ordinary role reads pg_stats instead of pg_statistic: the same estimate.
    admin.execute(&format!(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'bloat_reader') THEN CREATE ROLE bloat_reader LOGIN; END IF; END $$; \
         GRANT USAGE ON SCHEMA {SCHEMA} TO bloat_reader; GRANT SELECT ON ALL TABLES IN SCHEMA {SCHEMA} TO bloat_reader;"
    ));
    let (_, as_reader) = report(
        &db,
        &["bloat", "--schema", "Wéird Schema", "-U", "bloat_reader"],
    );
    for index in [None, Some("Bloated t_pkey")] {
        assert_eq!(
            percent(&as_reader, "Bloated t", index),
            percent(&estimated, "Bloated t", index),
            "{index:?}"
        );
    }
    let fix = est.iter().find(|f| f["index"] == "Bloated t_pkey").unwrap()["fix"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        fix,
        "REINDEX INDEX CONCURRENTLY \"Wéird Schema\".\"Bloated t_pkey\";"
    );
}

/// B-tree deduplication (PostgreSQL 13+) stores a repeated key once per posting list: the estimate
/// models it, so it agrees with pgstatindex on indexes with few and with many distinct keys, freshly
/// built and after half their rows are deleted.
#[test]
fn bloat_estimate_models_deduplicated_btrees() {
    let db = shared().create_db("report_bloat_dedup");
    let admin = db.admin();
    admin.execute(
        "CREATE EXTENSION pgstattuple; \
         CREATE TABLE requests (id int PRIMARY KEY, duration_ms int, endpoint text, status int) WITH (autovacuum_enabled = false); \
         INSERT INTO requests SELECT g, g % 50, '/api/v1/endpoint/' || (g % 40), 200 + g % 3 FROM generate_series(1, 100000) g; \
         CREATE INDEX \"Requests by duration\" ON requests (duration_ms, endpoint); \
         CREATE INDEX requests_status ON requests (status); \
         CREATE INDEX requests_id_endpoint ON requests (id, endpoint); \
         ANALYZE requests;",
    );
    let indexes = [
        "Requests by duration",
        "requests_status",
        "requests_id_endpoint",
        "requests_pkey",
    ];
    let judged = |json: &Value, index: &str| -> Option<f64> {
        let s = section(json, "bloat");
        let not = s["not_estimated"].as_array().unwrap();
        assert!(
            !not.iter().any(|n| n["index"] == index),
            "{index}: not judged: {s:#}"
        );
        findings(json, "bloat")
            .iter()
            .find(|f| f["index"] == index)
            .map(|f| f["wasted_percent"].as_f64().unwrap())
    };
    let compare = |when: &str| {
        let (_, estimated) = report(&db, &["bloat", "--min-size", "0"]);
        let (_, measured) = report(&db, &["bloat", "--min-size", "0", "--exact"]);
        for index in indexes {
            // Below the reporting threshold counts as 0%.
            let (e, m) = (
                judged(&estimated, index).unwrap_or(0.0),
                judged(&measured, index).unwrap_or(0.0),
            );
            assert!(
                (e - m).abs() <= 10.0,
                "{when}, {index}: estimated {e}% vs pgstatindex {m}%\n{estimated:#}\n{measured:#}"
            );
        }
    };
    compare("freshly built");
    admin.execute("DELETE FROM requests WHERE id % 2 = 0");
    admin.execute("VACUUM requests");
    admin.execute("ANALYZE requests");
    compare("half the rows deleted");
}

#[test]
fn usage_on_a_replica_counts() {
    // Standby counters are matched by schema and index name; a second database on the same server,
    // where the index is used, stands in for the read replica.
    let primary = shared().create_db("report_primary");
    let replica = shared().create_db("report_replica");
    for db in [&primary, &replica] {
        db.admin().execute(
            "CREATE TABLE orders (id int, customer int); INSERT INTO orders SELECT g, g FROM generate_series(1, 1000) g; \
             CREATE INDEX orders_customer ON orders (customer); ANALYZE orders;",
        );
    }
    replica
        .admin()
        .execute("SET enable_seqscan = off; SELECT * FROM orders WHERE customer = 7;");
    let admin = replica.admin();
    admin.wait_for(
        "SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = 'orders_customer'",
        "1",
    );

    let (_, json) = report(&primary, &["unused-indexes", "--min-window", "0s"]);
    assert_eq!(
        summary(&findings(&json, "unused-indexes")).len(),
        1,
        "unused on the primary alone"
    );
    let conninfo = format!(
        "host={} port={} user=postgres dbname={}",
        replica.cluster.socket_dir.display(),
        replica.cluster.port,
        replica.name
    );
    let (code, json) = report(
        &primary,
        &[
            "unused-indexes",
            "--min-window",
            "0s",
            "--replica",
            &conninfo,
        ],
    );
    assert_eq!(code, 0);
    assert!(
        findings(&json, "unused-indexes").is_empty(),
        "used on the replica: {json:#}"
    );
    assert!(json["sections"][0]["notes"][0]
        .as_str()
        .unwrap()
        .contains("summed over the primary and 1 standby(s)"));
}

/// On a partitioned table, unused-indexes judges the partitioned index by its partitions' scans,
/// never proposes dropping a partition's attached index (PostgreSQL refuses), and proposes a plain
/// DROP INDEX for the partitioned one (CONCURRENTLY is refused): each fix, run as a DBA runs it
/// (psql, outside a transaction), succeeds, and the finding is gone afterwards.
#[test]
fn unused_indexes_on_partitioned_tables_propose_what_postgresql_accepts() {
    let db = shared().create_db("report_partitioned");
    db.admin().execute(
        "CREATE TABLE orders (id int, at date, note text, kind int) PARTITION BY RANGE (at); \
         CREATE TABLE orders_2025 PARTITION OF orders FOR VALUES FROM ('2025-01-01') TO ('2026-01-01'); \
         CREATE TABLE orders_2026 PARTITION OF orders FOR VALUES FROM ('2026-01-01') TO ('2027-01-01'); \
         CREATE INDEX orders_note ON orders (note); \
         CREATE INDEX orders_kind ON orders (kind); \
         INSERT INTO orders SELECT i, '2025-06-01', 'n', i % 5 FROM generate_series(1, 100) i; \
         SET enable_seqscan = off; SELECT count(*) FROM orders WHERE kind = 3;",
    );
    // Before PostgreSQL 15 the statistics collector learns of the scan asynchronously.
    db.admin().wait_for(
        "SELECT (coalesce(sum(idx_scan), 0) > 0)::text FROM pg_stat_user_indexes WHERE indexrelname LIKE 'orders\\_20%kind%'",
        "true",
    );
    let (_, json) = report(&db, &["unused-indexes", "--min-window", "0"]);
    let found = summary(&findings(&json, "unused-indexes"));
    let names: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert!(names.contains(&"orders_note"), "{found:?}");
    assert!(
        !names.iter().any(|n| n.starts_with("orders_20")),
        "a partition's attached index: {found:?}"
    );
    assert!(
        !names.contains(&"orders_kind"),
        "scanned through a partition: {found:?}"
    );
    for (_, _, fix) in &found {
        let fix = fix.as_deref().unwrap();
        assert!(!fix.contains("CONCURRENTLY"), "{fix}");
        run_as_a_dba(&db, fix);
    }
    let (_, json) = report(&db, &["unused-indexes", "--min-window", "0"]);
    let after = summary(&findings(&json, "unused-indexes"));
    assert!(after.iter().all(|f| f.0 != "orders_note"), "{after:?}");
}

/// A foreign key on a partitioned table (sub-partitioned too) is one finding, not one per partition
/// clone, and its fix is the documented sequence (ON ONLY, each leaf concurrently, attach): run
/// through psql as a DBA runs it, it succeeds, the parent's index is valid, and the finding is gone.
#[test]
fn fk_without_index_on_a_partitioned_table_is_fixed_without_blocking_writes() {
    let db = shared().create_db("report_fk_partitioned");
    db.admin().execute(
        "CREATE TABLE cust (id int PRIMARY KEY); INSERT INTO cust SELECT generate_series(1, 10); \
         CREATE TABLE \"Orders\" (id int, cust_id int REFERENCES cust, at date, region int) PARTITION BY RANGE (at); \
         CREATE TABLE o2025 PARTITION OF \"Orders\" FOR VALUES FROM ('2025-01-01') TO ('2026-01-01'); \
         CREATE TABLE o2026 PARTITION OF \"Orders\" FOR VALUES FROM ('2026-01-01') TO ('2027-01-01') PARTITION BY LIST (region); \
         CREATE TABLE o2026_r1 PARTITION OF o2026 FOR VALUES IN (1); \
         CREATE TABLE o2026_rest PARTITION OF o2026 DEFAULT; \
         INSERT INTO \"Orders\" SELECT i, i % 10 + 1, '2025-03-01', 1 FROM generate_series(1, 50) i;",
    );
    let (_, json) = report(&db, &["fk-without-index", "--min-size", "0"]);
    let found = findings(&json, "fk-without-index");
    assert_eq!(found.len(), 1, "one finding, not one per clone: {found:#?}");
    assert_eq!(found[0]["table"], "Orders");
    let fix = found[0]["fix"].as_str().unwrap();
    assert!(fix.contains("ON ONLY public.\"Orders\""), "{fix}");
    run_as_a_dba(&db, fix);
    let valid = db.admin().query_strings(
        "SELECT bool_and(x.indisvalid)::text FROM pg_index AS x WHERE x.indrelid = '\"Orders\"'::regclass",
    );
    assert_eq!(valid[0][0].as_deref(), Some("true"), "{fix}");
    let (_, json) = report(&db, &["fk-without-index", "--min-size", "0"]);
    assert!(findings(&json, "fk-without-index").is_empty(), "{json:#}");
}

/// An invalid partitioned index (built ON ONLY, a partition without its index) is not called a
/// failed build: reindex --invalid leaves it with the reason (never "done"), and the report's fix,
/// run through psql, builds and attaches the missing index so that the parent's becomes valid.
#[test]
fn an_invalid_partitioned_index_is_completed_not_rebuilt() {
    let db = shared().create_db("report_on_only");
    db.admin().execute(
        "CREATE TABLE ev (at date, kind int) PARTITION BY RANGE (at); \
         CREATE TABLE ev_2025 PARTITION OF ev FOR VALUES FROM ('2025-01-01') TO ('2026-01-01'); \
         CREATE TABLE ev_2026 PARTITION OF ev FOR VALUES FROM ('2026-01-01') TO ('2027-01-01'); \
         CREATE INDEX ev_kind ON ONLY ev (kind) WHERE kind > 0; \
         CREATE INDEX ev_2025_kind ON ev_2025 (kind) WHERE kind > 0; \
         ALTER INDEX ev_kind ATTACH PARTITION ev_2025_kind;",
    );
    let out = run(db
        .pgtune()
        .args(["reindex", "--invalid", "--format", "json"]));
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let json = out.json();
    assert_eq!(
        json["outcomes"][0]["status"], "skipped-not-applicable",
        "{json:#}"
    );
    let (_, json) = report(&db, &["invalid-indexes"]);
    let found = findings(&json, "invalid-indexes");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0]["category"], "partitioned, partitions missing");
    assert!(
        found[0]["evidence"]
            .as_str()
            .unwrap()
            .contains("public.ev_2026 has no index attached"),
        "{found:#?}"
    );
    let fix = found[0]["fix"].as_str().unwrap();
    run_as_a_dba(&db, fix);
    let valid = db.admin().query_strings(
        "SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'ev_kind'::regclass",
    );
    assert_eq!(valid[0][0].as_deref(), Some("true"), "{fix}");
    let (_, json) = report(&db, &["invalid-indexes"]);
    assert!(findings(&json, "invalid-indexes").is_empty(), "{json:#}");
}

/// One rule decides "serves this foreign key" for every report (a partial index does not), and
/// of unused indexes that do the same job exactly one is proposed for dropping: one of two exact
/// duplicates, one of two indexes serving one foreign key. Each fix runs through psql.
#[test]
fn unused_indexes_keep_one_of_what_serves_the_same_purpose() {
    let db = shared().create_db("report_keep_one");
    db.admin().execute(
        "CREATE TABLE parent (id int PRIMARY KEY); \
         CREATE TABLE child (id int, parent_id int REFERENCES parent, note text, active bool); \
         CREATE TABLE other (id int, owner_id int REFERENCES parent, active bool); \
         CREATE INDEX child_note_a ON child (note); CREATE INDEX child_note_b ON child (note); \
         CREATE INDEX child_parent ON child (parent_id); CREATE INDEX child_parent_note ON child (parent_id, note); \
         CREATE INDEX other_owner_active ON other (owner_id) WHERE active;",
    );
    let (_, json) = report(&db, &["all", "--min-window", "0"]);
    let unused = summary(&findings(&json, "unused-indexes"));
    let fix_of = |name: &str| {
        unused
            .iter()
            .find(|f| f.0 == name)
            .unwrap_or_else(|| panic!("{name}: {unused:?}"))
            .2
            .clone()
    };
    // Exact duplicates: exactly one dropped.
    let dup_fixes = [fix_of("child_note_a"), fix_of("child_note_b")];
    assert_eq!(
        dup_fixes.iter().filter(|f| f.is_some()).count(),
        1,
        "{unused:?}"
    );
    // Two indexes serving child's foreign key: the larger dropped, the smaller kept.
    assert!(fix_of("child_parent_note").is_some(), "{unused:?}");
    assert!(fix_of("child_parent").is_none(), "{unused:?}");
    // The partial index serves no foreign key, in both reports.
    let fk = summary(&findings(&json, "fk-without-index"));
    assert!(
        fk.iter()
            .any(|f| f.2.as_deref().is_some_and(|s| s.contains("other"))),
        "{fk:?}"
    );
    let partial = findings(&json, "unused-indexes")
        .into_iter()
        .find(|f| f["index"] == "other_owner_active")
        .unwrap();
    assert!(
        !partial["evidence"]
            .as_str()
            .unwrap()
            .contains("serves foreign key"),
        "{partial:#}"
    );
    for fix in unused.iter().filter_map(|f| f.2.as_deref()) {
        run_as_a_dba(&db, fix);
    }
    let left = db.admin().query_strings(
        "SELECT count(*)::text FROM pg_indexes WHERE tablename = 'child' AND indexname IN ('child_note_a', 'child_note_b')",
    );
    assert_eq!(left[0][0].as_deref(), Some("1"), "one copy stays");
}

/// `report bloat --exact` on a table of another table access method lists it with the reason
/// (pgstattuple measures heap tables only) instead of losing the whole report.
#[test]
fn bloat_exact_skips_a_table_access_method_pgstattuple_cannot_read() {
    let db = shared().create_db("report_tableam");
    db.admin().execute(
        "CREATE EXTENSION IF NOT EXISTS pgstattuple; \
         CREATE ACCESS METHOD heap_copy TYPE TABLE HANDLER heap_tableam_handler; \
         CREATE TABLE other_am (i int, pad text) USING heap_copy; \
         INSERT INTO other_am SELECT g, repeat('x', 100) FROM generate_series(1, 5000) g; \
         CREATE TABLE plain (i int, pad text); \
         INSERT INTO plain SELECT g, repeat('x', 100) FROM generate_series(1, 5000) g;",
    );
    db.admin().execute("VACUUM ANALYZE other_am");
    db.admin().execute("VACUUM ANALYZE plain");
    let (_, json) = report(&db, &["bloat", "--exact", "--min-size", "0"]);
    let section = section(&json, "bloat");
    let skipped: Vec<String> = section["not_estimated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| format!("{} {}", n["table"], n["reason"]))
        .collect();
    assert!(
        skipped
            .iter()
            .any(|s| s.contains("other_am") && s.contains("heap_copy")),
        "{section:#}"
    );
    let tables: Vec<&str> = section["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["table"].as_str().unwrap())
        .collect();
    assert!(!tables.contains(&"other_am"), "{section:#}");
}

/// A table never vacuumed or analyzed (relpages 0, whatever it holds) is not "too small to judge"
/// nor "0 bytes, about 0 rows": the reports say its statistics are missing, and list it whatever
/// --min-size says.
#[test]
fn a_never_analyzed_table_is_said_to_lack_statistics() {
    let db = shared().create_db("report_never_analyzed");
    db.admin().execute(
        "CREATE TABLE parent (id int PRIMARY KEY); INSERT INTO parent SELECT generate_series(1, 100); \
         ALTER TABLE parent SET (autovacuum_enabled = false); \
         CREATE TABLE fresh (id int, parent_id int REFERENCES parent, pad text) WITH (autovacuum_enabled = false); \
         INSERT INTO fresh SELECT g, g % 100 + 1, repeat('x', 200) FROM generate_series(1, 20000) g;",
    );
    let (_, json) = report(&db, &["all", "--min-size", "1MB"]);
    let fk = findings(&json, "fk-without-index");
    let fresh = fk
        .iter()
        .find(|f| f["table"] == "fresh")
        .unwrap_or_else(|| panic!("left out: {json:#}"));
    assert!(
        fresh["evidence"].as_str().unwrap().contains("run ANALYZE"),
        "{fresh:#}"
    );
    let bloat = section(&json, "bloat");
    assert!(
        !bloat.to_string().contains("too small to judge"),
        "{bloat:#}"
    );
    assert!(
        bloat["not_estimated"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["table"] == "fresh"
                && n["reason"]
                    .as_str()
                    .unwrap()
                    .starts_with("no statistics yet")),
        "{bloat:#}"
    );
}

/// A --schema or --table that matches nothing is bad input (exit 3), never a clean report: in a
/// CI gate a typo would pass.
#[test]
fn a_pattern_that_matches_nothing_is_an_error() {
    let db = shared().create_db("report_nomatch");
    db.admin()
        .execute("CREATE TABLE t (a int); CREATE INDEX ON t (a);");
    for args in [
        &["report", "unused-indexes", "--schema", "nomatch"][..],
        &["report", "all", "--table", "nomatch"][..],
        &["report", "bloat", "--schema", "nomatch"][..],
    ] {
        run(db.pgtune().args(args)).expect_one_line_error("matches no");
    }
    let matched = run(db.pgtune().args(["report", "all", "--table", "t"]));
    assert_ne!(matched.code, 3, "{}", matched.stderr);
}

/// One plan across sections, partition trees included: a duplicate partitioned index proposed for
/// dropping takes its partitions' indexes with it, so bloat proposes no REINDEX of those, and the
/// whole run's fixes, in order through psql, succeed.
#[test]
fn no_rebuild_is_proposed_for_a_partition_of_an_index_another_fix_drops() {
    let db = shared().create_db("report_part_dup");
    let admin = db.admin();
    admin.execute(
        "CREATE TABLE pt (id int, k int) PARTITION BY RANGE (k); \
         CREATE TABLE pt_1 PARTITION OF pt FOR VALUES FROM (0) TO (1000) WITH (autovacuum_enabled = false); \
         CREATE INDEX pt_id_a ON pt (id); CREATE INDEX pt_id_b ON pt (id); \
         INSERT INTO pt SELECT g, g % 1000 FROM generate_series(1, 100000) g; \
         DELETE FROM pt WHERE id % 5 < 3;",
    );
    admin.execute("VACUUM pt_1");
    admin.execute("ANALYZE pt");
    let (_, json) = report(&db, &["all", "--min-size", "0", "--min-window", "0"]);
    let fixes: Vec<String> = json["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["findings"].as_array().unwrap().clone())
        .filter_map(|f| f["fix"].as_str().map(str::to_string))
        .collect();
    let dropped = fixes
        .iter()
        .find(|f| f.starts_with("DROP INDEX") && f.contains("pt_id_"))
        .unwrap_or_else(|| panic!("one of the duplicates is dropped: {json:#}"));
    let bloat = findings(&json, "bloat");
    let partition_rebuilds: Vec<&Value> = bloat
        .iter()
        .filter(|f| {
            f["table"] == "pt_1" && f["fix"].as_str().is_some_and(|x| x.starts_with("REINDEX"))
        })
        .collect();
    assert_eq!(
        partition_rebuilds.len(),
        1,
        "only the kept index's partition is rebuilt (the other goes with {dropped}): {bloat:#?}"
    );
    run_as_a_dba(&db, &fixes.join("\n"));
}

/// A partition held in ACCESS EXCLUSIVE elsewhere (a long migration on it) does not stall the
/// read-only reports on its tree, nor analyze's plan: partition trees are walked through
/// pg_inherits, which takes no lock (pg_partition_tree locked every partition).
#[test]
fn a_locked_partition_does_not_stall_the_reports_on_its_tree() {
    let db = shared().create_db("report_locked_partition");
    db.admin().execute(
        "CREATE TABLE parent (id int PRIMARY KEY); \
         CREATE TABLE lp (id int, pid int REFERENCES parent, k int) PARTITION BY RANGE (k); \
         CREATE TABLE lp1 PARTITION OF lp FOR VALUES FROM (0) TO (10); \
         CREATE TABLE lp2 PARTITION OF lp FOR VALUES FROM (10) TO (20); \
         CREATE INDEX lp_id ON lp (id); CREATE INDEX lp_id_again ON lp (id); \
         ANALYZE;",
    );
    let holder = db.admin();
    holder.execute("BEGIN; LOCK TABLE lp2 IN ACCESS EXCLUSIVE MODE;");
    let (code, json) = report(&db, &["unused-indexes", "--min-window", "0"]);
    let (fk_code, fk) = report(&db, &["fk-without-index"]);
    let (dup_code, _) = report(&db, &["duplicate-indexes"]);
    let analyze = run(db.pgtune().args(["analyze", "--dry-run", "--all"]));
    holder.execute("COMMIT");
    assert!(code != 3 && fk_code != 3 && dup_code != 3);
    assert!(!findings(&json, "unused-indexes").is_empty(), "{json:#}");
    assert!(
        findings(&fk, "fk-without-index")
            .iter()
            .any(|f| f["table"] == "lp"),
        "{fk:#}"
    );
    assert_eq!(analyze.code, 0, "{}\n{}", analyze.stdout, analyze.stderr);
}
