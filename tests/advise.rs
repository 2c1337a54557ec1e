//! `pgtune advise indexes` on a schema in the seed's shape (schools, students, menu_items, orders,
//! order_items) with a workload run through pg_stat_statements: it must advise exactly the indexes
//! the workload needs, not the one an existing index serves, and the advice must build through
//! `schema apply` and be used by the plans afterwards.

use std::collections::BTreeSet;

use crate::harness::{run, shared, Cluster, ClusterOptions, TestDb};

const SEED: &str = r#"
CREATE EXTENSION pg_trgm;
CREATE TABLE schools (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO schools SELECT g, 'school ' || g FROM generate_series(1, 100) g;
CREATE TABLE students (id int PRIMARY KEY, school_id int NOT NULL, grade int NOT NULL,
                       active boolean NOT NULL, email text NOT NULL);
INSERT INTO students SELECT g, g % 100 + 1, g % 12 + 1, g % 10 = 0, 'student' || g || '@example.com'
FROM generate_series(1, 60000) g;
CREATE TABLE menu_items (id int PRIMARY KEY, school_id int NOT NULL, name text NOT NULL);
INSERT INTO menu_items SELECT g, g % 100 + 1,
       CASE WHEN g % 100 = 0 THEN 'pizza slice ' || g ELSE 'item ' || md5(g::text) END
FROM generate_series(1, 40000) g;
CREATE TABLE orders (id int PRIMARY KEY, student_id int NOT NULL, school_id int NOT NULL,
                     status text NOT NULL, created_at timestamptz NOT NULL);
INSERT INTO orders SELECT g, g % 60000 + 1, g % 100 + 1, CASE WHEN g % 20 = 0 THEN 'open' ELSE 'done' END,
       now() - (g || ' minutes')::interval
FROM generate_series(1, 120000) g;
CREATE TABLE order_items (id int PRIMARY KEY, order_id int NOT NULL, menu_item_id int NOT NULL, qty int NOT NULL);
INSERT INTO order_items SELECT g, g % 120000 + 1, g % 40000 + 1, 1 FROM generate_series(1, 240000) g;
CREATE INDEX order_items_order_id_idx ON order_items (order_id);
CREATE SCHEMA "Tenant A";
CREATE TABLE "Tenant A"."Order ""Log""" (id int PRIMARY KEY, "Student Id" int NOT NULL, note text);
INSERT INTO "Tenant A"."Order ""Log""" SELECT g, g % 5000, 'n' FROM generate_series(1, 50000) g;
VACUUM ANALYZE;
"#;

/// The workload: each target statement 20 times with different constants, as an application
/// would run them (pg_stat_statements folds the constants into $n).
fn workload() -> String {
    let mut sql = String::new();
    for i in 1..=20 {
        sql.push_str(&format!(
            "SELECT * FROM orders WHERE student_id = {i};\n\
             SELECT count(*) FROM orders WHERE school_id = {} AND created_at >= now() - interval '2 days';\n\
             SELECT id, email FROM students WHERE active AND school_id = {i};\n\
             SELECT * FROM menu_items WHERE lower(name) = 'item {i}';\n\
             SELECT * FROM menu_items WHERE name ILIKE '%pizza {i}%';\n\
             SELECT qty FROM order_items WHERE order_id = {i};\n\
             SELECT * FROM \"Tenant A\".\"Order \"\"Log\"\"\" WHERE \"Student Id\" = {i};\n",
            i % 100 + 1
        ));
    }
    sql
}

/// What each statement's plan must use once the advice is built (with real values).
const TARGETS: &[(&str, &str)] = &[
    ("SELECT * FROM orders WHERE student_id = 7", "orders_student_id_idx"),
    (
        "SELECT count(*) FROM orders WHERE school_id = 3 AND created_at >= now() - interval '2 days'",
        "orders_school_id_created_at_idx",
    ),
    (
        "SELECT id, email FROM students WHERE active AND school_id = 4",
        "students_school_id_idx",
    ),
    (
        "SELECT * FROM menu_items WHERE lower(name) = 'item 5'",
        "menu_items_lower_idx",
    ),
    (
        "SELECT * FROM menu_items WHERE name ILIKE '%pizza 5%'",
        "menu_items_name_idx",
    ),
    (
        "SELECT * FROM \"Tenant A\".\"Order \"\"Log\"\"\" WHERE \"Student Id\" = 5",
        "Order \"Log\"_Student Id_idx",
    ),
];

fn hypopg_available(cluster: &Cluster) -> bool {
    cluster
        .admin("postgres")
        .query_strings("SELECT count(*)::text FROM pg_available_extensions WHERE name = 'hypopg'")
        [0][0]
        .as_deref()
        == Some("1")
}

/// A database holding the seed's schema and HypoPG.
fn seeded<'a>(cluster: &'a Cluster, label: &str) -> TestDb<'a> {
    let db = cluster.create_db(label);
    db.admin().execute("CREATE EXTENSION hypopg");
    let seeded = cluster.psql(&db.name, SEED);
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );
    db
}

fn stats_cluster() -> Cluster {
    Cluster::start(ClusterOptions {
        conf: vec![
            "shared_preload_libraries = 'pg_stat_statements'".into(),
            "pg_stat_statements.track = top".into(),
        ],
        ..ClusterOptions::default()
    })
}

fn index_count(db: &TestDb) -> String {
    db.admin().query_strings(
        "SELECT count(*)::text FROM pg_class WHERE relkind = 'i' AND relnamespace <> 'pg_catalog'::regnamespace",
    )[0][0]
        .clone()
        .unwrap()
}

/// (table, keys, predicate, method) of each advised index, as the JSON names them.
fn advised(json: &serde_json::Value) -> BTreeSet<(String, String, String, String)> {
    json["indexes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["table"].as_str().unwrap().to_string(),
                i["keys"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| k.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(", "),
                i["predicate"].as_str().unwrap_or("").to_string(),
                i["method"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn expected() -> BTreeSet<(String, String, String, String)> {
    [
        ("orders", "student_id", "", "btree"),
        ("orders", "school_id, created_at", "", "btree"),
        ("students", "school_id", "active", "btree"),
        ("menu_items", "lower(name)", "", "btree"),
        ("menu_items", "name", "", "trigram"),
        ("Order \"Log\"", "\"Student Id\"", "", "btree"),
    ]
    .iter()
    .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
    .collect()
}

/// The seed's workload through pg_stat_statements: advise finds exactly the six indexes it needs
/// (a plain one, two columns equality-first, a partial one, an expression, a trigram, and one on a
/// table whose names need quoting), not the one order_items' existing index serves; it changes
/// nothing; `--write` then `schema apply` builds them concurrently, `schema verify` passes, and
/// each target statement's plan uses its index.
#[test]
fn advice_from_pg_stat_statements_is_exactly_what_the_workload_needs_and_applies() {
    let cluster = stats_cluster();
    if !hypopg_available(&cluster) {
        eprintln!("advise: HypoPG is not installed for this server; the exit-3 test covers it");
        return;
    }
    let db = seeded(&cluster, "advise");
    let admin = db.admin();
    admin.execute("CREATE EXTENSION pg_stat_statements");
    // The load's writes are history: the write rate is the workload's. (Statistics reach shared
    // memory within a second of each transaction: the reset waits for the load's.)
    std::thread::sleep(std::time::Duration::from_millis(1500));
    admin.execute("SELECT pg_stat_reset(), pg_stat_statements_reset()");
    let ran = cluster.psql(&db.name, &workload());
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );

    let before = index_count(&db);
    let file = db.write_home_file("indexes/advice.sql", "", 0o644);
    std::fs::remove_file(&file).unwrap();
    let out = run(db
        .pgtune()
        .args(["advise", "indexes", "--format", "json", "--write"])
        .arg(&file))
    .expect_code(1);
    let json = out.json();
    assert_eq!(advised(&json), expected(), "{json:#}");
    assert_eq!(index_count(&db), before, "advise must change nothing");
    for index in json["indexes"].as_array().unwrap() {
        let proof = index["proof"].as_str().unwrap();
        let method = index["method"].as_str().unwrap();
        assert_eq!(
            proof,
            if method == "trigram" {
                "estimated"
            } else {
                "hypopg"
            }
        );
        assert!(
            index["improvement_percent"].as_f64().unwrap() >= 30.0,
            "{index:#}"
        );
        assert!(
            !index["write_cost_outweighs_benefit"].as_bool().unwrap(),
            "{index:#}"
        );
        assert_eq!(index["serves"].as_array().unwrap()[0]["calls"], 20.0);
        assert!(index["statement"]
            .as_str()
            .unwrap()
            .starts_with("CREATE INDEX CONCURRENTLY "));
    }
    let names: BTreeSet<&str> = json["indexes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        TARGETS
            .iter()
            .map(|(_, name)| *name)
            .collect::<BTreeSet<_>>()
    );
    let written = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        written
            .matches("CREATE INDEX CONCURRENTLY IF NOT EXISTS")
            .count(),
        6,
        "{written}"
    );

    // The table for a person says the same.
    let table = run(db.pgtune().args(["advise", "indexes"])).expect_code(1);
    assert!(
        table.stdout.contains("6 indexes advised"),
        "{}",
        table.stdout
    );
    assert!(
        table.stdout.contains(
            "CREATE INDEX CONCURRENTLY \"Order \"\"Log\"\"_Student Id_idx\" ON \"Tenant A\".\"Order \"\"Log\"\"\" USING btree (\"Student Id\");"
        ),
        "{}",
        table.stdout
    );

    // A second --write adds nothing: every index is declared already.
    run(db
        .pgtune()
        .args(["advise", "indexes", "--write"])
        .arg(&file))
    .expect_code(1);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), written);

    // Review, apply concurrently, verify in CI.
    run(db.pgtune().args(["schema", "apply", "--yes"]).arg(&file)).expect_code(0);
    run(db.pgtune().args(["schema", "verify"]).arg(&file)).expect_code(0);
    admin.execute("ANALYZE");
    for (statement, index) in TARGETS {
        let plan = admin.query_strings(&format!("EXPLAIN {statement}"));
        let plan: Vec<String> = plan.into_iter().filter_map(|r| r[0].clone()).collect();
        let quoted = crate::harness::quote_ident(index);
        assert!(
            plan.iter()
                .any(|l| l.contains(&format!(" {quoted}")) || l.contains(&format!(" {index}"))),
            "{statement} does not use {index}:\n{}",
            plan.join("\n")
        );
    }
    // With the indexes built, nothing is left to advise; pgtune's own statements, five runs in,
    // are in pg_stat_statements but not in the workload.
    for _ in 0..2 {
        run(db.pgtune().args(["advise", "indexes"]));
    }
    let again = run(db.pgtune().args(["advise", "indexes", "--format", "json"])).expect_code(0);
    let json = again.json();
    assert_eq!(
        json["statements"], 7,
        "only the workload's: {}",
        again.stdout
    );
    assert_eq!(
        json["not_planned"].as_array().unwrap().len(),
        0,
        "{}",
        again.stdout
    );
    assert_eq!(
        again.json()["indexes"].as_array().unwrap().len(),
        0,
        "{}",
        again.stdout
    );
}

/// The same advice from a file of queries and from a PostgreSQL log; a second statement in a
/// queries file is only listed, never run.
#[test]
fn advice_from_a_queries_file_and_a_log_matches_and_runs_nothing_else() {
    let cluster = shared();
    if !hypopg_available(cluster) {
        return;
    }
    let db = seeded(cluster, "advise_files");
    let admin = db.admin();
    let queries = db.write_home_file(
        "queries.sql",
        &format!(
            "{}\nSELECT 1 FROM schools WHERE id = 1; DROP TABLE schools;\n",
            workload()
        ),
        0o644,
    );
    // The file to write into already declares, not yet built, an index under the name advice
    // would choose for orders (student_id): advice takes another.
    let declared = db.write_home_file(
        "declared.sql",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_student_id_idx ON orders (status);\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS my_lower ON menu_items ( lower(name) );\n",
        0o644,
    );
    let out = run(db
        .pgtune()
        .args([
            "advise", "indexes", "--format", "json", "--source", "queries",
        ])
        .arg(&queries)
        .arg("--write")
        .arg(&declared))
    .expect_code(1);
    let json = out.json();
    assert_eq!(advised(&json), expected(), "{json:#}");
    let written = std::fs::read_to_string(&declared).unwrap();
    assert!(
        written.contains("orders_student_id_idx1 ON public.orders USING btree (student_id)"),
        "{written}"
    );
    assert!(written.starts_with(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_student_id_idx ON orders (status);"
    ));
    // An index the file declares already (USING btree left out, spaced differently) keeps its name
    // and is not written twice.
    assert!(!written.contains("menu_items_lower_idx"), "{written}");
    assert_eq!(written.matches("lower(name)").count(), 1, "{written}");
    assert!(json["indexes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["name"] == "my_lower"));
    let refused = &json["not_planned"].as_array().unwrap();
    assert!(
        refused.iter().any(|s| s["query"] == "DROP TABLE schools"
            && s["at"].as_str().unwrap().ends_with(":142:37")),
        "{json:#}"
    );
    assert_eq!(
        admin.query_strings("SELECT to_regclass('schools')::text")[0][0].as_deref(),
        Some("schools")
    );

    let log: String = workload()
        .lines()
        .take(3 * TARGETS.len() + 3)
        .enumerate()
        .map(|(i, statement)| {
            format!(
                "2026-12-03 10:00:0{}.000 UTC [{}] LOG:  duration: {}.5 ms  statement: {statement}\n",
                i % 10,
                100 + i,
                20 + i
            )
        })
        .collect();
    let log = db.write_home_file("postgresql.log", &log, 0o644);
    let out = run(db
        .pgtune()
        .args(["advise", "indexes", "--format", "json", "--source", "log"])
        .arg(&log))
    .expect_code(1);
    assert_eq!(advised(&out.json()), expected(), "{}", out.stdout);

    // The flags as the reference spells them: only orders' indexes, from the statements run once.
    let scoped = run(db
        .pgtune()
        .args([
            "advise", "indexes", "--format", "json", "--source", "queries",
        ])
        .arg(&queries)
        .args([
            "--table",
            "orders",
            "--top",
            "100",
            "--min-calls",
            "1",
            "--min-improvement",
            "30",
        ]))
    .expect_code(1);
    let tables: BTreeSet<String> = advised(&scoped.json())
        .into_iter()
        .map(|(t, ..)| t)
        .collect();
    assert_eq!(
        tables,
        BTreeSet::from(["orders".to_string()]),
        "{}",
        scoped.stdout
    );

    // Each statement advice prints runs as a DBA would paste it (psql, outside a transaction),
    // builds a valid index, and the next run advises nothing.
    for index in json["indexes"].as_array().unwrap() {
        let statement = format!("{};", index["statement"].as_str().unwrap());
        let ran = cluster.psql(&db.name, &statement);
        assert!(
            ran.status.success(),
            "{statement}: {}",
            String::from_utf8_lossy(&ran.stderr)
        );
    }
    assert_eq!(
        admin.query_strings("SELECT count(*)::text FROM pg_index WHERE NOT indisvalid")[0][0]
            .as_deref(),
        Some("0")
    );
    admin.execute("ANALYZE");
    let after = run(db
        .pgtune()
        .args([
            "advise", "indexes", "--format", "json", "--source", "queries",
        ])
        .arg(&queries))
    .expect_code(0);
    assert_eq!(
        after.json()["indexes"].as_array().unwrap().len(),
        0,
        "{}",
        after.stdout
    );
}

/// Without HypoPG there is no proof, so no advice: exit 3 with how to install it (on a server
/// without the package) or create it (with it); without pg_stat_statements, how to get it; bad
/// flags and files get one line each.
#[test]
fn advise_without_proof_or_workload_says_what_to_install_and_exits_3() {
    let cluster = shared();
    let db = cluster.create_db("advise_missing");
    let version = db.version_num() / 10000;
    if hypopg_available(cluster) {
        run(db.pgtune().args(["advise", "indexes"])).expect_one_line_error(&format!(
            "HypoPG is on the server but not in database {}: run CREATE EXTENSION hypopg;",
            db.name
        ));
        db.admin().execute("CREATE EXTENSION hypopg");
        // A monitoring role cannot plan what it may not read: that is not "nothing to advise".
        db.admin().execute(
            "CREATE TABLE secret (a int); \
             DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'advise_monitor') \
             THEN CREATE ROLE advise_monitor LOGIN; END IF; END $$; \
             GRANT pg_monitor TO advise_monitor",
        );
        let secret = db.write_home_file("secret.sql", "SELECT * FROM secret WHERE a = 1;\n", 0o644);
        run(db
            .pgtune()
            .args(["-U", "advise_monitor", "advise", "indexes", "--source", "queries"])
            .arg(&secret))
        .expect_one_line_error(
            "none of the 1 statements could be planned by this session, so nothing can be advised; could not be planned: ERROR: permission denied for table secret",
        );
        run(db.pgtune().args(["advise", "indexes"]))
            .expect_one_line_error(&format!("pg_stat_statements is not installed in database {}: add it to shared_preload_libraries", db.name));
    } else {
        run(db.pgtune().args(["advise", "indexes"])).expect_one_line_error(&format!(
            "HypoPG is not installed on this server (PostgreSQL {version}): install the package postgresql-{version}-hypopg"
        ));
    }
    run(db.pgtune().args(["advise", "indexes", "--source", "log"]))
        .expect_one_line_error("--source log needs a file: --source log FILE");
    run(db
        .pgtune()
        .args(["advise", "indexes", "--source", "slowlog", "x"]))
    .expect_one_line_error(
        "invalid --source \"slowlog\": expected statements, log FILE or queries FILE",
    );
    run(db
        .pgtune()
        .args(["advise", "indexes", "--min-improvement", "0"]))
    .expect_one_line_error("invalid --min-improvement 0");
    run(db.pgtune().args([
        "advise",
        "indexes",
        "--source",
        "queries",
        "/nonexistent.sql",
    ]))
    .expect_one_line_error("/nonexistent.sql: ");
    let broken = db.write_home_file("broken.sql", "SELECT 1;\nSELECT 'unterminated;\n", 0o644);
    run(db
        .pgtune()
        .args(["advise", "indexes", "--source", "queries"])
        .arg(&broken))
    .expect_one_line_error("broken.sql:2:8: ");
    let log = db.write_home_file("empty.log", "LOG:  checkpoint starting: time\n", 0o644);
    run(db.pgtune().args(["advise", "indexes", "--source", "log"]).arg(&log))
        .expect_one_line_error("no statement with a duration in this log (set log_min_duration_statement, or load auto_explain)");
}
