//! `pgtune config`: PGTune's exact text, validation of every input, atomic output, and the generated
//! SQL applied to a real server, which accepts it and runs with the values after a restart.

use std::process::{Command, Stdio};

use crate::harness::{run, shared, Cluster, ClusterOptions, Run};

fn pgtune(args: &[&str]) -> Run {
    run(Command::new(env!("CARGO_BIN_EXE_pgtune"))
        .arg("config")
        .args(args)
        .env_remove("PGHOST")
        .env_remove("PGDATABASE")
        .stdin(Stdio::null()))
}

const FIXED: &[&str] = &[
    "--memory",
    "16GB",
    "--cpus",
    "8",
    "--connections",
    "100",
    "--pg-version",
    "18",
    "--os",
    "linux",
];

#[test]
fn pgtune_compat_is_pgtune_byte_for_byte() {
    let out = pgtune(&[FIXED, &["--pgtune-compat"]].concat()).expect_code(0);
    let expected = "\
# WARNING
# wal_compression = lz4 requires PostgreSQL
# to be compiled with --with-lz4
# 
# io_method = io_uring requires PostgreSQL
# to be compiled with --with-liburing

# DB Version: 18
# OS Type: linux
# DB Type: web
# Total Memory (RAM): 16 GB
# CPUs num: 8
# Connections num: 100
# Data Storage: ssd

max_connections = 100
shared_buffers = 4GB
effective_cache_size = 12GB
maintenance_work_mem = 1GB
checkpoint_completion_target = 0.9
wal_buffers = 16MB
default_statistics_target = 100
random_page_cost = 1.1
effective_io_concurrency = 200
work_mem = 38836kB
huge_pages = try
jit = off
wal_compression = lz4
io_method = io_uring
min_wal_size = 1GB
max_wal_size = 4GB
max_worker_processes = 8
max_parallel_workers_per_gather = 4
max_parallel_workers = 8
max_parallel_maintenance_workers = 4
";
    assert_eq!(out.stdout, expected);

    let out = pgtune(
        &[
            FIXED,
            &[
                "--pgtune-compat",
                "--format",
                "sql",
                "--workload",
                "desktop",
                "--os",
                "mac",
            ],
        ]
        .concat(),
    )
    .expect_code(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[0], "-- WARNING");
    assert!(lines.contains(&"-- OS Type: mac"));
    assert!(lines.contains(&"ALTER SYSTEM SET wal_level = 'minimal';"));
    assert_eq!(
        *lines.last().unwrap(),
        "ALTER SYSTEM SET max_wal_senders = '0';"
    );
}

#[test]
fn default_output_keeps_core_lines_and_labels_additions() {
    let out = pgtune(&[FIXED, &["--cpus", "4", "--profile", "lunch-rush"]].concat()).expect_code(0);
    let text = out.stdout;
    let core_start = text.find("# PGTune's settings, unchanged\n").unwrap();
    let beyond_start = text.find("# Beyond PGTune").unwrap();
    let core = &text[core_start..beyond_start];
    // --connections given wins over the profile's pin; the pin is then an addition.
    assert!(core.contains("max_connections = 100\n"), "{core}");
    assert!(core.contains("max_worker_processes = 4\n"), "{core}");
    let beyond = &text[beyond_start..];
    for line in [
        "max_worker_processes = 8\n",
        "max_connections = 200\n",
        "log_min_duration_statement = 1s\n",
        "autovacuum_naptime = 15s\n",
        "autovacuum_max_workers = 6\n",
        "log_lock_waits = on\n",
    ] {
        assert!(beyond.contains(line), "missing {line:?} in:\n{beyond}");
    }
    assert!(
        beyond.contains("# pinned by profile lunch-rush (would be 100)"),
        "{beyond}"
    );
    assert!(
        !beyond.contains("random_page_cost"),
        "same as PGTune's value, so not repeated:\n{beyond}"
    );
}

#[test]
fn profile_pinning_max_connections_sets_the_connection_input() {
    let out = pgtune(&[
        "--memory",
        "16GB",
        "--cpus",
        "8",
        "--pg-version",
        "17",
        "--profile",
        "lunch-rush",
        "--pgtune-compat",
    ])
    .expect_code(0);
    assert!(out.stdout.contains(
        "# DB Type: oltp\n# Total Memory (RAM): 16 GB\n# CPUs num: 8\n# Connections num: 200\n"
    ));
    assert!(out.stdout.contains("max_connections = 200\n"));
    // (16GB - 4GB) / ((200 + 8) * 3) = 20164.9
    assert!(
        out.stdout.contains("work_mem = 20164kB\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn json_lists_every_setting_with_reason_and_restart() {
    let json = pgtune(&[FIXED, &["--cpus", "4", "--format", "json"]].concat())
        .expect_code(0)
        .json();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["command"], "config");
    assert_eq!(json["inputs"]["memory_kb"], 16 * 1024 * 1024);
    let settings = json["settings"].as_array().unwrap();
    let find = |n: &str| {
        settings
            .iter()
            .find(|s| s["name"] == n)
            .unwrap_or_else(|| panic!("{n} missing"))
    };
    assert_eq!(find("shared_buffers")["value"], "4GB");
    assert_eq!(find("shared_buffers")["restart"], true);
    assert_eq!(find("work_mem")["restart"], false);
    assert_eq!(find("work_mem")["origin"], "core");
    let mwp = find("max_worker_processes");
    assert_eq!(
        (
            mwp["value"].as_str(),
            mwp["origin"].as_str(),
            mwp["pgtune_value"].as_str()
        ),
        (Some("8"), Some("pgtune"), Some("4"))
    );
    assert!(mwp["reason"]
        .as_str()
        .unwrap()
        .contains("PostgreSQL's default of 8"));
    assert_eq!(json["warnings"].as_array().unwrap().len(), 2);
}

#[test]
fn bad_input_is_one_line_naming_the_value() {
    let bad_profile = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
    std::fs::write(
        bad_profile.path(),
        "workload = \"web\"\n[inputs]\ncpu = 4\n",
    )
    .unwrap();
    let bad_path = bad_profile.path().to_str().unwrap().to_string();
    for (args, needle) in [
        (vec!["--memory", "16gb"], "invalid --memory \"16gb\": unknown unit \"gb\" (units are case-sensitive: did you mean 16GB?)"),
        (vec!["--memory", "16"], "invalid --memory \"16\": no unit given"),
        (vec!["--cpus", "0"], "invalid --cpus \"0\": expected a whole number from 1 to 999999"),
        (vec!["--cpus", "many"], "invalid --cpus \"many\""),
        (vec!["--connections", "1000000"], "invalid --connections \"1000000\""),
        (vec!["--pg-version", "9.6"], "invalid --pg-version \"9.6\": expected a major version from 10 to 18"),
        (vec!["--pg-version", "19"], "invalid --pg-version \"19\""),
        (vec!["--workload", "olap"], "invalid value 'olap' for '--workload <WORKLOAD>'"),
        (vec!["--storage", "tape"], "'--storage <STORAGE>'"),
        (vec!["--profile", "lunchrush"], "unknown profile \"lunchrush\": did you mean lunch-rush?"),
        (vec!["--profile", &bad_path], ":3:1: unknown field `cpu`"),
        (vec!["--profile", "/nonexistent/p.toml"], "cannot read profile /nonexistent/p.toml"),
        (vec!["--format", "table"], "pgtune config does not support --format table (choose conf or sql or json)"),
    ] {
        let mut all = vec!["--memory", "16GB"];
        all.extend(args);
        pgtune(&all).expect_one_line_error(needle);
    }
}

#[test]
fn output_file_is_written_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pgtune.conf");
    std::fs::write(&path, "old contents\n").unwrap();
    let out = pgtune(&[FIXED, &["--output", path.to_str().unwrap()]].concat()).expect_code(0);
    assert!(out.stdout.is_empty());
    let stdout = pgtune(FIXED).expect_code(0).stdout;
    assert_eq!(std::fs::read_to_string(&path).unwrap(), stdout);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no temporary file left behind: {leftovers:?}"
    );

    let missing = dir.path().join("no/such/dir/pgtune.conf");
    pgtune(&[FIXED, &["--output", missing.to_str().unwrap()]].concat())
        .expect_one_line_error("cannot write");
    assert!(!missing.exists());
}

#[test]
fn connected_reads_version_and_data_size_and_checks_values() {
    let db = shared().create_db("config_connected");
    let json = run(db.pgtune().args([
        "config",
        "--connect",
        "--memory",
        "8GB",
        "--cpus",
        "4",
        "--format",
        "json",
    ]))
    .expect_code(0)
    .json();
    let server_version = json["inputs"]["version"].as_u64().unwrap();
    assert!((13..=18).contains(&server_version));
    let detected: Vec<&str> = json["detected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["input"].as_str().unwrap())
        .collect();
    assert!(
        detected.contains(&"pg_version")
            && detected.contains(&"data_size")
            && detected.contains(&"os"),
        "{detected:?}"
    );
    assert_eq!(json["inputs"]["data_size"], "less-than-ram");
    assert!(json["server"].as_str().unwrap().contains(".s.PGSQL."));
    if server_version >= 15 {
        let notes = json["notes"].as_array().unwrap();
        assert!(
            notes
                .iter()
                .any(|n| n.as_str().unwrap().starts_with("vm.nr_hugepages = ")),
            "{notes:?}"
        );
    }

    // A value above the server's maximum is replaced by the maximum, with the reason.
    let json = run(db.pgtune().args([
        "config",
        "--connect",
        "--memory",
        "8GB",
        "--connections",
        "999999",
        "--format",
        "json",
    ]))
    .expect_code(0)
    .json();
    let mc = json["settings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "max_connections")
        .unwrap()
        .clone();
    assert_eq!(
        (
            mc["value"].as_str(),
            mc["origin"].as_str(),
            mc["pgtune_value"].as_str()
        ),
        (Some("262143"), Some("server"), Some("999999")),
        "{mc:#}"
    );
    assert!(
        mc["reason"]
            .as_str()
            .unwrap()
            .contains("above this server's maximum"),
        "{mc:#}"
    );

    // Told to tune for a newer version than the server runs: what it does not know is left out.
    if server_version < 18 {
        let json = run(db.pgtune().args([
            "config",
            "--connect",
            "--memory",
            "8GB",
            "--pg-version",
            "18",
            "--format",
            "json",
        ]))
        .expect_code(0)
        .json();
        let rejected = json["rejected"].as_array().unwrap();
        assert!(
            rejected
                .iter()
                .any(|r| r["name"] == "io_method"
                    && r["reason"] == "this server has no such setting"),
            "{rejected:?}"
        );
        assert!(!json["settings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "io_method"));
    }
}

#[test]
fn generated_sql_is_accepted_and_takes_effect_after_restart() {
    let cluster = Cluster::start(ClusterOptions::default());
    let sock = cluster.socket_dir.to_str().unwrap().to_string();
    let port = cluster.port.to_string();
    let out = run(Command::new(env!("CARGO_BIN_EXE_pgtune")).args([
        "config",
        "-h",
        &sock,
        "-p",
        &port,
        "-U",
        "postgres",
        "-d",
        "postgres",
        "--memory",
        "2GB",
        "--cpus",
        "4",
        "--profile",
        "lunch-rush",
        "--format",
        "sql",
    ]))
    .expect_code(0);
    assert!(
        out.stdout
            .contains("ALTER SYSTEM SET shared_buffers = '512MB';"),
        "{}",
        out.stdout
    );
    let restart_line = out.stdout.lines().last().unwrap();
    let version: u32 = cluster
        .admin("postgres")
        .query_strings("SHOW server_version_num")[0][0]
        .as_deref()
        .unwrap()
        .parse()
        .unwrap();
    for name in [
        "max_connections",
        "shared_buffers",
        "shared_preload_libraries",
    ] {
        assert!(
            restart_line.starts_with("-- Restart the server for: ") && restart_line.contains(name),
            "{restart_line}"
        );
    }
    // PostgreSQL 18 made autovacuum_max_workers reloadable; the server says so and pgtune follows.
    assert_eq!(
        restart_line.contains("autovacuum_max_workers"),
        version < 180000,
        "{restart_line}"
    );
    {}

    let applied = cluster.psql("postgres", &out.stdout);
    assert!(
        applied.status.success(),
        "psql rejected the SQL: {}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let admin = cluster.admin("postgres");
    // Reloadable settings are live after pg_reload_conf(); the others wait for the restart.
    let show = |admin: &crate::harness::Session, name: &str| {
        admin.query_strings(&format!("SHOW {name}"))[0][0]
            .clone()
            .unwrap()
    };
    std::thread::sleep(std::time::Duration::from_millis(200));
    let fresh = cluster.admin("postgres");
    assert_eq!(show(&fresh, "autovacuum_naptime"), "15s");
    assert_eq!(show(&fresh, "log_min_duration_statement"), "1s");
    assert_eq!(
        show(&fresh, "shared_buffers"),
        "128MB",
        "waits for a restart"
    );
    drop(admin);
    drop(fresh);

    cluster.restart();
    let admin = cluster.admin("postgres");
    for (name, value) in [
        ("shared_buffers", "512MB"),
        ("max_connections", "200"),
        // (2GB - 512MB) / ((200 + 4) * 3) = 2570kB, raised to PGTune's 4MB floor.
        ("work_mem", "4MB"),
        ("max_worker_processes", "8"),
        ("autovacuum_max_workers", "6"),
        ("shared_preload_libraries", "pg_stat_statements"),
        ("random_page_cost", "1.1"),
    ] {
        assert_eq!(show(&admin, name), value, "{name}");
    }
    let pending = admin.query_strings("SELECT count(*) FROM pg_settings WHERE pending_restart");
    assert_eq!(pending[0][0].as_deref(), Some("0"));
}

/// At the extremes of memory PGTune's arithmetic leaves PostgreSQL's ranges (25600GB of
/// shared_buffers, 64kB of maintenance_work_mem): pgtune proposes the nearest value the server
/// accepts, and the server takes every statement.
#[test]
fn extreme_memory_gives_only_values_the_server_accepts() {
    let cluster = Cluster::start(ClusterOptions::default());
    let (sock, port) = (
        cluster.socket_dir.to_str().unwrap().to_string(),
        cluster.port.to_string(),
    );
    for memory in ["100TB", "1MB"] {
        // Connected, as a DBA generating for this server would: its version decides the rest.
        let out = run(Command::new(env!("CARGO_BIN_EXE_pgtune")).args([
            "config", "-h", &sock, "-p", &port, "-U", "postgres", "-d", "postgres", "--memory",
            memory, "--cpus", "4", "--format", "sql",
        ]))
        .expect_code(0);
        let applied = cluster.psql("postgres", &out.stdout);
        assert!(
            applied.status.success(),
            "--memory {memory}: the server refused\n{}\n{}",
            out.stdout,
            String::from_utf8_lossy(&applied.stderr)
        );
    }
}
