//! Issue #19's regressions, each on a real cluster: declared text that would end pgtune's transaction
//! under `standard_conforming_strings = off`, keywords as names, and the interactive safety of check.

use crate::harness::{run, shared, Run, TestDb};

/// `pgtune schema COMMAND FILE`, with --yes for apply.
fn schema_run(db: &TestDb, command: &str, file: &std::path::Path, pgoptions: Option<&str>) -> Run {
    let mut cmd = db.pgtune();
    if let Some(o) = pgoptions {
        cmd.env("PGOPTIONS", o);
    }
    cmd.args(["schema", command]).arg(file);
    if command == "apply" {
        cmd.arg("--yes");
    }
    run(&mut cmd)
}

fn victim_exists(db: &TestDb) -> bool {
    db.admin()
        .query_strings("SELECT count(*) FROM pg_class WHERE relname = 'victim'")[0][0]
        .as_deref()
        == Some("1")
}

/// The file from the report: one string literal to a standard-conforming reader, five statements to a
/// server reading backslash escapes. plan, verify and apply must never run the DROP.
const HOSTILE_TAIL: &str = "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_b ON t (b) WHERE b <> '\\''; COMMIT; BEGIN READ WRITE; DROP TABLE victim; COMMIT; SELECT 1 -- ';\n";

fn victim_survives(label: &str, database_setting: bool, pgoptions: bool) {
    let db = shared().create_db(label);
    db.admin().execute(
        "CREATE TABLE t (b text); CREATE TABLE victim (id int); INSERT INTO t VALUES ('x');",
    );
    if database_setting {
        db.admin().execute(&format!(
            "ALTER DATABASE {} SET standard_conforming_strings = off",
            crate::harness::quote_ident(&db.name)
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("indexes.sql");
    std::fs::write(&file, HOSTILE_TAIL).unwrap();
    for command in ["plan", "verify", "apply"] {
        let out = schema_run(
            &db,
            command,
            &file,
            pgoptions.then_some("-c standard_conforming_strings=off"),
        );
        assert!(out.code != 3, "{command:?}: {}\n{}", out.stdout, out.stderr);
        assert!(
            victim_exists(&db),
            "schema {command} dropped the table:\n{}\n{}",
            out.stdout,
            out.stderr
        );
    }
    // The index the file declares is the string comparison a standard-conforming reader sees.
    let predicate = db.admin().query_strings(
        "SELECT pg_get_expr(indpred, indrelid) FROM pg_index WHERE indexrelid = 't_b'::regclass",
    );
    assert!(
        predicate[0][0].as_deref().unwrap().contains("COMMIT"),
        "{predicate:?}"
    );
    let out = run(db.pgtune().args(["schema", "verify"]).arg(&file));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
}

#[test]
fn declared_text_never_ends_the_shadow_transaction_database_setting() {
    victim_survives("safety_scs_db", true, false);
}

#[test]
fn declared_text_never_ends_the_shadow_transaction_pgoptions() {
    victim_survives("safety_scs_opts", false, true);
}

#[test]
fn a_second_statement_in_a_declared_tail_is_rejected_not_run() {
    let db = shared().create_db("safety_two_statements");
    db.admin()
        .execute("CREATE TABLE t (b text); CREATE TABLE victim (id int);");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("indexes.sql");
    // E'' strings read backslashes everywhere: here the tokenizer and the server agree that the
    // literal ends early, so the file holds a second statement, which is out of scope, never run.
    std::fs::write(
        &file,
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_b ON t (b) WHERE b <> E'\\''; DROP TABLE victim; -- ';\n",
    )
    .unwrap();
    for command in ["plan", "verify", "apply"] {
        schema_run(&db, command, &file, None);
        assert!(victim_exists(&db), "schema {command} ran the DROP");
    }
}

/// Every key word of the server's own list as a table name, in a schema named by a key word pgtune
/// once left bare: analyze, vacuum and a dry run's script must each handle every one.
#[test]
fn quote_ident_quotes_every_keyword_the_server_quotes() {
    let db = shared().create_db("safety_keywords");
    db.admin().execute(
        "CREATE SCHEMA \"freeze\"; \
         DO $$ DECLARE w text; BEGIN \
           FOR w IN SELECT word FROM pg_get_keywords() LOOP \
             EXECUTE format('CREATE TABLE \"freeze\".%I (%I int)', w, w); \
           END LOOP; END $$;",
    );
    let words = db
        .admin()
        .query_strings("SELECT count(*) FROM pg_get_keywords()");
    let total: usize = words[0][0].as_deref().unwrap().parse().unwrap();
    for command in [
        &["analyze", "--all"][..],
        &["vacuum", "--freeze", "--min-age", "0"][..],
    ] {
        let out = run(db
            .pgtune()
            .args(command)
            .args(["--schema", "freeze", "--format", "json"]));
        assert_eq!(out.code, 0, "{command:?}: {}\n{}", out.stdout, out.stderr);
        let v = out.json();
        let done = v["outcomes"]
            .as_array()
            .expect("outcomes")
            .iter()
            .filter(|j| j["status"] == "done")
            .count();
        assert_eq!(done, total, "{command:?}: {}", out.stdout);
    }
    // The dry run is a script: fed to psql it runs every statement without an error.
    let out = run(db
        .pgtune()
        .args(["analyze", "--all", "--schema", "freeze", "--dry-run"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let psql = shared().psql(&db.name, &out.stdout);
    assert!(
        psql.status.success(),
        "{}",
        String::from_utf8_lossy(&psql.stderr)
    );
}

/// A declaration PostgreSQL cannot parse is `rejected` at its place, and the rest of the file is still
/// judged; a byte-order mark hides nothing.
#[test]
fn a_syntax_error_is_one_rejected_verdict_and_a_bom_hides_nothing() {
    let db = shared().create_db("safety_syntax");
    db.admin().execute("CREATE TABLE t (a int, b int);");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("indexes.sql");
    std::fs::write(
        &file,
        "\u{feff}CREATE INDEX CONCURRENTLY IF NOT EXISTS t_a ON t (a);\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS t_bad ON t (b) WHERE ,;\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS t_b ON t (b);\n",
    )
    .unwrap();
    let out = run(db
        .pgtune()
        .args(["schema", "plan", "--format", "json"])
        .arg(&file));
    assert_ne!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    let verdicts = crate::harness::pairs(&out.json(), "objects", "name", "verdict");
    let verdict = |needle: &str| {
        verdicts
            .iter()
            .find(|(n, _)| n == &format!("public.{needle}"))
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{needle} not judged: {verdicts:?}"))
    };
    assert_eq!(verdict("t_a"), "missing", "after the BOM: {}", out.stdout);
    assert_eq!(verdict("t_bad"), "rejected");
    assert_eq!(verdict("t_b"), "missing");
    let out = run(db.pgtune().args(["schema", "verify"]).arg(&file));
    assert_eq!(out.code, 2, "{}", out.stdout);
}

/// Ctrl-C or SIGTERM during a maintenance run cancels the statement running on the server, starts
/// nothing more, says so, and exits 3.
#[test]
fn an_interrupted_maintenance_run_cancels_its_server_statement() {
    let db = shared().create_db("safety_sigint");
    db.admin().execute(
        "CREATE MATERIALIZED VIEW slow AS SELECT 1 AS x FROM pg_sleep(60) WITH NO DATA; \
         CREATE MATERIALIZED VIEW later AS SELECT 1 AS x WITH NO DATA;",
    );
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let started = std::time::Instant::now();
        let child = crate::harness::spawn(db.pgtune().args(["refresh", "--jobs", "1"]));
        db.admin().wait_for(
            "SELECT count(*)::text FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'REFRESH MATERIALIZED VIEW%slow%' AND state = 'active'",
            "1",
        );
        // SAFETY: kill only sends a signal to the child we started.
        unsafe { libc::kill(child.id() as i32, signal) };
        let out = crate::harness::finish(child);
        assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
        assert!(out.stderr.contains("interrupted"), "{}", out.stderr);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(50),
            "the REFRESH ran to its end"
        );
        // The backend reports itself idle a moment after its error reaches pgtune; the REFRESH
        // would take 60 s if it had not been cancelled.
        db.admin().wait_for(
            "SELECT count(*)::text FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'REFRESH MATERIALIZED VIEW%' AND state = 'active'",
            "0",
        );
    }
}

/// A name holding a newline and SQL, printed in a dry run's comments, stays inside its comment: fed
/// to psql, the script creates nothing pgtune did not name.
#[test]
fn a_newline_in_a_name_cannot_end_a_dry_run_comment() {
    let db = shared().create_db("safety_newline");
    db.admin().execute(
        "CREATE TABLE \"x\nCREATE TABLE pwned (i int);\" (a int); \
         CREATE MATERIALIZED VIEW \"m\nCREATE TABLE pwned2 (i int);\" AS SELECT 1 AS x WITH NO DATA;",
    );
    for args in [
        &["analyze", "--all", "--dry-run"][..],
        &["vacuum", "--freeze", "--min-age", "0", "--dry-run"][..],
        &["refresh", "--dry-run"][..],
    ] {
        let out = run(db.pgtune().args(args));
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        let psql = shared().psql(&db.name, &out.stdout);
        assert!(
            psql.status.success(),
            "{args:?}: {}\n{}",
            out.stdout,
            String::from_utf8_lossy(&psql.stderr)
        );
        let made = db
            .admin()
            .query_strings("SELECT count(*) FROM pg_class WHERE relname LIKE 'pwned%'");
        assert_eq!(
            made[0][0].as_deref(),
            Some("0"),
            "{args:?}:\n{}",
            out.stdout
        );
    }
}

/// Ctrl-C during `purge` cancels the batch running on the server (its transaction rolls back, so
/// nothing is half-deleted), reports the table, and exits 3.
#[test]
fn an_interrupted_purge_cancels_its_running_batch() {
    let db = shared().create_db("safety_purge_sigint");
    db.admin().execute(
        "CREATE TABLE logs (id int, at timestamptz); \
         INSERT INTO logs SELECT i, now() - interval '40 days' FROM generate_series(1, 10) i; \
         CREATE FUNCTION slow_delete() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(60); RETURN OLD; END $$; \
         CREATE TRIGGER slow BEFORE DELETE ON logs FOR EACH ROW EXECUTE FUNCTION slow_delete();",
    );
    let started = std::time::Instant::now();
    let child = crate::harness::spawn(db.pgtune().args([
        "purge",
        "--table",
        "logs",
        "--column",
        "at",
        "--older-than",
        "30 days",
    ]));
    db.admin().wait_for(
        "SELECT count(*)::text FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pgtune purge%' AND query LIKE '%DELETE FROM%' AND state = 'active' AND pid <> pg_backend_pid()",
        "1",
    );
    // SAFETY: kill only sends a signal to the child we started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = crate::harness::finish(child);
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("interrupted"), "{}", out.stderr);
    assert!(started.elapsed() < std::time::Duration::from_secs(50));
    db.admin().wait_for(
        "SELECT count(*)::text FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%DELETE FROM%' AND state = 'active' AND pid <> pg_backend_pid()",
        "0",
    );
    let left = db.admin().query_strings("SELECT count(*) FROM logs");
    assert_eq!(
        left[0][0].as_deref(),
        Some("10"),
        "the cancelled batch rolled back"
    );
}

/// Ctrl-C during `reindex` cancels the REINDEX INDEX CONCURRENTLY on the server and drops the
/// `_ccnew` copy it was building: nothing half-built stays, and the run exits 3.
#[test]
fn an_interrupted_reindex_leaves_no_ccnew_copy() {
    let db = shared().create_db("safety_reindex_sigint");
    db.admin().execute(
        "CREATE TABLE t (a int); INSERT INTO t SELECT generate_series(1, 1000); CREATE INDEX t_a ON t (a); \
         CREATE TABLE other (a int);",
    );
    // An old snapshot keeps the concurrent rebuild waiting in one of its phases.
    let holder = db.admin();
    holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM other;");
    let child = crate::harness::spawn(db.pgtune().args([
        "reindex",
        "--index",
        "t_a",
        "--lock-timeout",
        "1min",
    ]));
    db.admin().wait_for(
        "SELECT count(*)::text FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'REINDEX INDEX CONCURRENTLY%' AND wait_event_type = 'Lock'",
        "1",
    );
    // SAFETY: kill only sends a signal to the child we started.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = crate::harness::finish(child);
    holder.execute("COMMIT");
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("interrupted"), "{}", out.stderr);
    db.admin().wait_for(
        "SELECT count(*)::text FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'REINDEX%' AND state = 'active'",
        "0",
    );
    let left = db
        .admin()
        .query_strings("SELECT string_agg(relname, ', ') FROM pg_class WHERE relname ~ '^t_a.'");
    assert_eq!(left[0][0], None, "leftovers: {:?}\n{}", left, out.stdout);
    let valid = db
        .admin()
        .query_strings("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 't_a'::regclass");
    assert_eq!(valid[0][0].as_deref(), Some("true"));
}

/// On a terminal the progress line keeps time through a long statement and shows its phase from
/// pg_stat_progress_create_index (here: waiting for an old snapshot to end).
#[test]
fn progress_on_a_terminal_shows_the_running_phase() {
    let db = shared().create_db("safety_progress");
    db.admin().execute(
        "CREATE TABLE t (a int); INSERT INTO t SELECT generate_series(1, 1000); CREATE INDEX t_a ON t (a); \
         CREATE TABLE other (a int);",
    );
    let holder = db.admin();
    holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM other;");
    let mut cmd = db.pgtune();
    cmd.args(["reindex", "--index", "t_a", "--lock-timeout", "1min"])
        .env("TERM", "dumb")
        .env("COLUMNS", "200");
    let mut p = rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn on a pty");
    p.exp_string("public.t_a: waiting for old snapshots")
        .unwrap();
    holder.execute("COMMIT");
    let rest = p.exp_eof().unwrap();
    assert!(rest.contains("done"), "{rest}");
}
