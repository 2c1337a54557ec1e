//! `pgtune check` against real servers: each condition is created for real (a session idle in
//! transaction, a blocked lock wait, a failed concurrent unique build, a sequence near its end, stale
//! and missing statistics, an inactive replication slot, a setting pending restart, roles with and
//! without pg_monitor) and must be reported at the right level; applying settings is exercised through
//! `--apply --yes`, the same code path as the interactive flow.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{
    quote_ident, quote_literal, run, shared, Cluster, ClusterOptions, Session, TestDb,
};

/// Hardware given, so the recommendation does not depend on the machine running the tests.
const HW: &[&str] = &["--memory", "4GB", "--cpus", "4"];

fn check_json(db: &TestDb, args: &[&str]) -> (i32, Value) {
    let out = run(db
        .pgtune()
        .arg("check")
        .args(HW)
        .args(["--format", "json"])
        .args(args));
    assert!(out.code != 3, "check could not run:\n{}", out.stderr);
    (out.code, out.json())
}

fn finding<'a>(json: &'a Value, check: &str) -> &'a Value {
    json["health"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == check)
        .unwrap_or_else(|| panic!("no {check} finding in {json:#}"))
}

fn setting<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in the audit: {json:#}"))
}

/// Polls `check` until `pred` holds: statistics reach the views asynchronously.
fn check_until(db: &TestDb, args: &[&str], pred: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let (_, json) = check_json(db, args);
        if pred(&json) || started.elapsed() > Duration::from_secs(10) {
            return json;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn backend_pid(s: &Session) -> String {
    s.query_strings("SELECT pg_backend_pid()")[0][0]
        .clone()
        .unwrap()
}

#[test]
fn settings_audit_flags_risky_settings_and_differences() {
    // The test clusters run with fsync = off and full_page_writes = off, for speed.
    let db = shared().create_db("check_audit");
    let (code, json) = check_json(&db, &["--only", "settings"]);
    assert_eq!(code, 2, "fsync = off is critical");
    let fsync = setting(&json, "fsync");
    assert_eq!(
        (fsync["verdict"].as_str(), fsync["status"].as_str()),
        (Some("risky"), Some("critical"))
    );
    assert_eq!(fsync["recommended"], "on");
    assert_eq!(setting(&json, "full_page_writes")["verdict"], "risky");
    let sb = setting(&json, "shared_buffers");
    assert_eq!(
        (sb["current"].as_str(), sb["recommended"].as_str()),
        (Some("128MB"), Some("1GB"))
    );
    assert_eq!(
        (sb["verdict"].as_str(), sb["apply"].as_str()),
        (Some("differs"), Some("restart"))
    );
    // Unchanged default in every version (checkpoint_completion_target was 0.5 before 14).
    assert_eq!(setting(&json, "default_statistics_target")["verdict"], "ok");
    assert_eq!(setting(&json, "work_mem")["apply"], "reload");
    assert_eq!(json["inputs"]["memory_kb"], 4 * 1024 * 1024);
    assert!(
        json["health"].as_array().unwrap().is_empty(),
        "--only settings"
    );
    // The superuser sees where each setting comes from.
    assert!(setting(&json, "fsync")["location"]
        .as_str()
        .unwrap()
        .contains("postgresql.conf:"));
}

#[test]
fn idle_in_transaction_session() {
    let db = shared().create_db("check_idle");
    let idle = db.admin();
    let pid = backend_pid(&idle);
    idle.execute("BEGIN; SELECT 1;");
    let json = check_until(
        &db,
        &[
            "--only",
            "health",
            "--threshold",
            "idle_in_transaction=0s,1h",
        ],
        |j| {
            finding(j, "idle_in_transaction")["evidence"]
                .as_str()
                .unwrap()
                .contains(&format!("pid {pid} "))
        },
    );
    let f = finding(&json, "idle_in_transaction");
    assert_eq!(f["status"], "warning", "{f:#}");
    assert!(
        f["evidence"]
            .as_str()
            .unwrap()
            .contains(&format!("pid {pid} (postgres@{}", db.name)),
        "{f:#}"
    );
    assert!(f["remedy"]
        .as_str()
        .unwrap()
        .contains("idle_in_transaction_session_timeout"));
    idle.execute("ROLLBACK");
}

#[test]
fn blocked_lock_wait_names_the_blocker() {
    let db = shared().create_db("check_locks");
    let holder = db.admin();
    holder.execute("CREATE TABLE \"Locked Table\" (i int)");
    holder.execute("BEGIN; LOCK TABLE \"Locked Table\" IN ACCESS EXCLUSIVE MODE;");
    let holder_pid = backend_pid(&holder);
    let cluster = db.cluster;
    let name = db.name.clone();
    let waiter = std::thread::spawn(move || {
        cluster
            .admin(&name)
            .execute("SELECT count(*) FROM \"Locked Table\"")
    });
    let json = check_until(
        &db,
        &["--only", "health", "--threshold", "lock_wait=0s,1h"],
        |j| {
            finding(j, "lock_waits")["evidence"]
                .as_str()
                .unwrap()
                .contains(&format!("blocked by pid {holder_pid}"))
        },
    );
    let f = finding(&json, "lock_waits");
    assert_eq!(f["status"], "warning", "{f:#}");
    assert!(
        f["evidence"]
            .as_str()
            .unwrap()
            .contains(&format!("blocked by pid {holder_pid}")),
        "{f:#}"
    );
    assert!(
        f["evidence"]
            .as_str()
            .unwrap()
            .contains("SELECT count(*) FROM \"Locked Table\""),
        "{f:#}"
    );
    holder.execute("ROLLBACK");
    waiter.join().unwrap();
}

#[test]
fn invalid_index_from_a_failed_concurrent_unique_build() {
    let db = shared().create_db("check_invalid");
    let admin = db.admin();
    admin.execute(
        "CREATE SCHEMA \"Wéird Schema\"; CREATE TABLE \"Wéird Schema\".\"t; x\" (v int); \
         INSERT INTO \"Wéird Schema\".\"t; x\" SELECT 1 FROM generate_series(1, 3);",
    );
    let failed = admin.try_execute(
        "CREATE UNIQUE INDEX CONCURRENTLY \"idx \"\"q\"\"\" ON \"Wéird Schema\".\"t; x\" (v)",
    );
    assert!(failed.is_err(), "duplicates make the unique build fail");
    let (code, json) = check_json(&db, &["--only", "health"]);
    assert!(code >= 1);
    let f = finding(&json, "invalid_indexes");
    // The same level as `report invalid-indexes` gives it: a unique index that enforces nothing.
    assert_eq!(f["status"], "critical", "{f:#}");
    let report = run(db
        .pgtune()
        .args(["report", "invalid-indexes", "--format", "json"]));
    assert!(
        report.stdout.contains("\"status\": \"critical\""),
        "{}",
        report.stdout
    );
    let evidence = f["evidence"].as_str().unwrap();
    assert!(
        evidence.contains("\"Wéird Schema\".\"idx \"\"q\"\"\""),
        "{evidence}"
    );
    assert!(f["remedy"]
        .as_str()
        .unwrap()
        .contains("DROP INDEX CONCURRENTLY \"Wéird Schema\".\"idx \"\"q\"\"\""));
}

#[test]
fn sequences_near_their_end() {
    let db = shared().create_db("check_sequences");
    let admin = db.admin();
    admin.execute("CREATE SEQUENCE \"Seq ü\" AS integer; SELECT setval('\"Seq ü\"', 2000000000);");
    let (_, json) = check_json(&db, &["--only", "health"]);
    let f = finding(&json, "sequences");
    assert_eq!(f["status"], "critical", "{f:#}");
    assert!(
        f["evidence"]
            .as_str()
            .unwrap()
            .contains("\"Seq ü\": 2000000000 of 2147483647 (93.1%)"),
        "{f:#}"
    );
    // Fed to no column: the sequence alone is widened, and that is the end of the finding.
    let widen = "ALTER SEQUENCE public.\"Seq ü\" AS bigint";
    assert!(
        f["remedy"]
            .as_str()
            .unwrap()
            .ends_with(&format!("widen before it runs out: {widen}")),
        "{f:#}"
    );
    admin.execute(widen);
    let (_, json) = check_json(&db, &["--only", "health"]);
    assert_eq!(finding(&json, "sequences")["status"], "ok", "{json:#}");

    // A bigint sequence feeding an integer column ends where the column does.
    admin.execute(
        "DROP SEQUENCE \"Seq ü\"; CREATE TABLE owned (id int); CREATE SEQUENCE big_seq OWNED BY owned.id; \
         SELECT setval('big_seq', 1800000000);",
    );
    let (_, json) = check_json(&db, &["--only", "health"]);
    let f = finding(&json, "sequences");
    assert_eq!(f["status"], "warning", "{f:#}");
    assert!(
        f["evidence"]
            .as_str()
            .unwrap()
            .contains("big_seq: 1800000000 of 2147483647"),
        "{f:#}"
    );

    // A CYCLE sequence wraps rather than running out; a bigint sequence feeding an integer column
    // through a DEFAULT (no OWNED BY) ends where the column does.
    admin.execute(
        "DROP TABLE owned CASCADE; CREATE SEQUENCE wraps AS integer CYCLE; SELECT setval('wraps', 2100000000); \
         CREATE SEQUENCE fed; CREATE TABLE feeds (id int DEFAULT nextval('fed')); SELECT setval('fed', 1800000000);",
    );
    let (_, json) = check_json(&db, &["--only", "health"]);
    let f = finding(&json, "sequences");
    let names: Vec<&str> = f["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"fed"), "{f:#}");
    assert!(!names.contains(&"wraps"), "{f:#}");
    // The remedy widens what ends first, and only that: the column here (the sequence is bigint).
    let remedy = f["remedy"].as_str().unwrap();
    let widen = "ALTER TABLE public.feeds ALTER COLUMN id TYPE bigint";
    assert!(
        remedy.contains(widen) && !remedy.contains("ALTER SEQUENCE"),
        "{f:#}"
    );
    admin.execute(widen);
    let (_, json) = check_json(&db, &["--only", "health"]);
    assert_eq!(finding(&json, "sequences")["status"], "ok", "{json:#}");

    // Near the bigint end the numbers are exact (not rounded through a float past the maximum).
    admin.execute(
        "CREATE SEQUENCE near_end AS bigint; SELECT setval('near_end', 9223372036854775800);",
    );
    let (_, json) = check_json(&db, &["--only", "health"]);
    let f = finding(&json, "sequences");
    assert!(
        f["evidence"]
            .as_str()
            .unwrap()
            .contains("near_end: 9223372036854775800 of 9223372036854775807"),
        "{f:#}"
    );
    assert_eq!(
        f["objects"][0]["last_value"].as_i64(),
        Some(9223372036854775800)
    );
}

#[test]
fn stale_and_missing_statistics() {
    let db = shared().create_db("check_stale");
    let admin = db.admin();
    // The insert's counts must reach the statistics (a backend flushes them on exit) before ANALYZE
    // resets them.
    admin.execute("CREATE TABLE fresh (i int) WITH (autovacuum_enabled = false)");
    db.admin()
        .execute("INSERT INTO fresh SELECT generate_series(1, 1000)");
    admin.wait_for(
        "SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = 'fresh'",
        "1000",
    );
    admin.execute("ANALYZE fresh");
    // Before PostgreSQL 15 the statistics collector learns of the ANALYZE asynchronously.
    let json = check_until(&db, &["--only", "health"], |j| {
        finding(j, "stale_stats")["status"] == "ok"
    });
    assert_eq!(finding(&json, "stale_stats")["status"], "ok", "{json:#}");

    admin.execute("UPDATE fresh SET i = i + 1;");
    let json = check_until(&db, &["--only", "health"], |j| {
        finding(j, "stale_stats")["status"] == "warning"
    });
    let f = finding(&json, "stale_stats");
    assert_eq!(f["status"], "warning", "{f:#}");
    assert!(
        f["evidence"]
            .as_str()
            .unwrap()
            .contains("public.fresh: 1000 changes since ANALYZE"),
        "{f:#}"
    );

    admin.execute("CREATE TABLE never (i int) WITH (autovacuum_enabled = false)");
    // A session that ends flushes its statistics at once; an idle one may take ten seconds.
    db.admin()
        .execute("INSERT INTO never SELECT generate_series(1, 100)");
    // Before PostgreSQL 15 its rows reach the statistics a moment later: until then it is a table
    // never vacuumed nor analyzed, of unknown size.
    let json = check_until(&db, &["--only", "health"], |j| {
        finding(j, "stale_stats")["evidence"]
            .as_str()
            .unwrap()
            .contains("has rows but was never analyzed")
    });
    let evidence = finding(&json, "stale_stats")["evidence"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        evidence.contains("(1 never analyzed)")
            && evidence.contains("public.never has rows but was never analyzed"),
        "{evidence}"
    );
    // JSON lists every table behind the finding, not only the worst, with raw names.
    let mut tables: Vec<String> = finding(&json, "stale_stats")["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["table"].as_str().unwrap().to_string())
        .collect();
    tables.sort();
    assert_eq!(tables, ["fresh", "never"], "{json:#}");
}

/// A table behind on vacuum because autovacuum is disabled on it gets that remedy (not "autovacuum
/// is not keeping up"), every such table is listed in JSON, and running the remedy clears it.
#[test]
fn dead_tuples_remedy_follows_the_evidence() {
    let db = shared().create_db("check_dead");
    let admin = db.admin();
    for t in ["Dead one", "dead_two"] {
        admin.execute(&format!(
            "CREATE TABLE {id} (i int) WITH (autovacuum_enabled = false);              INSERT INTO {id} SELECT generate_series(1, 2000);",
            id = quote_ident(t)
        ));
        db.admin()
            .execute(&format!("DELETE FROM {}", quote_ident(t)));
    }
    let json = check_until(&db, &["--only", "health"], |j| {
        finding(j, "dead_tuples")["objects"]
            .as_array()
            .is_some_and(|o| o.len() == 2)
    });
    let f = finding(&json, "dead_tuples");
    let remedy = f["remedy"].as_str().unwrap();
    assert!(
        remedy.contains("autovacuum is disabled on public.\"Dead one\": ALTER TABLE public.\"Dead one\" RESET (autovacuum_enabled)"),
        "{f:#}"
    );
    assert!(!remedy.contains("not keeping up"), "{f:#}");
    let names: Vec<&str> = f["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["table"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Dead one") && names.contains(&"dead_two"),
        "{f:#}"
    );
    // The remedy, run as the DBA would.
    for t in ["\"Dead one\"", "dead_two"] {
        admin.execute(&format!(
            "ALTER TABLE public.{t} RESET (autovacuum_enabled)"
        ));
        admin.execute(&format!("VACUUM public.{t}"));
    }
    let json = check_until(&db, &["--only", "health"], |j| {
        finding(j, "dead_tuples")["status"] == "ok"
    });
    assert_eq!(finding(&json, "dead_tuples")["status"], "ok", "{json:#}");
}

#[test]
fn roles_with_and_without_pg_monitor() {
    let db = shared().create_db("check_roles");
    let admin = db.admin();
    for (role, grant) in [
        ("check_monitor", "GRANT pg_monitor TO check_monitor"),
        ("check_plain", ""),
    ] {
        admin.execute(&format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {lit}) THEN CREATE ROLE {id} LOGIN; END IF; END $$; {grant}",
            lit = quote_literal(role),
            id = quote_ident(role),
        ));
    }
    let (_, json) = check_json(&db, &["-U", "check_monitor"]);
    for check in [
        "connections",
        "idle_in_transaction",
        "lock_waits",
        "replication_lag",
        "wraparound",
        "sequences",
    ] {
        let status = finding(&json, check)["status"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            status != "skipped" && status != "error",
            "{check}: {status} for a pg_monitor role"
        );
    }
    assert!(
        !json["settings"].as_array().unwrap().is_empty(),
        "the settings audit runs"
    );
    assert!(json["notes"].as_array().unwrap().iter().any(|n| n
        .as_str()
        .unwrap()
        .contains("pg_file_settings needs superuser")));

    let (_, json) = check_json(&db, &["-U", "check_plain"]);
    for check in [
        "connections",
        "idle_in_transaction",
        "long_queries",
        "lock_waits",
        "replication_lag",
    ] {
        let f = finding(&json, check);
        assert_eq!(f["status"], "skipped", "{f:#}");
        assert!(
            f["evidence"].as_str().unwrap().contains("needs pg_monitor"),
            "{f:#}"
        );
    }
    assert_eq!(finding(&json, "cache_hit_ratio")["status"], "ok");
}

#[test]
fn expected_extensions_from_the_profile() {
    let db = shared().create_db("check_extensions");
    let (_, json) = check_json(&db, &["--only", "health", "--profile", "lunch-rush"]);
    let f = finding(&json, "extensions");
    assert_eq!(f["status"], "warning");
    assert!(
        f["remedy"]
            .as_str()
            .unwrap()
            .contains("CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\";"),
        "{f:#}"
    );
    db.admin().execute(
        "CREATE EXTENSION \"uuid-ossp\"; CREATE EXTENSION pg_trgm; CREATE EXTENSION btree_gin;",
    );
    let (_, json) = check_json(&db, &["--only", "health", "--profile", "lunch-rush"]);
    assert_eq!(finding(&json, "extensions")["status"], "ok");
}

#[test]
fn output_formats_and_bad_input() {
    let db = shared().create_db("check_formats");
    let out = run(db
        .pgtune()
        .args(["check", "--only", "health", "--format", "nagios"])
        .args(HW));
    assert!(out.code <= 2, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", out.stdout);
    assert!(
        lines[0].starts_with("POSTGRES_PGTUNE_CHECK "),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains(" | 'cache_hit_"), "{}", lines[0]);
    // Rounded, and with thresholds wherever the check has them, in the datum's own unit.
    let perf = lines[0].split(" | ").nth(1).unwrap();
    for datum in perf.split(' ') {
        let value = datum.split('=').nth(1).unwrap().split(';').next().unwrap();
        let digits = value.trim_end_matches(char::is_alphabetic);
        assert!(
            digits.split('.').nth(1).is_none_or(|d| d.len() <= 4),
            "{datum}"
        );
    }
    for label in ["'connections'=", "'xid_age'="] {
        let datum = perf.split(' ').find(|d| d.starts_with(label)).unwrap();
        assert_eq!(datum.matches(';').count(), 2, "{datum}");
        assert!(!datum.ends_with(";;"), "{datum}");
    }

    let out = run(db.pgtune().args(["check", "--only", "health"]).args(HW));
    assert!(
        out.stdout.contains("Health") && out.stdout.contains("idle_in_transaction"),
        "{}",
        out.stdout
    );

    for (args, needle) in [
        (vec!["--threshold", "idle=1s"], "unknown threshold \"idle\""),
        (vec!["--threshold", "lock_wait=soon"], "is not a duration"),
        (
            vec!["--format", "sql"],
            "pgtune check does not support --format sql",
        ),
        (vec!["--apply"], "add --yes to apply without asking"),
        (vec!["--memory", "lots"], "invalid --memory \"lots\""),
    ] {
        run(db.pgtune().arg("check").args(args)).expect_one_line_error(needle);
    }
}

/// Cluster-wide conditions and changes get a server of their own.
#[test]
fn inactive_slot_and_setting_pending_restart() {
    let cluster = Cluster::start(ClusterOptions::default());
    let db = cluster.create_db("check_cluster");
    let admin = db.admin();
    admin.execute("SELECT pg_create_physical_replication_slot('pgtune_idle_slot', true)");
    admin.execute("ALTER SYSTEM SET shared_buffers = '256MB'");
    admin.execute("SELECT pg_reload_conf()");
    let json = check_until(&db, &[], |j| {
        finding(j, "pending_restart")["status"] == "warning"
    });
    let slot = finding(&json, "replication_slots");
    assert_eq!(slot["status"], "warning", "{slot:#}");
    assert!(
        slot["evidence"]
            .as_str()
            .unwrap()
            .contains("pgtune_idle_slot (physical, inactive"),
        "{slot:#}"
    );
    let pending = finding(&json, "pending_restart");
    assert!(
        pending["evidence"]
            .as_str()
            .unwrap()
            .contains("shared_buffers"),
        "{pending:#}"
    );
    let sb = setting(&json, "shared_buffers");
    assert_eq!(sb["pending_restart"], true);
    assert_eq!(sb["set_by_alter_system"], true, "{sb:#}");
    // PostgreSQL's "setting could not be applied" for it is the pending restart, not a file error.
    assert_eq!(
        json["config_file_errors"],
        serde_json::json!([]),
        "{json:#}"
    );
}

#[test]
fn apply_with_yes_then_read_back() {
    let cluster = Cluster::start(ClusterOptions {
        conf: vec!["include_dir = 'conf.d'".into()],
        files: vec![("conf.d/README".into(), "# drop-in settings\n".into())],
        ..ClusterOptions::default()
    });
    let db = cluster.create_db("check_apply");

    // --dry-run prints the exact SQL and changes nothing.
    let out = run(db
        .pgtune()
        .args(["check", "--only", "settings", "--dry-run"])
        .args(HW));
    assert!(
        out.stdout.contains("ALTER SYSTEM SET work_mem = '"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("SELECT pg_reload_conf();"),
        "{}",
        out.stdout
    );
    let show = |name: &str| {
        db.admin().query_strings(&format!("SHOW {name}"))[0][0]
            .clone()
            .unwrap()
    };
    assert_eq!(show("random_page_cost"), "4", "a dry run changes nothing");

    let out = run(db
        .pgtune()
        .args([
            "check", "--only", "settings", "--apply", "--yes", "--format", "json",
        ])
        .args(HW));
    let json = out.json();
    let results = json["apply"]["results"].as_array().unwrap();
    let outcome = |name: &str| {
        results
            .iter()
            .find(|r| r["name"] == name)
            .map(|r| r["outcome"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(json["apply"]["method"], "alter-system");
    assert_eq!(outcome("random_page_cost"), "in effect");
    assert_eq!(
        outcome("fsync"),
        "in effect",
        "the risky setting is fixed too"
    );
    assert_eq!(outcome("shared_buffers"), "waits for restart");
    assert_eq!(
        out.code, 1,
        "settings waiting for a restart leave a warning:\n{}",
        out.stderr
    );
    assert_eq!(show("random_page_cost"), "1.1");

    // pending_restart is reported after the reload.
    let (_, json) = check_json(&db, &["--only", "health"]);
    let pending = finding(&json, "pending_restart")["evidence"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        pending.contains("shared_buffers") && pending.contains("max_connections"),
        "{pending}"
    );

    // A conf.d file cannot win over ALTER SYSTEM: said, not hidden.
    let conf = cluster.data.join("conf.d/pgtune.conf");
    let out = run(db
        .pgtune()
        .args([
            "check", "--only", "settings", "--apply", "--yes", "--format", "json", "--cpus", "8",
            "--memory", "8GB",
        ])
        .arg("--write-conf")
        .arg(&conf));
    let json = out.json();
    assert_eq!(json["apply"]["method"], "conf-file");
    let results = json["apply"]["results"].as_array().unwrap();
    let rpc = results
        .iter()
        .find(|r| r["name"] == "effective_cache_size")
        .unwrap();
    assert_eq!(rpc["outcome"], "not in effect", "{rpc:#}");
    assert!(
        rpc["detail"]
            .as_str()
            .unwrap()
            .contains("postgresql.auto.conf (ALTER SYSTEM) sets it"),
        "{rpc:#}"
    );
    assert!(std::fs::read_to_string(&conf)
        .unwrap()
        .contains("effective_cache_size = 6GB"));
}

/// Sends keys once the prompt has had time to put the terminal in raw mode: keys typed before that
/// are cooked by the line discipline (Enter arriving as a newline, not a return).
fn key(p: &mut rexpect::session::PtySession, keys: &str) {
    std::thread::sleep(Duration::from_millis(300));
    p.send(keys).unwrap();
    p.flush().unwrap();
}

/// The interactive apply, driven on a pseudo-terminal as a DBA drives it: plain check never asks and
/// never writes; --apply preselects nothing, so Enter alone or Esc changes nothing; picking two
/// settings and answering y applies exactly those two; a --write-conf file keeps earlier lines.
#[test]
fn interactive_apply_on_a_terminal() {
    let cluster = Cluster::start(ClusterOptions {
        conf: vec!["include_dir = 'conf.d'".into()],
        files: vec![("conf.d/README".into(), "# drop-in settings\n".into())],
        ..ClusterOptions::default()
    });
    let db = cluster.create_db("check_pty");
    let auto_conf = || {
        std::fs::read_to_string(cluster.data.join("postgresql.auto.conf"))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let before = auto_conf();
    let session = |args: &[&str]| {
        let mut cmd = db.pgtune();
        cmd.arg("check")
            .args(["--only", "settings"])
            .args(HW)
            .args(args)
            .env("TERM", "dumb")
            .env("COLUMNS", "200")
            .stdin(std::process::Stdio::inherit());
        rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn on a pty")
    };

    // Plain check on a terminal: the report, then the end; no question.
    let mut p = session(&[]);
    let all = p.exp_eof().expect("plain check ends by itself");
    assert!(!all.contains("Apply which"), "plain check asked:\n{all}");
    assert_eq!(auto_conf(), before, "plain check wrote settings");

    // --apply, then Enter with nothing picked: nothing changes, and it says so.
    let mut p = session(&["--apply"]);
    p.exp_string("Apply which settings?").unwrap();
    key(&mut p, "\r");
    p.exp_string("Nothing was changed.").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(auto_conf(), before, "Enter alone applied settings");

    // --apply, then Esc.
    let mut p = session(&["--apply"]);
    p.exp_string("Apply which settings?").unwrap();
    key(&mut p, "\x1b");
    p.exp_string("Nothing was changed.").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(auto_conf(), before, "Esc applied settings");

    // Two picked (space, down, space), ALTER SYSTEM, the preview, then no: nothing changes.
    let pick_two = |p: &mut rexpect::session::PtySession| {
        p.exp_string("Apply which settings?").unwrap();
        key(p, " ");
        key(p, "\x1b[B");
        key(p, " ");
        key(p, "\r");
        p.exp_string("How?").unwrap();
        key(p, "\r");
        p.exp_string("Statements, in order:").unwrap();
        p.exp_string("Apply 2 settings?").unwrap();
    };
    let mut p = session(&["--apply"]);
    pick_two(&mut p);
    key(&mut p, "\r");
    p.exp_string("Nothing was changed.").unwrap();
    p.exp_eof().unwrap();
    assert_eq!(auto_conf(), before, "the default answer is no");

    // ... and y: exactly those two are written.
    let mut p = session(&["--apply"]);
    pick_two(&mut p);
    key(&mut p, "y");
    p.exp_string("Applied with ALTER SYSTEM").unwrap();
    p.exp_eof().unwrap();
    let after = auto_conf();
    assert_eq!(
        after.len(),
        before.len() + 2,
        "exactly two settings applied:\n{after:#?}"
    );

    // --write-conf merges: a line an earlier apply (or the DBA) wrote survives.
    let conf = cluster.data.join("conf.d/pgtune.conf");
    std::fs::write(&conf, "# mine\nlog_min_duration_statement = 250ms\n").unwrap();
    let out = run(db
        .pgtune()
        .args(["check", "--only", "settings", "--apply", "--yes"])
        .args(["--setting", "Random_Page_Cost"])
        .args(HW)
        .arg("--write-conf")
        .arg(&conf));
    assert!(out.code != 3, "{}", out.stderr);
    let text = std::fs::read_to_string(&conf).unwrap();
    assert!(
        text.contains("log_min_duration_statement = 250ms")
            && text.contains("random_page_cost = 1.1"),
        "{text}"
    );

    // --write-conf without --apply is refused, not ignored.
    run(db.pgtune().args(["check", "--write-conf"]).arg(&conf)).expect_one_line_error("--apply");

    // A file the server never reads (outside its include_dir, or not *.conf) is refused before
    // anything is written, and the conf.d file it does read is proposed.
    let elsewhere = tempfile::tempdir().unwrap();
    for path in [
        elsewhere.path().join("pgtune.conf"),
        cluster.data.join("conf.d/pgtune.txt"),
    ] {
        let out = run(db
            .pgtune()
            .args(["check", "--only", "settings", "--apply", "--yes"])
            .args(HW)
            .arg("--write-conf")
            .arg(&path))
        .expect_one_line_error(&format!("the server does not read {}", path.display()));
        assert!(
            out.stderr.contains(&format!(
                "use --write-conf {}",
                cluster.data.join("conf.d").join("pgtune.conf").display()
            )),
            "{}",
            out.stderr
        );
        assert!(!path.exists(), "written anyway: {}", path.display());
        // The dry run says what the run would do: stop here, for the same reason.
        run(db
            .pgtune()
            .args([
                "check",
                "--only",
                "settings",
                "--apply",
                "--yes",
                "--dry-run",
            ])
            .args(HW)
            .arg("--write-conf")
            .arg(&path))
        .expect_one_line_error(&format!("the server does not read {}", path.display()));
    }
    // The server's own postgresql.conf is not a file pgtune merges into; said as such.
    let main_conf = cluster.data.join("postgresql.conf");
    let before = std::fs::read_to_string(&main_conf).unwrap();
    run(db
        .pgtune()
        .args(["check", "--only", "settings", "--apply", "--yes"])
        .args(HW)
        .arg("--write-conf")
        .arg(&main_conf))
    .expect_one_line_error("is the server's main configuration file");
    assert_eq!(std::fs::read_to_string(&main_conf).unwrap(), before);
}

/// pgtune's sessions run with jit=off; the audit reports what a new session gets, never that.
#[test]
fn the_audit_reports_the_servers_jit_not_pgtunes_own() {
    let db = shared().create_db("check_jit");
    let (_, json) = check_json(&db, &["--only", "settings"]);
    let jit = setting(&json, "jit");
    assert_eq!(jit["current"], "on", "the built-in default: {jit:#}");
    assert_eq!(jit["source"], "default", "{jit:#}");

    db.admin().execute(&format!(
        "ALTER DATABASE {} SET jit = off",
        quote_ident(&db.name)
    ));
    let (_, json) = check_json(&db, &["--only", "settings"]);
    let jit = setting(&json, "jit");
    assert_eq!(jit["current"], "off", "{jit:#}");
    assert_eq!(jit["source"], "database", "{jit:#}");
    // Every setting pgtune's own sessions set, wherever the audit shows it, as a new session has it.
    let fresh = db.admin();
    for name in [
        "jit",
        "standard_conforming_strings",
        "default_transaction_read_only",
        "lock_timeout",
        "statement_timeout",
    ] {
        let Some(s) = json["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
        else {
            continue;
        };
        assert!(
            !matches!(s["source"].as_str(), Some("client" | "session")),
            "{s:#}"
        );
        let shown = fresh.query_strings(&format!("SHOW {name}"))[0][0]
            .clone()
            .unwrap();
        assert_eq!(s["current"].as_str(), Some(shown.as_str()), "{s:#}");
    }
}

/// `slow_statements` judges the server's statements, not pgtune's own (left out, and counted), and
/// when it cannot run it gives the hint that fits: preloaded but not created needs only CREATE
/// EXTENSION, not a restart.
#[test]
fn slow_statements_leave_out_pgtunes_own_and_hint_what_fits() {
    let cluster = Cluster::start(ClusterOptions {
        conf: vec!["shared_preload_libraries = 'pg_stat_statements'".into()],
        ..ClusterOptions::default()
    });
    let db = cluster.create_db("check_slow");
    let (_, json) = check_json(&db, &[]);
    let skipped = finding(&json, "slow_statements");
    assert!(
        skipped["evidence"]
            .as_str()
            .unwrap()
            .contains("preloaded but not created in this database: CREATE EXTENSION pg_stat_statements (no restart needed)"),
        "{skipped:#}"
    );
    let admin = db.admin();
    admin.execute("CREATE EXTENSION pg_stat_statements");
    for _ in 0..6 {
        admin.execute("SELECT pg_sleep(0.02)");
        check_json(&db, &[]);
    }
    let (_, json) = check_json(&db, &[]);
    let slow = finding(&json, "slow_statements");
    let evidence = slow["evidence"].as_str().unwrap();
    assert!(evidence.contains("pg_sleep"), "{slow:#}");
    assert!(!evidence.contains("-- pgtune"), "pgtune's own: {slow:#}");
    assert!(evidence.contains("of pgtune's own left out"), "{slow:#}");
}

/// A role that may not ALTER SYSTEM is told so before anything is picked or run, and is offered the
/// conf lines instead: `--apply --yes` prints them and exits 3 having changed nothing; on a
/// terminal the picker says why first and offers a conf.d file or the lines to paste.
#[test]
fn a_role_that_may_not_alter_system_is_offered_the_conf_lines() {
    let db = shared().create_db("check_no_alter");
    db.admin().execute(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'check_applier') THEN CREATE ROLE check_applier LOGIN; END IF; END $$",
    );
    let out = run(db
        .pgtune()
        .args(["-U", "check_applier", "check", "--only", "settings"])
        .args(HW)
        .args(["--apply", "--yes"]))
    .expect_one_line_error(
        "cannot apply with ALTER SYSTEM: role check_applier may not ALTER SYSTEM",
    );
    assert!(
        out.stdout.contains("Lines for postgresql.conf")
            && out.stdout.contains("shared_buffers = "),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("nothing was changed"), "{}", out.stderr);

    let mut cmd = db.pgtune();
    cmd.args(["-U", "check_applier", "check", "--only", "settings"])
        .args(HW)
        .arg("--apply")
        .env("TERM", "dumb")
        .env("COLUMNS", "200")
        .stdin(std::process::Stdio::inherit());
    let mut p = rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn on a pty");
    p.exp_string("ALTER SYSTEM is not possible here: role check_applier may not ALTER SYSTEM")
        .unwrap();
    p.exp_string("Apply which settings?").unwrap();
    key(&mut p, " ");
    key(&mut p, "\r");
    p.exp_string("How?").unwrap();
    p.exp_string("show the lines to paste").unwrap();
    key(&mut p, "\x1b[B");
    key(&mut p, "\r");
    p.exp_string("# Written by pgtune").unwrap();
    p.exp_string("Nothing was changed.").unwrap();
    p.exp_eof().unwrap();
}

/// On a narrow terminal no word is split: a table that would split one is printed as records (as
/// psql's \x); a wide terminal keeps the table; --expanded asks for records anywhere.
#[test]
fn a_narrow_terminal_never_splits_a_word() {
    let db = shared().create_db("check_narrow");
    let on_pty = |columns: &str, extra: &[&str]| {
        let mut cmd = db.pgtune();
        cmd.args(["check", "--only", "settings", "--no-color"])
            .args(HW)
            .args(extra)
            .env("COLUMNS", columns)
            .env("TERM", "dumb");
        let mut p = rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn on a pty");
        p.exp_eof().unwrap()
    };
    let narrow = on_pty("60", &[]);
    assert!(narrow.contains("-[ RECORD 1 ]"), "{narrow}");
    assert!(
        narrow.contains("max_parallel_maintenance_workers"),
        "{narrow}"
    );
    let wide = on_pty("250", &[]);
    assert!(!wide.contains("-[ RECORD"), "{wide}");
    assert!(wide.contains("max_parallel_maintenance_workers"), "{wide}");
    let out = run(db
        .pgtune()
        .args(["check", "--only", "settings", "-x"])
        .args(HW));
    assert!(out.stdout.contains("-[ RECORD 1 ]"), "{}", out.stdout);
    assert!(out.stdout.contains("Setting      | "), "{}", out.stdout);
}

/// --apply without --yes only ever asks, and asks only in table format: asked for JSON on a
/// terminal it refuses in one line (exit 3) rather than apply unasked.
#[test]
fn apply_with_json_on_a_terminal_refuses_rather_than_apply_unasked() {
    let db = shared().create_db("check_json_pty");
    let mut cmd = db.pgtune();
    cmd.args(["check", "--only", "settings", "--apply", "--format", "json"])
        .args(HW)
        .env("TERM", "dumb")
        .stdin(std::process::Stdio::inherit());
    let mut p = rexpect::session::spawn_command(cmd, Some(30_000)).expect("spawn on a pty");
    let said = p.exp_eof().unwrap();
    assert!(
        said.contains("--apply asks before changing anything, and it asks only with --format table: add --yes"),
        "{said}"
    );
    assert!(!said.contains("ALTER SYSTEM SET"), "{said}");
    match p.process.wait().unwrap() {
        rexpect::process::wait::WaitStatus::Exited(_, code) => assert_eq!(code, 3),
        other => panic!("{other:?}"),
    }
}
