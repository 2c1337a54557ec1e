//! `pgtune schema plan|apply|verify` on real databases: every index form reaching ok, differences
//! detected and spelling ignored, invalid indexes rebuilt, a failing unique build leaving nothing,
//! lock timeouts retried without application queries queueing, concurrent runners, interruption,
//! hostile identifiers and bad input.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{self, finish, run, shared, Run, TestDb};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A database set up with `setup`, and a directory for the declaration files.
fn fixture(label: &str, setup: &str) -> (TestDb<'static>, tempfile::TempDir) {
    let db = shared().create_db(label);
    db.admin().execute(setup);
    (db, tempfile::tempdir().unwrap())
}

fn schema(db: &TestDb, args: &[&str]) -> Run {
    run(db.pgtune().arg("schema").args(args))
}

fn json(db: &TestDb, args: &[&str]) -> (i32, Value) {
    let out = schema(db, &[args, &["--format", "json"]].concat());
    assert!(
        out.code != 3,
        "could not run:\n{}\n{}",
        out.stdout,
        out.stderr
    );
    (out.code, out.json())
}

/// name -> verdict, from plan or verify JSON.
fn verdicts(v: &Value) -> Vec<(String, String)> {
    harness::pairs(v, "objects", "name", "verdict")
}

fn count(db: &TestDb, sql: &str) -> i64 {
    db.admin().query_strings(sql)[0][0]
        .as_deref()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn every_index_form_reaches_ok_after_apply_with_hostile_names() {
    let db = shared().create_db("schema_forms");
    db.admin().execute(
        "CREATE SCHEMA \"Sales Ü\"; \
         CREATE TABLE \"Sales Ü\".\"Odd \"\"T\"\"; x\" (id int PRIMARY KEY, \"Mixed Col\" text, name text, \
            active boolean, price numeric, code text COLLATE \"C\", email varchar(80), n int); \
         INSERT INTO \"Sales Ü\".\"Odd \"\"T\"\"; x\" SELECT i, 'v' || i, 'name ' || i, i % 2 = 0, i, 'c' || i, 'E' || i || '@x', i \
            FROM generate_series(1, 500) i;",
    );
    let nulls_not_distinct = if db.version_num() >= 150000 {
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS nnd ON \"Sales Ü\".\"Odd \"\"T\"\"; x\" (n) NULLS NOT DISTINCT;\n"
    } else {
        ""
    };
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "01-extensions.sql",
        "-- what the indexes need\nCREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;\nCREATE EXTENSION IF NOT EXISTS btree_gin WITH CASCADE;\n",
    );
    write(
        dir.path(),
        "02-indexes.sql",
        &format!(
            "SET search_path = \"Sales Ü\", public;\n\
             CREATE INDEX CONCURRENTLY IF NOT EXISTS \"trgm; \"\"Ü\"\" idx\" ON \"Odd \"\"T\"\"; x\" USING gin (name gin_trgm_ops) WHERE active;\n\
             CREATE UNIQUE INDEX IF NOT EXISTS code_desc ON \"Sales Ü\".\"Odd \"\"T\"\"; x\" (code COLLATE \"C\" DESC NULLS LAST) INCLUDE (price) WITH (fillfactor = 90);\n\
             CREATE INDEX CONCURRENTLY IF NOT EXISTS lower_email ON \"Sales Ü\".\"Odd \"\"T\"\"; x\" (lower(email)) WHERE price > 10::numeric;\n\
             CREATE INDEX CONCURRENTLY IF NOT EXISTS \"Mixed\" ON \"Sales Ü\".\"Odd \"\"T\"\"; x\" USING btree (\"Mixed Col\" text_pattern_ops, id DESC);\n\
             CREATE INDEX CONCURRENTLY IF NOT EXISTS siglen ON \"Sales Ü\".\"Odd \"\"T\"\"; x\" USING gist (name public.gist_trgm_ops(siglen=32)) TABLESPACE pg_default;\n\
             CREATE INDEX CONCURRENTLY IF NOT EXISTS hashed ON \"Sales Ü\".\"Odd \"\"T\"\"; x\" USING hash (email);\n\
             {nulls_not_distinct}"
        ),
    );
    let files = dir.path().to_str().unwrap();
    // SET search_path is out of scope (reported); names are resolved with the session's search_path,
    // so the index on an unqualified table needs the schema in it: give it through PGOPTIONS.
    let with_path = |args: &[&str]| {
        run(db
            .pgtune()
            .env("PGOPTIONS", "-c search_path=\"Sales\\ Ü\",public")
            .arg("schema")
            .args(args))
    };
    let planned = with_path(&["plan", files, "--format", "json"]).expect_code(1);
    let plan = planned.json();
    assert!(
        verdicts(&plan).iter().all(|(_, v)| v == "missing"),
        "{plan:#}"
    );
    assert_eq!(plan["summary"]["out_of_scope"], 1);

    let applied = with_path(&["apply", files, "--yes", "--format", "json"]).expect_code(0);
    let steps = applied.json()["steps"].as_array().unwrap().clone();
    assert!(steps.iter().all(|s| s["outcome"] == "done"), "{steps:#?}");
    // The declared plain build was rewritten to CONCURRENTLY.
    let code_desc = steps
        .iter()
        .find(|s| s["object"] == "\"Sales Ü\".code_desc")
        .unwrap();
    assert!(code_desc["statements"][0].as_str().unwrap().starts_with(
        "CREATE UNIQUE INDEX CONCURRENTLY code_desc ON \"Sales Ü\".\"Odd \"\"T\"\"; x\""
    ));

    let verified = with_path(&["verify", files, "--format", "json"]).expect_code(0);
    let v = verified.json();
    assert!(verdicts(&v).iter().all(|(_, v)| v == "ok"), "{v:#}");
    assert_eq!(v["status"], "ok");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pgtune.schema_journal WHERE outcome = 'done'"
        ),
        steps.len() as i64
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM pg_index WHERE NOT indisvalid"),
        0
    );
    // Nothing left to do: a second apply changes nothing.
    let again = with_path(&["apply", files, "--yes"]).expect_code(0);
    assert!(again.stdout.contains("nothing to do"), "{}", again.stdout);
}

#[test]
fn differences_are_found_and_spelling_is_not_one() {
    let db = shared().create_db("schema_differs");
    db.admin().execute(
        "CREATE TABLE people (id int, email varchar(100), name text, age int, city text); \
         CREATE INDEX p_cast ON people (lower(email::text)); \
         CREATE INDEX p_default ON people USING btree (name text_ops, age); \
         CREATE INDEX \"P Quoted\" ON public.people (city); \
         CREATE INDEX p_order ON people (name, age); \
         CREATE INDEX p_dir ON people (age); \
         CREATE INDEX p_pred ON people (age) WHERE age > 18; \
         CREATE INDEX p_opclass ON people (name); \
         CREATE INDEX p_include ON people (id) INCLUDE (name);",
    );
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "people.sql",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS p_cast ON people (lower(email));\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS p_default ON people (\"name\", age ASC);\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS \"P Quoted\" ON people USING btree (city);\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS p_order ON people (age, name);\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS p_dir ON people (age DESC);\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS p_pred ON people (age) WHERE age > 21;\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS p_opclass ON people (name text_pattern_ops);\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS p_include ON people (id) INCLUDE (name, age);\n",
    );
    let f = file.to_str().unwrap();
    let (code, v) = json(&db, &["verify", f]);
    assert_eq!(code, 2);
    // Beside the quoted name, the raw ones a consumer matches on.
    let quoted = v["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["index"] == "P Quoted")
        .unwrap_or_else(|| panic!("{v:#}"));
    assert_eq!(
        (&quoted["name"], &quoted["schema"], &quoted["table_name"]),
        (
            &serde_json::json!("public.\"P Quoted\""),
            &serde_json::json!("public"),
            &serde_json::json!("people")
        )
    );
    let aspects: Vec<(String, String, Vec<String>)> = v["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap().to_string(),
                o["verdict"].as_str().unwrap().to_string(),
                o["differences"]
                    .as_array()
                    .map(|d| {
                        d.iter()
                            .map(|d| d["aspect"].as_str().unwrap().to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
            )
        })
        .collect();
    let expect = |name: &str, verdict: &str, aspects_: &[&str]| {
        let found = aspects
            .iter()
            .find(|a| a.0 == name)
            .unwrap_or_else(|| panic!("{name} in {aspects:?}"));
        assert_eq!(
            (found.1.as_str(), found.2.clone()),
            (
                verdict,
                aspects_.iter().map(|s| s.to_string()).collect::<Vec<_>>()
            ),
            "{name}"
        );
    };
    expect("public.p_cast", "ok", &[]);
    expect("public.p_default", "ok", &[]);
    expect("public.\"P Quoted\"", "ok", &[]);
    expect("public.p_order", "differs", &["columns"]);
    expect("public.p_dir", "differs", &["order"]);
    expect("public.p_pred", "differs", &["predicate"]);
    expect("public.p_opclass", "differs", &["opclass"]);
    expect("public.p_include", "differs", &["include"]);

    // GitHub annotations point at the declaring line.
    let gh = schema(&db, &["verify", f, "--format", "github"]).expect_code(2);
    assert!(
        gh.stdout.lines().any(|l| l.starts_with("::error file=")
            && l.contains(",line=4,col=1,")
            && l.contains("p_order")),
        "{}",
        gh.stdout
    );

    // Without --rebuild-changed apply leaves them (exit 1); with it, each is rebuilt and swapped.
    let left = schema(&db, &["apply", f, "--yes"]).expect_code(1);
    assert!(left.stdout.contains("left as is"), "{}", left.stdout);
    schema(&db, &["apply", f, "--yes", "--rebuild-changed"]).expect_code(0);
    let (code, v) = json(&db, &["verify", f]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_class WHERE relname LIKE '%pgtune%'"
        ),
        0
    );
}

#[test]
fn an_invalid_index_is_found_dropped_and_rebuilt() {
    let db = shared().create_db("schema_invalid");
    let admin = db.admin();
    admin.execute("CREATE TABLE t (a int); INSERT INTO t VALUES (1), (1), (2);");
    assert!(admin
        .try_execute("CREATE UNIQUE INDEX CONCURRENTLY t_a ON t (a)")
        .is_err());
    admin.execute("DELETE FROM t WHERE ctid = (SELECT min(ctid) FROM t WHERE a = 1)");
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "t.sql",
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_a ON t (a);\n",
    );
    let f = f.to_str().unwrap();
    let (code, v) = json(&db, &["verify", f]);
    assert_eq!((code, verdicts(&v)[0].1.as_str()), (2, "invalid"));
    let (code, v) = json(&db, &["apply", f, "--yes"]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["steps"][0]["action"], "drop invalid, build");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_index WHERE indexrelid = 't_a'::regclass AND indisvalid"
        ),
        1
    );
    schema(&db, &["verify", f]).expect_code(0);
}

#[test]
fn a_unique_build_failing_on_duplicates_leaves_nothing_and_the_run_goes_on() {
    let (db, _dir, f) = declared(
        "schema_dupes",
        "CREATE TABLE t (a int, b int); INSERT INTO t SELECT i % 10, i FROM generate_series(1, 100) i;",
        "t.sql",
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_a_unique ON t (a);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_b ON t (b);\n",
    );
    let (code, v) = json(&db, &["apply", f.to_str().unwrap(), "--yes"]);
    assert_eq!(code, 2, "{v:#}");
    assert_eq!(v["steps"][0]["outcome"], "failed");
    assert!(
        v["steps"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("could not create unique index"),
        "{v:#}"
    );
    assert_eq!(v["steps"][1]["outcome"], "done");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_class WHERE relname = 't_a_unique'"
        ),
        0
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM pgtune.schema_journal WHERE object_name = 'public.t_a_unique' AND outcome = 'failed' AND error LIKE '%could not create unique index%'"),
        1
    );
}

/// A partition's failed build leaves its leftover dropped and the tree's index invalid (never a
/// half-attached tree that looks valid), says so, and the next apply, once the data allows it,
/// finishes the tree.
#[test]
fn a_partition_failing_its_build_leaves_the_tree_invalid_and_the_next_apply_finishes_it() {
    let (db, _dir, f) = declared(
        "schema_part_dupes",
        "CREATE TABLE m (id int, k int) PARTITION BY RANGE (id);
         CREATE TABLE m1 PARTITION OF m FOR VALUES FROM (0) TO (100);
         CREATE TABLE m2 PARTITION OF m FOR VALUES FROM (100) TO (200);
         INSERT INTO m VALUES (1, 1), (1, 1), (150, 2);",
        "m.sql",
        "CREATE UNIQUE INDEX IF NOT EXISTS m_id_k ON m (id, k);\n",
    );
    let (code, v) = json(&db, &["apply", f.to_str().unwrap(), "--yes"]);
    assert_eq!(code, 2, "{v:#}");
    let detail = v["steps"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("could not create unique index")
            && detail.contains(
                "public.m_id_k is left invalid until every partition's index is attached"
            ),
        "{v:#}"
    );
    // Nothing half-built on the leaf; the top index is there and invalid.
    assert_eq!(
        count(&db, "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE NOT i.indisvalid AND c.relkind = 'i'"),
        0
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM pg_index WHERE indexrelid = 'm_id_k'::regclass AND NOT indisvalid"),
        1
    );
    // The journal has what ran (the failed leaf build, its leftover's drop), not the plan's rest.
    let ran = db.admin().query_strings(
        "SELECT statement FROM pgtune.schema_journal WHERE object_name = 'public.m_id_k'",
    )[0][0]
        .clone()
        .unwrap();
    assert!(
        ran.contains("CREATE UNIQUE INDEX CONCURRENTLY") && ran.contains("DROP INDEX CONCURRENTLY"),
        "{ran}"
    );
    assert!(
        !ran.contains("m2"),
        "a statement that never ran is journaled:\n{ran}"
    );
    db.admin()
        .execute("DELETE FROM m1 WHERE ctid = (SELECT min(ctid) FROM m1)");
    let (code, v) = json(&db, &["apply", f.to_str().unwrap(), "--yes"]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["steps"][0]["outcome"], "done", "{v:#}");
    let (code, v) = json(&db, &["verify", f.to_str().unwrap()]);
    assert_eq!(code, 0, "{v:#}");
}

/// A unique index on a partitioned table that lacks the partition key is one PostgreSQL refuses:
/// the plan says so (rejected, naming the table), rather than calling it missing and letting every
/// apply fail on it.
#[test]
fn a_unique_index_without_the_partition_key_is_rejected_by_the_plan() {
    let (db, _dir, f) = declared(
        "schema_part_unique",
        "CREATE TABLE \"Events\" (id int, k int) PARTITION BY LIST (k);
         CREATE TABLE events_1 PARTITION OF \"Events\" FOR VALUES IN (1);",
        "e.sql",
        "CREATE UNIQUE INDEX IF NOT EXISTS events_id ON \"Events\" (id);\nCREATE UNIQUE INDEX IF NOT EXISTS events_id_k ON \"Events\" (id, k);\n",
    );
    let (code, v) = json(&db, &["plan", f.to_str().unwrap()]);
    assert_eq!(code, 2, "{v:#}");
    assert_eq!(
        verdicts(&v),
        [
            ("public.events_id".to_string(), "rejected".to_string()),
            ("public.events_id_k".to_string(), "missing".to_string())
        ],
        "{v:#}"
    );
    let detail = v["objects"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("must include all partitioning columns")
            && !detail.contains("pgtune_shadow"),
        "{detail}"
    );
}

/// An invalid partitioned index (built ON ONLY; some partitions' indexes attached, others not) is
/// completed: only the missing partitions' indexes are built, concurrently, and attached, never a
/// blocking drop of the tree and a rebuild of what is there. The dry run's script, through psql,
/// does the same.
#[test]
fn an_invalid_partitioned_index_is_completed_not_dropped_and_rebuilt() {
    let setup = "CREATE TABLE ev (at date, kind int) PARTITION BY RANGE (at);
         CREATE TABLE ev_2025 PARTITION OF ev FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
         CREATE TABLE ev_2026 PARTITION OF ev FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')
             PARTITION BY LIST (kind);
         CREATE TABLE ev_2026_a PARTITION OF ev_2026 FOR VALUES IN (1);
         CREATE TABLE ev_2026_b PARTITION OF ev_2026 FOR VALUES IN (2);
         CREATE TABLE ev_2027 PARTITION OF ev FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');
         CREATE INDEX ev_kind ON ONLY ev (kind);
         CREATE INDEX ev_2025_kind ON ev_2025 (kind);
         ALTER INDEX ev_kind ATTACH PARTITION ev_2025_kind;
         CREATE INDEX ev_2026_kind ON ONLY ev_2026 (kind);
         ALTER INDEX ev_kind ATTACH PARTITION ev_2026_kind;
         CREATE INDEX ev_2026_a_kind ON ev_2026_a (kind);
         ALTER INDEX ev_2026_kind ATTACH PARTITION ev_2026_a_kind;";
    let oid =
        |db: &TestDb, index: &str| count(db, &format!("SELECT '{index}'::regclass::oid::bigint"));
    let (db, dir) = fixture("schema_complete", setup);
    let f = write(
        dir.path(),
        "ev.sql",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ev_kind ON ev (kind);\n",
    );
    let f = f.to_str().unwrap();
    let (before, kept) = (oid(&db, "ev_kind"), oid(&db, "ev_2025_kind"));
    let (code, v) = json(&db, &["apply", f, "--yes"]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["steps"][0]["action"], "complete per partition", "{v:#}");
    let statements: Vec<&str> = v["steps"][0]["statements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(
        statements.iter().all(|s| !s.starts_with("DROP")),
        "{statements:#?}"
    );
    // What was missing, and only that: the leaf 2027, the leaf 2026_b below the existing 2026 one.
    assert_eq!(statements.len(), 4, "{statements:#?}");
    assert!(statements[0].contains("CONCURRENTLY") && statements[0].contains("ev_2027"));
    assert!(statements[3].starts_with("ALTER INDEX public.ev_2026_kind ATTACH PARTITION"));
    assert_eq!(
        (oid(&db, "ev_kind"), oid(&db, "ev_2025_kind")),
        (before, kept)
    );
    assert_eq!(json(&db, &["verify", f]).0, 0);

    let (scripted, _) = fixture("schema_complete_psql", setup);
    let script = schema(&scripted, &["apply", f, "--dry-run"])
        .expect_code(0)
        .stdout;
    let out = scripted.cluster.psql(&scripted.name, &script);
    assert!(
        out.status.success(),
        "{script}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(&scripted, &["verify", f]).0, 0);
}

/// A unique partitioned index with a partition's index attached but invalid (a failed unique
/// build on duplicate keys) is never dropped to be rebuilt: its other partitions keep their
/// uniqueness, and the step says how to fix it.
#[test]
fn a_unique_tree_with_an_invalid_partition_index_is_not_dropped() {
    let (db, dir) = fixture(
        "schema_unique_tree",
        "CREATE TABLE t2 (region text, id int) PARTITION BY LIST (region);
         CREATE TABLE t2_us PARTITION OF t2 FOR VALUES IN ('us');
         CREATE TABLE t2_eu PARTITION OF t2 FOR VALUES IN ('eu');
         INSERT INTO t2 VALUES ('us', 1), ('us', 1), ('eu', 1);
         CREATE UNIQUE INDEX u ON ONLY t2 (region, id);
         CREATE UNIQUE INDEX t2_eu_u ON t2_eu (region, id);
         ALTER INDEX u ATTACH PARTITION t2_eu_u;",
    );
    // A concurrent unique build that fails leaves its invalid index behind.
    let _ = db
        .admin()
        .try_execute("CREATE UNIQUE INDEX CONCURRENTLY t2_us_u ON t2_us (region, id)");
    if db
        .admin()
        .try_execute("ALTER INDEX u ATTACH PARTITION t2_us_u")
        .is_err()
    {
        // This PostgreSQL refuses to attach an invalid index: the case cannot arise.
        return;
    }
    let f = write(
        dir.path(),
        "u.sql",
        "CREATE UNIQUE INDEX IF NOT EXISTS u ON t2 (region, id);\n",
    );
    let (_, v) = json(&db, &["apply", f.to_str().unwrap(), "--yes"]);
    let why = v["steps"][0]["why"].as_str().unwrap();
    assert!(
        why.contains("pgtune does not drop a unique index tree") && why.contains("public.t2_us_u"),
        "{v:#}"
    );
    assert!(v["steps"][0]["statements"].as_array().unwrap().is_empty());
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_class WHERE relname = 't2_eu_u'"
        ),
        1,
        "the valid partition's unique index stays"
    );
    // The fix it names, run as a DBA would (duplicates removed, its REINDEX through psql), then
    // apply again: the tree ends valid and verify passes.
    let reindex = &why[why
        .find("REINDEX INDEX CONCURRENTLY")
        .expect("the fix is named")..];
    db.admin()
        .execute("DELETE FROM t2_us WHERE ctid = (SELECT min(ctid) FROM t2_us)");
    let out = db.cluster.psql(&db.name, reindex);
    assert!(
        out.status.success(),
        "{reindex}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (code, v) = json(&db, &["apply", f.to_str().unwrap(), "--yes"]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(json(&db, &["verify", f.to_str().unwrap()]).0, 0);
}

/// A partition locked elsewhere does not stall the read-only plan: its tree is read from
/// pg_inherits, which takes no lock (pg_partition_tree locks every partition).
#[test]
fn a_locked_partition_does_not_stall_the_plan() {
    let (db, _dir, f) = declared(
        "schema_locked_partition",
        "CREATE TABLE lp (id int, k int) PARTITION BY RANGE (k);
         CREATE TABLE lp1 PARTITION OF lp FOR VALUES FROM (0) TO (10);
         CREATE TABLE lp2 PARTITION OF lp FOR VALUES FROM (10) TO (20);",
        "lp.sql",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS lp_id ON lp (id);\n",
    );
    let holder = db.admin();
    holder.execute("BEGIN; LOCK TABLE lp2 IN ACCESS EXCLUSIVE MODE;");
    let (code, v) = json(&db, &["plan", f.to_str().unwrap()]);
    holder.execute("COMMIT");
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(
        verdicts(&v),
        [("public.lp_id".to_string(), "missing".to_string())]
    );
}

/// A concurrent build stopped by an old transaction (a lock timeout) whose invalid leftover cannot
/// be dropped yet (the same transaction holds the table) is not retried into "already exists": one
/// attempt, a failure saying how to drop the leftover; the next apply, once the transaction ended,
/// drops it and builds the index.
#[test]
fn a_leftover_that_cannot_be_dropped_yet_stops_the_retries_and_says_how_to_drop_it() {
    let (db, _dir, f) = declared(
        "schema_stuck_leftover",
        "CREATE TABLE st (a int); INSERT INTO st SELECT generate_series(1, 1000);",
        "st.sql",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS st_a ON st (a);\n",
    );
    let f = f.to_str().unwrap();
    let holder = db.admin();
    holder.execute("BEGIN; INSERT INTO st VALUES (0);");
    let (code, v) = json(
        &db,
        &[
            "apply",
            f,
            "--yes",
            "--lock-timeout",
            "200ms",
            "--retries",
            "3",
        ],
    );
    holder.execute("COMMIT");
    assert_eq!(code, 2, "{v:#}");
    let step = &v["steps"][0];
    assert_eq!(step["outcome"], "failed", "{v:#}");
    assert_eq!(
        step["attempts"], 1,
        "no retry into the leftover's name: {v:#}"
    );
    assert!(
        step["detail"].as_str().unwrap().contains("is still there")
            && step["detail"]
                .as_str()
                .unwrap()
                .contains("DROP INDEX CONCURRENTLY"),
        "{v:#}"
    );
    let (code, v) = json(&db, &["apply", f, "--yes"]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(json(&db, &["verify", f]).0, 0);
}

/// A partitioned index that differs: left alone with the fix said (a warning) by default; with
/// --rebuild-changed --no-concurrently rebuilt, swapped and the old tree dropped without
/// CONCURRENTLY (which PostgreSQL refuses on a partitioned index), leaving nothing behind.
#[test]
fn a_differing_partitioned_index_is_rebuilt_only_with_a_write_lock_accepted() {
    let (db, _dir, f) = declared(
        "schema_part_rebuild",
        "CREATE TABLE pt (k int, d date) PARTITION BY RANGE (k);
         CREATE TABLE pt1 PARTITION OF pt FOR VALUES FROM (0) TO (10);
         CREATE TABLE pt2 PARTITION OF pt FOR VALUES FROM (10) TO (20)
             PARTITION BY RANGE (k);
         CREATE TABLE pt2a PARTITION OF pt2 FOR VALUES FROM (10) TO (15);
         CREATE INDEX pt_k_idx ON pt (k, d);",
        "pt.sql",
        "CREATE INDEX IF NOT EXISTS pt_k_idx ON pt (k);\n",
    );
    let f = f.to_str().unwrap();
    let (code, v) = json(&db, &["apply", f, "--yes", "--rebuild-changed"]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["steps"][0]["outcome"], "left", "{v:#}");
    let (code, v) = json(
        &db,
        &[
            "apply",
            f,
            "--yes",
            "--rebuild-changed",
            "--no-concurrently",
        ],
    );
    assert_eq!(code, 0, "{v:#}");
    assert!(
        !v["steps"][0]["statements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().contains("DROP INDEX CONCURRENTLY")),
        "{v:#}"
    );
    assert_eq!(json(&db, &["verify", f]).0, 0);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_class WHERE relname LIKE '%pgtune%' AND relkind IN ('i', 'I')"
        ),
        0
    );
}

/// `fixture` with one declaration file `name` holding `text`.
fn declared(
    label: &str,
    setup: &str,
    name: &str,
    text: &str,
) -> (TestDb<'static>, tempfile::TempDir, PathBuf) {
    let (db, dir) = fixture(label, setup);
    let file = write(dir.path(), name, text);
    (db, dir, file)
}

/// Runs a pgtune schema command in the background.
fn spawn(db: &TestDb, args: &[&str]) -> std::process::Child {
    harness::spawn(db.pgtune().arg("schema").args(args))
}

#[test]
fn a_held_lock_is_retried_until_released_and_application_queries_never_queue_behind_it() {
    let (db, dir) = fixture("schema_locks", "CREATE TABLE busy (a int); CREATE TABLE other (a int); INSERT INTO busy SELECT generate_series(1, 1000);");
    let plain = write(
        dir.path(),
        "plain.sql",
        "CREATE INDEX IF NOT EXISTS busy_a ON busy (a);\n",
    );
    let concurrent = write(
        dir.path(),
        "cic.sql",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS busy_a2 ON busy (a);\n",
    );

    // 1. A plain build (--no-concurrently) needs a SHARE lock; a writer's open transaction holds ROW
    //    EXCLUSIVE. The application keeps inserting meanwhile: none of its inserts may wait longer than
    //    the lock timeout behind pgtune's queued request.
    let holder = db.admin();
    holder.execute("BEGIN; INSERT INTO busy VALUES (0);");
    let apply = spawn(
        &db,
        &[
            "apply",
            plain.to_str().unwrap(),
            "--yes",
            "--no-concurrently",
            "--lock-timeout",
            "300ms",
            "--retries",
            "30",
            "--format",
            "json",
        ],
    );
    let app = db.admin();
    let started = Instant::now();
    let mut worst = Duration::ZERO;
    while started.elapsed() < Duration::from_secs(3) {
        let t = Instant::now();
        app.execute("INSERT INTO busy VALUES (42)");
        worst = worst.max(t.elapsed());
        std::thread::sleep(Duration::from_millis(20));
    }
    holder.execute("COMMIT");
    let out = finish(apply).expect_code(0);
    let v = out.json();
    assert!(v["steps"][0]["attempts"].as_u64().unwrap() > 1, "{v:#}");
    assert!(
        worst < Duration::from_millis(300 + 700),
        "an application insert waited {worst:?}"
    );

    // 2. A concurrent build waits for old snapshots; lock_timeout stops that wait, the invalid
    //    leftover is dropped, and the retry succeeds once the old transaction ends.
    holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM other;");
    let apply = spawn(
        &db,
        &[
            "apply",
            concurrent.to_str().unwrap(),
            "--yes",
            "--lock-timeout",
            "300ms",
            "--retries",
            "30",
            "--format",
            "json",
        ],
    );
    std::thread::sleep(Duration::from_secs(2));
    holder.execute("COMMIT");
    let out = finish(apply).expect_code(0);
    assert!(
        out.json()["steps"][0]["attempts"].as_u64().unwrap() > 1,
        "{}",
        out.stdout
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM pg_index WHERE NOT indisvalid"),
        0
    );
    assert!(
        out.stderr.contains("has had a transaction open"),
        "{}",
        out.stderr
    );

    // 3. Still locked after every retry: the step is left for the next run (a warning, as the
    //    maintenance commands leave a locked relation), nothing half-built stays, and the journal
    //    says locked.
    holder.execute("BEGIN; LOCK TABLE busy IN ACCESS EXCLUSIVE MODE;");
    let locked = write(
        dir.path(),
        "locked.sql",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS busy_a3 ON busy (a);\n",
    );
    let (code, v) = json(
        &db,
        &[
            "apply",
            locked.to_str().unwrap(),
            "--yes",
            "--lock-timeout",
            "200ms",
            "--retries",
            "1",
        ],
    );
    holder.execute("COMMIT");
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(v["steps"][0]["outcome"], "left", "{v:#}");
    assert!(
        v["steps"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("still locked after 2 attempts of 200ms each"),
        "{v:#}"
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_class WHERE relname = 'busy_a3'"
        ),
        0
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM pgtune.schema_journal WHERE object_name = 'public.busy_a3' AND outcome = 'locked'"),
        1
    );
}

#[test]
fn one_runner_at_a_time() {
    let (db, _dir, f) = declared(
        "schema_runners",
        "CREATE TABLE t (a int, b int); INSERT INTO t SELECT i, i FROM generate_series(1, 20000) i;",
        "t.sql",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a ON t (a);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_b ON t (b);\n",
    );
    let f = f.to_str().unwrap();
    // Another runner holds the lock: exit 3 at once, naming it.
    let other = db.admin();
    other.execute(
        "SET application_name = 'other runner'; SELECT pg_try_advisory_lock(1885828213, 1);",
    );
    let started = Instant::now();
    let refused = schema(&db, &["apply", f, "--yes"])
        .expect_one_line_error("another pgtune schema apply is running");
    assert!(
        refused.stderr.contains("other runner"),
        "{}",
        refused.stderr
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    // With --wait it waits for the release.
    let waiting = spawn(&db, &["apply", f, "--yes", "--wait", "30s"]);
    std::thread::sleep(Duration::from_millis(800));
    other.execute("SELECT pg_advisory_unlock(1885828213, 1)");
    finish(waiting).expect_code(0);

    // Two real runs at once: both succeed, each index is built once, nothing invalid is left.
    db.admin()
        .execute("DROP INDEX t_a; DROP INDEX t_b; TRUNCATE pgtune.schema_journal;");
    let first = spawn(&db, &["apply", f, "--yes", "--wait", "60s"]);
    let second = spawn(&db, &["apply", f, "--yes", "--wait", "60s"]);
    finish(first).expect_code(0);
    finish(second).expect_code(0);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pgtune.schema_journal WHERE action = 'build'"
        ),
        2
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM pg_index WHERE NOT indisvalid"),
        0
    );
}

#[test]
fn ctrl_c_during_a_build_cancels_it_and_leaves_no_invalid_index() {
    let (db, _dir, f) = declared(
        "schema_interrupt",
        "CREATE TABLE t (a int); CREATE TABLE other (a int); INSERT INTO t SELECT generate_series(1, 1000);",
        "t.sql",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a ON t (a);\n",
    );
    // An old snapshot keeps the concurrent build waiting in its last phase.
    let holder = db.admin();
    holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM other;");
    let child = spawn(
        &db,
        &[
            "apply",
            f.to_str().unwrap(),
            "--yes",
            "--lock-timeout",
            "1min",
        ],
    );
    db.admin().wait_for(
        "SELECT count(*)::text FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'CREATE INDEX CONCURRENTLY t_a%' AND wait_event_type = 'Lock'",
        "1",
    );
    // SAFETY: kill only sends a signal to the child we started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = finish(child);
    holder.execute("COMMIT");
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("interrupted"), "{}", out.stderr);
    assert_eq!(
        count(&db, "SELECT count(*) FROM pg_class WHERE relname = 't_a'"),
        0
    );
    assert_eq!(count(&db, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'CREATE INDEX CONCURRENTLY t_a%' AND state = 'active'"), 0);
    assert_eq!(count(&db, "SELECT count(*) FROM pgtune.schema_journal WHERE outcome = 'failed' AND error LIKE 'interrupted%'"), 1);
}

#[test]
fn extra_indexes_fail_verify_only_when_strict_and_dry_run_changes_nothing() {
    let db = shared().create_db("schema_extra");
    db.admin()
        .execute("CREATE TABLE t (a int PRIMARY KEY, b int); CREATE INDEX t_b_extra ON t (b);");
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "t.sql",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_ab ON t (a, b);\n",
    );
    let f = f.to_str().unwrap();
    let dry = schema(&db, &["apply", f, "--dry-run"]).expect_code(0);
    assert!(
        dry.stdout
            .contains("CREATE INDEX CONCURRENTLY t_ab ON public.t (a, b);"),
        "{}",
        dry.stdout
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_class WHERE relname IN ('t_ab', 'schema_journal')"
        ),
        0
    );
    schema(&db, &["apply", f, "--yes"]).expect_code(0);
    let (code, v) = json(&db, &["verify", f]);
    assert_eq!(code, 0);
    let extra: Vec<&str> = v["extra"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    // The primary key backs a constraint: not extra.
    assert_eq!(extra, ["public.t_b_extra"]);
    schema(&db, &["verify", f, "--strict"]).expect_code(2);
}

#[test]
fn bad_input_gets_one_line_with_its_place() {
    let db = shared().create_db("schema_bad");
    let dir = tempfile::tempdir().unwrap();
    schema(
        &db,
        &["verify", dir.path().join("missing.sql").to_str().unwrap()],
    )
    .expect_one_line_error("missing.sql: no such file or directory");
    let f = write(dir.path(), "bad.sql", "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\nCREATE INDEX x ON t (a) WHERE b = 'open;\n");
    schema(&db, &["plan", f.to_str().unwrap()]).expect_one_line_error("bad.sql:2:");
    let f = write(dir.path(), "qualified.sql", "CREATE INDEX s.i ON t (a);\n");
    schema(&db, &["verify", f.to_str().unwrap()])
        .expect_one_line_error("qualified.sql:1:14: an index name cannot be schema-qualified");
    schema(&db, &["verify"]).expect_code(3);
    // Not a terminal and no --yes: apply refuses before connecting.
    let f = write(
        dir.path(),
        "ok.sql",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\n",
    );
    schema(&db, &["apply", f.to_str().unwrap()]).expect_one_line_error("add --yes");
    // A table that does not exist is a verdict, not a crash.
    let (code, v) = json(&db, &["verify", f.to_str().unwrap()]);
    assert_eq!((code, verdicts(&v)[0].1.as_str()), (2, "no-table"));
}

#[test]
fn without_the_temp_privilege_definitions_are_unverified_and_say_why() {
    let (db, dir) = fixture(
        "schema_notemp",
        "CREATE TABLE t (a int); CREATE INDEX t_a ON t (a); \
         DO $$ BEGIN CREATE ROLE schema_notemp_reader LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$;",
    );
    db.admin().execute(&format!(
        "REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC",
        crate::harness::quote_ident(&db.name)
    ));
    let f = write(
        dir.path(),
        "t.sql",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a ON t (a);\n",
    );
    let out = run(db.pgtune().env("PGUSER", "schema_notemp_reader").args([
        "schema",
        "verify",
        f.to_str().unwrap(),
        "--format",
        "json",
    ]))
    .expect_code(1);
    let v = out.json();
    assert_eq!(v["objects"][0]["verdict"], "unverified");
    assert!(
        v["objects"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("GRANT TEMPORARY"),
        "{v:#}"
    );
}

/// The build's backend is killed (pg_terminate_backend, an OOM kill, a failover): the monitor
/// session drops the invalid leftover, journals the failed step, and the run says what it left,
/// for a plain build and for a --rebuild-changed swap (its `_pgtune_new` copy).
#[test]
fn a_killed_build_backend_leaves_no_invalid_index_and_a_journal_row() {
    let (db, _dir, f) = declared(
        "schema_killed",
        "CREATE TABLE t (a int, b int); CREATE TABLE other (a int); \
         INSERT INTO t SELECT i, i FROM generate_series(1, 1000) i; CREATE INDEX t_b ON t (a);",
        "t.sql",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a ON t (a);\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS t_b ON t (b);\n",
    );
    for (args, building, leftover) in [
        (&["--yes"][..], "CREATE INDEX CONCURRENTLY t_a%", "t_a"),
        (
            &["--yes", "--rebuild-changed"][..],
            "CREATE INDEX CONCURRENTLY t_b_pgtune_new%",
            "t_b_pgtune_new",
        ),
    ] {
        // An old snapshot keeps the concurrent build waiting in its last phase.
        let holder = db.admin();
        holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM other;");
        let mut cmd = vec!["apply", f.to_str().unwrap(), "--lock-timeout", "1min"];
        cmd.extend_from_slice(args);
        let child = spawn(&db, &cmd);
        let waiting = format!("SELECT count(*)::text FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '{building}' AND wait_event_type = 'Lock'");
        db.admin().wait_for(&waiting, "1");
        db.admin().execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '{building}'"
        ));
        let out = finish(child);
        holder.execute("COMMIT");
        assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
        assert!(
            out.stderr.contains("lost the connection")
                && out.stderr.contains(&format!(
                    "its invalid leftover public.{leftover} was dropped"
                )),
            "{}",
            out.stderr
        );
        assert_eq!(
            count(
                &db,
                &format!("SELECT count(*) FROM pg_class WHERE relname = '{leftover}'")
            ),
            0,
            "{}",
            out.stderr
        );
        assert_eq!(
            count(&db, &format!("SELECT count(*) FROM pgtune.schema_journal WHERE outcome = 'failed' AND object_name LIKE 'public.{}%'", &leftover[..3])),
            1,
            "{}",
            out.stderr
        );
        if leftover == "t_a" {
            // The run after it builds what the killed one did not.
            schema(&db, &["apply", f.to_str().unwrap(), "--yes"]).expect_code(1);
        }
    }
}

/// A declared table locked elsewhere (ACCESS EXCLUSIVE, held in an open transaction): plan, verify
/// and apply retry its shadow build with backoff, then judge it `unverified` naming the lock holder,
/// and judge (and apply) the rest.
#[test]
fn a_locked_table_is_unverified_naming_its_holder_and_the_rest_is_judged() {
    let (db, _dir, f) = declared(
        "schema_locked_table",
        "CREATE TABLE busy (a int); CREATE TABLE free (a int); CREATE INDEX busy_a ON busy (a);",
        "t.sql",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS busy_a ON busy (a);\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS free_a ON free (a);\n",
    );
    let f = f.to_str().unwrap();
    let holder = db.admin();
    holder.execute(
        "SET application_name = 'the holder'; BEGIN; LOCK TABLE busy IN ACCESS EXCLUSIVE MODE;",
    );
    let (code, v) = json(&db, &["plan", f]);
    assert_eq!(code, 1, "plan: missing and unverified are warnings: {v:#}");
    let objects = v["objects"].as_array().unwrap();
    let busy = objects
        .iter()
        .find(|o| o["name"] == "public.busy_a")
        .unwrap();
    assert_eq!(busy["verdict"], "unverified", "{v:#}");
    let why = busy["detail"].as_str().unwrap_or_default();
    assert!(
        why.contains("the holder") && why.contains("AccessExclusiveLock"),
        "{v:#}"
    );
    let free = objects
        .iter()
        .find(|o| o["name"] == "public.free_a")
        .unwrap();
    assert_eq!(free["verdict"], "missing", "{v:#}");
    let (code, _) = json(&db, &["verify", f]);
    assert_eq!(code, 2);
    let (code, v) = json(
        &db,
        &[
            "apply",
            f,
            "--yes",
            "--lock-timeout",
            "200ms",
            "--retries",
            "1",
        ],
    );
    assert_eq!(code, 1, "{v:#}");
    holder.execute("COMMIT");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_class WHERE relname = 'free_a'"
        ),
        1
    );
    let (code, v) = json(&db, &["verify", f]);
    assert_eq!(code, 0, "{v:#}");
}

/// Only an error an extension could cure is put off until the declared extensions are installed: a
/// missing column is `rejected` at once. After apply, a built index's row carries no stale error, and
/// a failed build's error keeps PostgreSQL's DETAIL (which key is duplicated).
#[test]
fn errors_are_blamed_on_their_cause_and_keep_their_detail() {
    let (db, _dir, f) = declared(
        "schema_blame",
        "CREATE TABLE orders (id int, b int); INSERT INTO orders VALUES (1, 1), (1, 2);",
        "t.sql",
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_x ON orders (no_such_col);\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_t ON orders USING gin ((b::text) gin_trgm_ops);\n\
         CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orders_u ON orders (id);\n",
    );
    let f = f.to_str().unwrap();
    let (_, v) = json(&db, &["plan", f]);
    let objects = v["objects"].as_array().unwrap();
    let get = |name: &str| objects.iter().find(|o| o["name"] == name).unwrap().clone();
    assert_eq!(get("public.orders_x")["verdict"], "rejected", "{v:#}");
    assert_eq!(get("public.orders_t")["verdict"], "missing", "{v:#}");
    assert!(get("public.orders_t")["detail"]
        .as_str()
        .unwrap()
        .contains("once the declared extensions are installed"));
    let (code, v) = json(&db, &["apply", f, "--yes"]);
    assert_eq!(code, 2, "{v:#}");
    let steps = v["steps"].as_array().unwrap();
    let step = |name: &str| {
        steps
            .iter()
            .find(|s| s["object"] == name)
            .unwrap_or_else(|| panic!("{name}: {v:#}"))
            .clone()
    };
    let built = step("public.orders_t");
    assert_eq!(built["outcome"], "done", "{v:#}");
    assert!(
        !built.to_string().contains("ERROR"),
        "stale error: {built:#}"
    );
    let failed = step("public.orders_u");
    assert!(
        failed["detail"]
            .as_str()
            .unwrap()
            .contains("DETAIL: Key (id)=(1) is duplicated."),
        "{failed:#}"
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM pgtune.schema_journal WHERE error LIKE '%DETAIL: Key (id)=(1) is duplicated.%'"),
        1
    );
}

/// A role with only pg_monitor can run `schema verify`: what it may not judge is `unverified`,
/// never `rejected`; `history` and `trends` say in one line which privilege is missing.
#[test]
fn a_monitoring_role_gets_unverified_and_one_line_privilege_errors() {
    let (db, _dir, f) = declared(
        "schema_monitor_role",
        "CREATE TABLE t (a int); CREATE INDEX t_a ON t (a); \
         DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'schema_monitor') THEN CREATE ROLE schema_monitor LOGIN; END IF; END $$; \
         GRANT pg_monitor TO schema_monitor;",
        "t.sql",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a ON t (a);\n",
    );
    let out = run(db
        .pgtune()
        .args([
            "-U",
            "schema_monitor",
            "schema",
            "verify",
            "--format",
            "json",
        ])
        .arg(&f));
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        verdicts(&out.json()),
        [("public.t_a".to_string(), "unverified".to_string())]
    );
    // pgtune's records exist (a run as the owner made them) but this role may not read them.
    run(db.pgtune().args(["snapshot"])).expect_code(0);
    run(db.pgtune().args(["maintain", "daily"]));
    for command in ["history", "trends"] {
        run(db.pgtune().args(["-U", "schema_monitor", command])).expect_one_line_error(
            "role schema_monitor may not read pgtune's records in schema pgtune; as their owner run GRANT USAGE ON SCHEMA pgtune TO schema_monitor;",
        );
    }
}

/// A typo'd declaration is an error, in plan and in verify (the CI gate): never an out-of-scope
/// note that lets CI pass without the index.
#[test]
fn a_typo_in_a_declaration_fails_verify() {
    let (db, _dir, f) = declared(
        "schema_typo",
        "CREATE TABLE t (a int);",
        "t.sql",
        "CREAT INDEX CONCURRENTLY IF NOT EXISTS x1 ON t (a);\n\
         CREATE INDX x2 ON t (a);\n\
         CREATE TABLE IF NOT EXISTS other (b int);\n",
    );
    let (code, v) = json(&db, &["verify", f.to_str().unwrap()]);
    assert_eq!(code, 2, "{v:#}");
    let errors: Vec<u64> = v["lints"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["level"] == "error")
        .map(|l| l["line"].as_u64().unwrap())
        .collect();
    assert_eq!(
        errors,
        [1, 2],
        "a CREATE TABLE is out of scope, not an error: {v:#}"
    );
}

/// An unclosed parenthesis swallows the declarations after it (psql reads them as one statement):
/// never silently, an error lint names where it opened and each declaration it swallowed.
#[test]
fn an_unclosed_parenthesis_names_what_it_swallowed() {
    let (db, _dir, f) = declared(
        "schema_unclosed",
        "CREATE TABLE t (a int);",
        "t.sql",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS x1 ON t (a;\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS x2 ON t (a);\n",
    );
    let (code, v) = json(&db, &["verify", f.to_str().unwrap()]);
    assert_eq!(code, 2);
    let lint = v["lints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["level"] == "error")
        .unwrap_or_else(|| panic!("{v:#}"));
    let message = lint["message"].as_str().unwrap();
    assert!(
        message.contains("never closed") && message.contains("t.sql:2:1"),
        "{lint:#}"
    );
    assert_eq!(lint["line"], 1);
}

/// On a terminal without --yes, apply shows the objects and the exact script, then asks; "no"
/// changes nothing, "yes" builds exactly what the script said. Without a terminal, or asked for
/// JSON, it refuses.
#[test]
fn apply_on_a_terminal_shows_the_script_then_asks() {
    let (db, dir) = fixture(
        "schema_pty",
        "CREATE TABLE \"Order Lines\" (id int, \"SKU\" text);",
    );
    let file = write(
        dir.path(),
        "idx.sql",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"lines sku\" ON \"Order Lines\" (\"SKU\");\n",
    );
    let file = file.to_str().unwrap();
    let exists = || {
        db.admin()
            .query_strings("SELECT count(*)::text FROM pg_indexes WHERE indexname = 'lines sku'")[0]
            [0]
        .clone()
        .unwrap()
    };
    let session_with = |extra: &[&str]| {
        let mut cmd = db.pgtune();
        cmd.args(["schema", "apply", file])
            .args(extra)
            .env("TERM", "dumb")
            .env("COLUMNS", "200")
            .stdin(std::process::Stdio::inherit());
        rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn on a pty")
    };
    let session = || session_with(&[]);
    let answer = |p: &mut rexpect::session::PtySession, keys: &str| {
        std::thread::sleep(Duration::from_millis(300));
        p.send(keys).unwrap();
        p.flush().unwrap();
    };

    // The objects, the script the run executes, the question; "n": nothing changes.
    let mut p = session();
    let shown = p.exp_string("Apply these changes?").unwrap();
    assert!(shown.contains("lines sku"), "{shown}");
    assert!(
        shown.contains(
            "CREATE INDEX CONCURRENTLY \"lines sku\" ON public.\"Order Lines\" USING btree (\"SKU\")"
        ) || shown.contains("CREATE INDEX CONCURRENTLY \"lines sku\" ON public.\"Order Lines\" (\"SKU\")"),
        "the script is shown before the question:\n{shown}"
    );
    answer(&mut p, "n\r");
    p.exp_string("Nothing was changed.").unwrap();
    p.exp_eof().unwrap();
    // As check does: the exit code is what schema plan says of the database still as it is (the
    // index missing: a warning).
    match p.process.wait().unwrap() {
        rexpect::process::wait::WaitStatus::Exited(_, code) => assert_eq!(code, 1),
        other => panic!("{other:?}"),
    }
    assert_eq!(exists(), "0", "answering no built the index");

    // JSON on stdout stays JSON: on a terminal too, no preview and no question in it; --yes needed.
    let mut p = session_with(&["--format", "json"]);
    let said = p.exp_eof().unwrap();
    assert!(
        said.contains("it asks only with --format table: add --yes")
            && !said.contains("Apply these changes?"),
        "{said}"
    );
    assert_eq!(exists(), "0");

    // "y": built, and the report says so.
    let mut p = session();
    p.exp_string("Apply these changes?").unwrap();
    answer(&mut p, "y\r");
    let rest = p.exp_eof().unwrap();
    assert!(rest.contains("done"), "{rest}");
    assert_eq!(exists(), "1");

    // No terminal, no --yes: refused before anything changes.
    schema(&db, &["apply", file]).expect_one_line_error("stdin is not a terminal");
}
