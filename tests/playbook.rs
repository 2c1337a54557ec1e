//! `pgtune maintain`, `history`, `trends`, `purge`, `snapshot`: the default playbooks end to end on a
//! database with work for each step, the run record, one run at a time, failing steps, a terminated
//! backend, interruption, exact purges, the metrics file and trends between two snapshots.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{self, finish, run, shared, Run, TestDb};

fn profile(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("profile.toml");
    std::fs::write(&path, format!("workload = \"web\"\n{text}")).unwrap();
    path
}

fn pgtune(db: &TestDb, args: &[&str]) -> Run {
    run(db.pgtune().args(args))
}

fn count(db: &TestDb, sql: &str) -> i64 {
    db.admin().query_strings(sql)[0][0]
        .as_deref()
        .unwrap()
        .parse()
        .unwrap()
}

fn steps(v: &Value) -> Vec<(String, String)> {
    harness::pairs(v, "steps", "name", "status")
}

fn spawn(db: &TestDb, args: &[&str]) -> std::process::Child {
    harness::spawn(db.pgtune().args(args))
}

/// Waits until a statement of this run shows as active.
fn wait_active(db: &TestDb, query_start: &str) {
    db.admin().wait_for(
        &format!("SELECT count(*)::text FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '{query_start}%' AND state = 'active'"),
        "1",
    );
}

#[test]
fn each_default_playbook_runs_end_to_end_and_the_record_matches() {
    let db = shared().create_db("playbook_defaults");
    let admin = db.admin();
    admin.execute(
        "CREATE TABLE orders (id int PRIMARY KEY, customer int, note text) WITH (autovacuum_enabled = false); \
         CREATE INDEX orders_never_used ON orders (note); \
         CREATE MATERIALIZED VIEW order_counts AS SELECT customer, count(*) AS n FROM orders GROUP BY customer; \
         CREATE TABLE \"Perf Logs\" (id bigserial, created_at timestamptz NOT NULL, msg text) WITH (autovacuum_enabled = false); \
         INSERT INTO \"Perf Logs\" (created_at, msg) SELECT now() - interval '40 days' - i * interval '1 hour', 'old' FROM generate_series(1, 30) i; \
         INSERT INTO \"Perf Logs\" (created_at, msg) SELECT now() - i * interval '1 day', 'new' FROM generate_series(1, 29) i;",
    );
    db.admin()
        .execute("INSERT INTO orders SELECT i, i % 10, 'n' FROM generate_series(1, 2000) i");
    admin.wait_for(
        "SELECT n_mod_since_analyze::text FROM pg_stat_user_tables WHERE relname = 'orders'",
        "2000",
    );
    let dir = tempfile::tempdir().unwrap();
    let p = profile(
        dir.path(),
        "[[purge]]\ntable = '\"Perf Logs\"'\ncolumn = \"created_at\"\nolder_than = \"30 days\"\nbatch_size = 7\n",
    );
    let p = p.to_str().unwrap();

    let daily = pgtune(
        &db,
        &["maintain", "daily", "--profile", p, "--format", "json"],
    );
    // The health checks judge the whole shared test cluster (before 15, every CREATE DATABASE of the
    // other tests requests a checkpoint): their verdict may be anything but a failure to run.
    assert!(daily.code <= 2, "{}\n{}", daily.stdout, daily.stderr);
    let v = daily.json();
    let names: Vec<String> = steps(&v).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["purge", "refresh", "analyze", "snapshot", "check"]);
    assert_ne!(v["steps"][4]["status"], "failed", "{v:#}");
    assert!(steps(&v).iter().take(4).all(|(_, s)| s == "ok"), "{v:#}");
    // A step's summary is the sentence its command writes for the run record.
    assert_eq!(v["schema_version"], 2);
    assert_eq!(
        v["steps"][0]["summary"], "deleted 30 rows\npublic.\"Perf Logs\": 30 rows in 5 batches",
        "{v:#}"
    );
    assert_eq!(v["steps"][1]["summary"], "1 done", "{v:#}");
    assert_eq!(count(&db, "SELECT count(*) FROM \"Perf Logs\""), 29);
    assert_eq!(
        count(&db, "SELECT count(*) FROM \"Perf Logs\" WHERE msg = 'old'"),
        0
    );
    assert_eq!(count(&db, "SELECT count(*) FROM order_counts"), 10);
    // Statistics reach the views asynchronously (before 15, through the statistics collector).
    db.admin().wait_for(
        "SELECT count(*)::text FROM pg_stat_user_tables WHERE relname = 'orders' AND last_analyze IS NOT NULL",
        "1",
    );
    assert_eq!(count(&db, "SELECT count(*) FROM pgtune.snapshots"), 1);

    // The record says what the output said.
    let history = pgtune(&db, &["history", "--format", "json"])
        .expect_code(0)
        .json();
    let run = &history["runs"][0];
    assert_eq!(run["playbook"], "daily");
    assert_eq!(run["id"], v["run_id"]);
    assert_eq!(steps(run), steps(&v));
    assert_eq!(run["steps"][0]["summary"], v["steps"][0]["summary"]);
    // And the history table shows it under its step.
    let table = pgtune(&db, &["history"]).expect_code(0).stdout;
    assert!(
        table.contains("purge ok") && table.contains("deleted 30 rows"),
        "{table}"
    );

    // Every step of weekly and monthly runs to its end (none failed), in playbook order.
    let ran_to_the_end = |playbook: &str, worst: i32, expected: &[&str]| {
        let out = pgtune(
            &db,
            &["maintain", playbook, "--profile", p, "--format", "json"],
        );
        assert!(out.code <= worst, "{}\n{}", out.stdout, out.stderr);
        let v = out.json();
        let names: Vec<String> = steps(&v).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, expected);
        assert!(steps(&v).iter().all(|(_, s)| s != "failed"), "{v:#}");
    };
    ran_to_the_end("weekly", 1, &["report", "trends", "advise", "vacuum"]);
    // Without HypoPG in the database, the advise step says so and does not fail the run.
    let weekly = pgtune(&db, &["history", "--format", "json"])
        .expect_code(0)
        .json();
    let advise = weekly["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["playbook"] == "weekly")
        .and_then(|r| {
            r["steps"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["name"] == "advise")
        })
        .cloned()
        .unwrap();
    assert_eq!(advise["status"], "ok", "{advise:#}");
    assert!(
        advise.to_string().contains("HypoPG"),
        "the advise step should say why it advised nothing: {advise:#}"
    );
    // The settings audit of a test cluster finds critical differences: exit 2, every step ran.
    ran_to_the_end("monthly", 2, &["check", "trends", "snapshot"]);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pgtune.maintenance_runs WHERE status IN ('ok', 'warning', 'critical')"
        ),
        3
    );
}

#[test]
fn a_second_run_exits_at_once_saying_since_when() {
    let db = shared().create_db("playbook_lock");
    let dir = tempfile::tempdir().unwrap();
    let p = profile(
        dir.path(),
        "[[playbooks.slow]]\nstep = \"sql\"\nsql = \"SELECT pg_sleep(4)\"\n",
    );
    let p = p.to_str().unwrap();
    let first = spawn(&db, &["maintain", "slow", "--profile", p]);
    wait_active(&db, "SELECT pg_sleep(4)");
    let started = Instant::now();
    let second = pgtune(&db, &["maintain", "slow", "--profile", p])
        .expect_one_line_error("a maintenance run is already in progress");
    assert!(
        second.stderr.contains("playbook slow, started"),
        "{}",
        second.stderr
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    finish(first).expect_code(0);
}

#[test]
fn failing_steps_continue_or_stop_as_told() {
    let db = shared().create_db("playbook_errors");
    let dir = tempfile::tempdir().unwrap();
    let p = profile(
        dir.path(),
        "[[playbooks.goes_on]]\nstep = \"sql\"\nname = \"broken\"\nsql = \"SELECT 1/0\"\n\
         [[playbooks.goes_on]]\nstep = \"sql\"\nname = \"after\"\nsql = \"CREATE TABLE IF NOT EXISTS ran_after (i int)\"\n\
         [[playbooks.halts]]\nstep = \"sql\"\nname = \"broken\"\nsql = \"SELECT 1/0\"\non_error = \"stop\"\n\
         [[playbooks.halts]]\nstep = \"sql\"\nname = \"after\"\nsql = \"CREATE TABLE never_ran (i int)\"\n",
    );
    let p = p.to_str().unwrap();
    let out = pgtune(
        &db,
        &["maintain", "goes_on", "--profile", p, "--format", "json"],
    )
    .expect_code(2);
    assert_eq!(
        steps(&out.json()),
        [
            ("broken".into(), "failed".into()),
            ("after".into(), "ok".into())
        ]
    );
    assert!(out.json()["steps"][0]["error"]
        .as_str()
        .unwrap()
        .contains("division by zero"));
    // The exit code's status counts the failure as critical; the run is recorded as failed, and
    // the JSON says so as history does.
    assert_eq!(out.json()["status"], "critical");
    assert_eq!(out.json()["run_status"], "failed");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_class WHERE relname = 'ran_after'"
        ),
        1
    );

    let out = pgtune(
        &db,
        &["maintain", "halts", "--profile", p, "--format", "json"],
    )
    .expect_code(2);
    assert_eq!(
        steps(&out.json()),
        [
            ("broken".into(), "failed".into()),
            ("after".into(), "skipped".into())
        ]
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_class WHERE relname = 'never_ran'"
        ),
        0
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM pgtune.maintenance_steps s JOIN pgtune.maintenance_runs r ON r.id = s.run_id WHERE r.playbook = 'halts' AND s.status = 'skipped'"),
        1
    );
    // --only and --skip pick steps by name.
    let out = pgtune(
        &db,
        &[
            "maintain",
            "goes_on",
            "--profile",
            p,
            "--skip",
            "broken",
            "--format",
            "json",
        ],
    )
    .expect_code(0);
    assert_eq!(steps(&out.json()), [("after".into(), "ok".into())]);
    pgtune(
        &db,
        &["maintain", "goes_on", "--profile", p, "--only", "nope"],
    )
    .expect_one_line_error("no step named \"nope\"");
}

#[test]
fn a_rebuild_stopped_by_its_timeout_leaves_no_invalid_index() {
    let db = shared().create_db("playbook_reindex_timeout");
    // An index whose rebuild takes as long as the test wants: its expression sleeps once slow_mode
    // has a row (it lies about being immutable, which is what makes it slow on demand).
    db.admin().execute(
        "CREATE TABLE slow_mode (on_ boolean); \
         CREATE FUNCTION slow_key(i int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$ \
         BEGIN IF EXISTS (SELECT 1 FROM public.slow_mode) THEN PERFORM pg_sleep(0.05); END IF; RETURN i; END $$; \
         CREATE TABLE \"Orders; x\" (id int); \
         INSERT INTO \"Orders; x\" SELECT generate_series(1, 400); \
         CREATE INDEX \"Orders key\" ON \"Orders; x\" (slow_key(id)); \
         INSERT INTO slow_mode VALUES (true);",
    );
    let dir = tempfile::tempdir().unwrap();
    let p = profile(
        dir.path(),
        "[[playbooks.rebuild]]\nstep = \"reindex\"\nindex = [\"public.\\\"Orders key\\\"\"]\ntimeout = \"1s\"\n",
    );
    let out = pgtune(
        &db,
        &[
            "maintain",
            "rebuild",
            "--profile",
            p.to_str().unwrap(),
            "--format",
            "json",
        ],
    )
    .expect_code(2);
    assert_eq!(
        steps(&out.json()),
        [("reindex".into(), "critical".into())],
        "{}",
        out.stdout
    );
    assert_eq!(
        count(&db, "SELECT count(*) FROM pg_index WHERE NOT indisvalid"),
        0,
        "{}",
        out.stdout
    );
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_class WHERE relname = 'Orders key'"
        ),
        1
    );
}

#[test]
fn a_terminated_backend_ends_the_run_with_3_and_the_next_run_records_it_failed() {
    let db = shared().create_db("playbook_terminated");
    let dir = tempfile::tempdir().unwrap();
    let p = profile(
        dir.path(),
        "[[playbooks.long]]\nstep = \"sql\"\nsql = \"SELECT pg_sleep(30)\"\n\
         [[playbooks.quick]]\nstep = \"sql\"\nsql = \"SELECT 1\"\n",
    );
    let p = p.to_str().unwrap();
    let child = spawn(&db, &["maintain", "long", "--profile", p]);
    wait_active(&db, "SELECT pg_sleep(30)");
    db.admin().execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'pgtune maintain%'");
    let out = finish(child);
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("lost the connection"), "{}", out.stderr);
    // Nothing is left open.
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'pgtune maintain%'"
        ),
        0
    );
    // Before the next run, history says the run is no longer live rather than "running".
    let before = pgtune(&db, &["history", "--format", "json"])
        .expect_code(0)
        .json();
    let dead = &before["runs"][0];
    assert!(
        dead["status"] == "running" && dead["ended_unrecorded"] == true,
        "{before:#}"
    );
    pgtune(&db, &["maintain", "quick", "--profile", p]).expect_code(0);
    let history = pgtune(&db, &["history", "--format", "json"])
        .expect_code(0)
        .json();
    let long = history["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["playbook"] == "long")
        .unwrap();
    assert_eq!(long["status"], "failed");
    assert_eq!(long["steps"][0]["status"], "failed");
    assert!(
        long["steps"][0]["error"]
            .as_str()
            .unwrap()
            .starts_with("interrupted"),
        "{long:#}"
    );
}

#[test]
fn sigterm_cancels_the_running_step_and_records_the_run_failed() {
    let db = shared().create_db("playbook_sigterm");
    let dir = tempfile::tempdir().unwrap();
    let p = profile(
        dir.path(),
        "[[playbooks.long]]\nstep = \"sql\"\nsql = \"SELECT pg_sleep(30)\"\n",
    );
    let child = spawn(&db, &["maintain", "long", "--profile", p.to_str().unwrap()]);
    wait_active(&db, "SELECT pg_sleep(30)");
    let started = Instant::now();
    // SAFETY: kill only sends a signal to the child we started.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = finish(child);
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pgtune.maintenance_runs WHERE status = 'failed'"
        ),
        1
    );
    assert_eq!(count(&db, "SELECT count(*) FROM pgtune.maintenance_steps WHERE status = 'failed' AND error LIKE 'interrupted%'"), 1);
    assert_eq!(count(&db, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = 'SELECT pg_sleep(30)' AND state = 'active'"), 0);
}

#[test]
fn purge_deletes_exactly_the_old_rows_in_batches() {
    let db = shared().create_db("playbook_purge");
    db.admin().execute(
        "CREATE TABLE logs (id int, at timestamptz); \
         INSERT INTO logs SELECT i, now() - interval '31 days' - i * interval '1 minute' FROM generate_series(1, 250) i; \
         INSERT INTO logs SELECT 1000 + i, now() - interval '29 days' + i * interval '1 minute' FROM generate_series(1, 750) i;",
    );
    let args = [
        "purge",
        "--table",
        "logs",
        "--column",
        "at",
        "--older-than",
        "30 days",
        "--batch-size",
        "100",
        "--format",
        "json",
    ];
    let dry = pgtune(&db, &[&args[..], &["--dry-run"]].concat())
        .expect_code(0)
        .json();
    assert_eq!(dry["targets"][0]["rows"], 250);
    assert_eq!(count(&db, "SELECT count(*) FROM logs"), 1000);
    let v = pgtune(&db, &args).expect_code(0).json();
    assert_eq!(v["targets"][0]["rows"], 250);
    assert_eq!(v["targets"][0]["batches"], 3);
    assert_eq!(count(&db, "SELECT count(*) FROM logs"), 750);
    assert_eq!(count(&db, "SELECT count(*) FROM logs WHERE id < 1000"), 0);
    // A table another session holds is skipped after one lock_timeout, a warning as in the other
    // maintenance commands, not retried for many times that.
    let holder = db.admin();
    holder.execute("BEGIN; LOCK TABLE logs IN SHARE MODE;");
    let started = std::time::Instant::now();
    let v = pgtune(&db, &[&args[..], &["--lock-timeout", "300ms"]].concat())
        .expect_code(1)
        .json();
    holder.execute("COMMIT");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(v["targets"][0]["status"], "warning", "{v:#}");
    assert!(
        v["targets"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("skipped: locked by another session"),
        "{v:#}"
    );
    // A column that is not a timestamp, a table that does not exist, an interval PostgreSQL does not
    // read (or one reaching into the future): bad input, one line and exit 3, nothing deleted.
    db.admin()
        .execute("INSERT INTO logs VALUES (1, now() - interval '90 days')");
    for (table, column, older, needle) in [
        (
            "logs",
            "id",
            "1 day",
            "column id of public.logs is integer, not a timestamp or date",
        ),
        (
            "nosuch",
            "at",
            "1 day",
            "cannot purge nosuch: no such table",
        ),
        ("logs", "nocol", "1 day", "it has no column nocol"),
        (
            "logs",
            "at",
            "thirty days",
            "is not an interval PostgreSQL reads",
        ),
        ("logs", "at", "-5 days", "is not a positive interval"),
        ("My Schema.logs x", "at", "1 day", "as in SQL"),
    ] {
        let older = format!("--older-than={older}");
        pgtune(
            &db,
            &["purge", "--table", table, "--column", column, &older],
        )
        .expect_one_line_error(needle);
    }
    assert_eq!(count(&db, "SELECT count(*) FROM logs WHERE id = 1"), 1);
}

/// A line of the Prometheus text exposition format: a comment, or `name{labels} value`.
/// A sample: metric name, labels, value.
type Sample = (String, Vec<(String, String)>, f64);

fn parse_prometheus(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    let mut typed = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            typed.push(parts.next().unwrap().to_string());
            assert!(matches!(parts.next(), Some("gauge" | "counter")), "{line}");
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        assert!(
            !line.starts_with('#') && !line.is_empty(),
            "unexpected line {line:?}"
        );
        let name_end = line.find(['{', ' ']).unwrap();
        let name = &line[..name_end];
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "{name}"
        );
        assert!(typed.contains(&name.to_string()), "no TYPE before {name}");
        let mut rest = &line[name_end..];
        let mut labels = Vec::new();
        if let Some(body) = rest.strip_prefix('{') {
            let mut chars = body.char_indices().peekable();
            let mut key = String::new();
            loop {
                let (_, c) = chars.next().unwrap();
                if c == '}' {
                    break;
                }
                if c == ',' {
                    continue;
                }
                if c != '=' {
                    key.push(c);
                    continue;
                }
                assert_eq!(chars.next().unwrap().1, '"');
                let mut value = String::new();
                loop {
                    let (_, c) = chars.next().unwrap();
                    match c {
                        '\\' => value.push(match chars.next().unwrap().1 {
                            'n' => '\n',
                            other => other,
                        }),
                        '"' => break,
                        c => value.push(c),
                    }
                }
                labels.push((std::mem::take(&mut key), value));
            }
            let consumed = chars.peek().map(|(i, _)| *i).unwrap_or(body.len());
            rest = &body[consumed..];
        }
        let value: f64 = rest
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("bad value in {line:?}"));
        samples.push((name.to_string(), labels, value));
    }
    samples
}

#[test]
fn the_metrics_file_is_prometheus_text() {
    let db = shared().create_db("playbook_metrics");
    let dir = tempfile::tempdir().unwrap();
    let p = profile(
        dir.path(),
        "[[playbooks.nightly]]\nstep = \"sql\"\nname = \"step \\\"quoted\\\"\"\nsql = \"SELECT 1\"\n\
         [[playbooks.nightly]]\nstep = \"snapshot\"\n",
    );
    // A metrics file in a missing directory is refused before any step runs: no run is recorded.
    let missing = dir.path().join("no/such/dir/pgtune.prom");
    pgtune(
        &db,
        &[
            "maintain",
            "nightly",
            "--profile",
            p.to_str().unwrap(),
            "--metrics-file",
            missing.to_str().unwrap(),
        ],
    )
    .expect_one_line_error("no such file or directory");
    let runs = db
        .admin()
        .query_strings("SELECT count(*) FROM pg_class WHERE relname = 'maintenance_runs'");
    assert_eq!(runs[0][0].as_deref(), Some("0"), "a run was started");

    let metrics = dir.path().join("pgtune.prom");
    pgtune(
        &db,
        &[
            "maintain",
            "nightly",
            "--profile",
            p.to_str().unwrap(),
            "--metrics-file",
            metrics.to_str().unwrap(),
            "-q",
        ],
    )
    .expect_code(0);
    let text = std::fs::read_to_string(&metrics).unwrap();
    let samples = parse_prometheus(&text);
    let step_status: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.0 == "pgtune_maintain_step_status")
        .collect();
    assert_eq!(step_status.len(), 2);
    assert!(
        step_status
            .iter()
            .any(|s| s.1.contains(&("step".into(), "step \"quoted\"".into())) && s.2 == 0.0),
        "{text}"
    );
    assert!(samples
        .iter()
        .any(|s| s.0 == "pgtune_maintain_run_status" && s.2 == 0.0));
    let last = samples
        .iter()
        .find(|s| s.0 == "pgtune_maintain_last_success_timestamp_seconds")
        .unwrap();
    assert!(last.2 > 1.7e9, "{text}");
    // --quiet: nothing on stdout when every step succeeded.
    let quiet = pgtune(
        &db,
        &[
            "maintain",
            "nightly",
            "--profile",
            p.to_str().unwrap(),
            "-q",
        ],
    )
    .expect_code(0);
    assert_eq!(quiet.stdout, "");
}

#[test]
fn trends_after_two_snapshots_report_the_growth_between_them() {
    let db = shared().create_db("playbook_trends");
    db.admin().execute("CREATE TABLE growing (id int, pad text); CREATE TABLE steady (id int); CREATE INDEX growing_pad ON growing (pad); \
         CREATE TABLE parted (k int) PARTITION BY RANGE (k); CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10); \
         CREATE INDEX parted_k ON parted (k); INSERT INTO parted VALUES (1); ANALYZE parted; \
         CREATE TABLE booking (during tsrange, EXCLUDE USING gist (during WITH &&));");
    pgtune(&db, &["snapshot"]).expect_code(0);
    // A partitioned table and its index store nothing themselves: 0 bytes, never a negative size.
    let sizes = db.admin().query_strings(
        "SELECT min(total_bytes)::text FROM pgtune.snapshot_tables UNION ALL SELECT min(bytes)::text FROM pgtune.snapshot_indexes",
    );
    assert!(
        sizes
            .iter()
            .all(|r| r[0].as_deref().unwrap().parse::<i64>().unwrap() >= 0),
        "{sizes:?}"
    );
    db.admin().execute("INSERT INTO growing SELECT i, repeat('x', 200) FROM generate_series(1, 20000) i; ANALYZE growing;");
    pgtune(&db, &["snapshot"]).expect_code(0);
    let v = pgtune(
        &db,
        &[
            "trends",
            "--since",
            "0",
            "--capacity",
            "--threshold",
            "1TB",
            "--format",
            "json",
        ],
    )
    // Two snapshots a fraction of a second apart project noise: said, and not a warning.
    .expect_code(0)
    .json();
    assert_eq!(v["snapshots"], 2);
    // An index that enforces something (an exclusion constraint) is never "unused".
    assert!(
        v["unused_indexes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["table"] != "public.booking" && u["table"] != "booking"),
        "{v:#}"
    );
    assert_eq!(v["growers"][0]["table"], "public.growing");
    assert!(
        v["growers"][0]["growth_bytes"].as_i64().unwrap() > 4_000_000,
        "{v:#}"
    );
    assert!(v["growers"]
        .as_array()
        .unwrap()
        .iter()
        .all(|g| g["table"] != "public.steady"));
    assert!(v["database_after_bytes"].as_i64() > v["database_before_bytes"].as_i64());
    let capacity = v["capacity"].as_array().unwrap();
    assert!(
        capacity.iter().any(|c| c["object"] == "database"
            && c["snapshots"] == 2
            && c["confidence"] == "low"
            && c["enough_history"] == false
            && c["reaches_limit_on"].is_null()),
        "{v:#}"
    );
    // Fewer than two snapshots is said, not an error.
    let empty = shared().create_db("playbook_trends_empty");
    let out = pgtune(&empty, &["trends"]).expect_code(0);
    assert!(
        out.stdout.contains("fewer than two snapshots"),
        "{}",
        out.stdout
    );
}

#[test]
fn playbooks_are_listed_and_bad_ones_named_with_their_place() {
    let db = shared().create_db("playbook_list");
    let dir = tempfile::tempdir().unwrap();
    let good = profile(
        dir.path(),
        "[[playbooks.daily]]\nstep = \"analyze\"\njobs = 2\ntimeout = \"10min\"\n",
    );
    let out = pgtune(
        &db,
        &["maintain", "--list", "--profile", good.to_str().unwrap()],
    )
    .expect_code(0);
    assert!(
        out.stdout.contains(
            "daily (profile profile)\n  1. analyze: pgtune analyze --jobs 2  [timeout 10min]"
        ),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("weekly (built-in)"), "{}", out.stdout);
    let bad = profile(
        dir.path(),
        "\n[[playbooks.daily]]\nstep = \"analyze\"\njbos = 2\n",
    );
    pgtune(
        &db,
        &["maintain", "daily", "--profile", bad.to_str().unwrap()],
    )
    .expect_one_line_error("profile.toml:3:1: step analyze: unexpected argument '--jbos'");
    pgtune(&db, &["maintain", "hourly"]).expect_one_line_error("unknown playbook \"hourly\"");
    let dry = pgtune(&db, &["maintain", "weekly", "--dry-run"]).expect_code(0);
    assert!(dry.stdout.contains("-- step 3 advise"), "{}", dry.stdout);
    assert!(
        dry.stdout
            .contains("-- pgtune advise indexes --if-available"),
        "{}",
        dry.stdout
    );
    assert!(dry.stdout.contains("-- step 4 vacuum"), "{}", dry.stdout);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM pg_namespace WHERE nspname = 'pgtune'"
        ),
        0
    );
}

/// A run killed outright (SIGKILL: no chance to cancel anything) loses its runner lock with its
/// session, but its step's statement goes on under the step's own session. The next run sees that
/// session by its application_name and refuses, naming it, rather than run beside it.
#[test]
fn a_run_after_a_killed_run_waits_for_its_still_running_step() {
    let db = shared().create_db("playbook_killed");
    db.admin()
        .execute("CREATE MATERIALIZED VIEW slow AS SELECT 1 AS x FROM pg_sleep(60) WITH NO DATA;");
    let dir = tempfile::tempdir().unwrap();
    let p = profile(
        dir.path(),
        "[[playbooks.long]]\nstep = \"refresh\"\n\
         [[playbooks.quick]]\nstep = \"sql\"\nsql = \"SELECT 1\"\n",
    );
    let p = p.to_str().unwrap();
    let mut child = spawn(&db, &["maintain", "long", "--profile", p]);
    wait_active(&db, "REFRESH MATERIALIZED VIEW");
    child.kill().unwrap();
    child.wait().unwrap();
    // The killed run's main session goes; its step's REFRESH stays.
    db.admin().wait_for(
        "SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        "0",
    );
    let out = pgtune(&db, &["maintain", "quick", "--profile", p, "--wait", "1s"])
        .expect_one_line_error("an earlier maintenance run is still at work");
    assert!(
        out.stderr.contains("REFRESH MATERIALIZED VIEW")
            && out.stderr.contains("pg_cancel_backend("),
        "{}",
        out.stderr
    );
    db.admin().execute(
        "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'REFRESH MATERIALIZED VIEW%'",
    );
    db.admin().wait_for(
        "SELECT count(*)::text FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'REFRESH MATERIALIZED VIEW%' AND state = 'active'",
        "0",
    );
    pgtune(&db, &["maintain", "quick", "--profile", p]).expect_code(0);
}

/// The session that records the run is terminated while a step works on its own session: the
/// step is reported failed (its outcome could not be recorded) with its real time, and the run
/// exits 3 saying so.
#[test]
fn losing_the_recording_session_fails_the_step_with_its_real_time() {
    let db = shared().create_db("playbook_lost_main");
    db.admin().execute(
        "CREATE MATERIALIZED VIEW slowish AS SELECT 1 AS x FROM pg_sleep(2) WITH NO DATA;",
    );
    let dir = tempfile::tempdir().unwrap();
    let p = profile(dir.path(), "[[playbooks.one]]\nstep = \"refresh\"\n");
    let child = spawn(&db, &["maintain", "one", "--profile", p.to_str().unwrap()]);
    wait_active(&db, "REFRESH MATERIALIZED VIEW");
    db.admin().execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() \
         AND application_name LIKE 'pgtune maintain%' AND state = 'idle'",
    );
    let out = finish(child);
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("lost the connection"), "{}", out.stderr);
    let row = out
        .stdout
        .lines()
        .find(|l| l.contains("failed"))
        .unwrap_or_else(|| panic!("no failed step:\n{}", out.stdout));
    assert!(!row.contains(" 0.0 "), "the step's real time: {row}");
    assert!(
        out.stdout.contains("FAILED: 1 step failed"),
        "{}",
        out.stdout
    );
}

/// A dry run that cannot plan a step (here: no such database) says so and exits 3, not 0; and it
/// refuses --format json rather than print SQL where JSON was asked for.
#[test]
fn a_dry_run_that_cannot_plan_is_not_a_success() {
    let db = shared().create_db("playbook_dry_fail");
    let out = run(db.pgtune().args([
        "-d",
        "no_such_database_here",
        "maintain",
        "daily",
        "--dry-run",
    ]));
    assert_eq!(out.code, 3, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("could not plan step(s)"),
        "{}",
        out.stderr
    );
    pgtune(&db, &["maintain", "daily", "--dry-run", "--format", "json"])
        .expect_one_line_error("--format json is for the run's report");
}
