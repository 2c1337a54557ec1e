//! `pgtune info` against a real server: both renderers, privileges, hostile names.

use crate::harness::{quote_ident, quote_literal, run, shared};

#[test]
fn table_output_names_server_database_and_extensions() {
    let db = shared().create_db("info_table");
    let out = run(db.pgtune().arg("info")).expect_code(0);
    assert!(out.stdout.contains("PostgreSQL "), "{}", out.stdout);
    assert!(out.stdout.contains(&db.name), "{}", out.stdout);
    assert!(out.stdout.contains("plpgsql"), "{}", out.stdout);
    assert!(out.stdout.contains("no (primary)"), "{}", out.stdout);
    assert!(out.stdout.contains(".s.PGSQL."), "{}", out.stdout);
    // Not a terminal: no colour escapes.
    assert!(!out.stdout.contains('\u{1b}'), "{}", out.stdout);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn json_output_is_stable_and_complete() {
    let db = shared().create_db("info_json");
    db.admin().execute("CREATE EXTENSION pg_trgm");
    let json = run(db.pgtune().args(["info", "--format", "json"]))
        .expect_code(0)
        .json();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["command"], "info");
    let server = &json["server"];
    assert_eq!(server["database"], db.name.as_str());
    assert_eq!(server["user"], "postgres");
    assert_eq!(server["is_superuser"], true);
    assert_eq!(server["has_pg_monitor"], true);
    assert_eq!(server["in_recovery"], false);
    assert!(server["version_num"].as_i64().unwrap() >= 130000);
    assert!(server["database_size_bytes"].as_i64().unwrap() > 0);
    assert!(server["data_directory"]
        .as_str()
        .unwrap()
        .ends_with("/data"));
    assert!(server["config_file"]
        .as_str()
        .unwrap()
        .ends_with("postgresql.conf"));
    assert!(server["ssl"].is_null(), "no TLS over a Unix socket");
    let names: Vec<&str> = json["extensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["pg_trgm", "plpgsql"]);
    assert!(json["pending_restart"].as_array().unwrap().is_empty());
}

#[test]
fn hostile_database_name() {
    let cluster = shared();
    let name = "it's a \"db\"; DROP TABLE x; -- Ünïcødé";
    cluster
        .admin("postgres")
        .execute(&format!("CREATE DATABASE {}", quote_ident(name)));
    let db = cluster.db_named(name);
    let json = run(db.pgtune().args(["info", "--format", "json"]))
        .expect_code(0)
        .json();
    assert_eq!(json["server"]["database"], name);
    let json = run(db.pgtune_bare().args([
        "info",
        "--format=json",
        "-h",
        cluster.socket_dir.to_str().unwrap(),
        "-p",
        &cluster.port.to_string(),
        "-U",
        "postgres",
        "-d",
        name,
    ]))
    .expect_code(0)
    .json();
    assert_eq!(json["server"]["database"], name);
}

#[test]
fn monitoring_role_and_plain_role() {
    let db = shared().create_db("info_roles");
    let admin = db.admin();
    for (role, grant) in [
        ("info_monitor", "GRANT pg_monitor TO info_monitor"),
        ("info_plain", ""),
    ] {
        admin.execute(&format!(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {lit}) THEN CREATE ROLE {id} LOGIN; END IF; END $$; {grant}",
            lit = quote_literal(role),
            id = quote_ident(role),
        ));
    }
    let json = run(db
        .pgtune()
        .args(["info", "--format", "json", "-U", "info_monitor"]))
    .expect_code(0)
    .json();
    assert_eq!(json["server"]["is_superuser"], false);
    assert_eq!(json["server"]["has_pg_monitor"], true);
    assert!(
        json["server"]["data_directory"].is_string(),
        "pg_monitor can read all settings"
    );

    let out = run(db.pgtune().args(["info", "-U", "info_plain"])).expect_code(0);
    assert!(
        out.stdout.contains("not visible to this role"),
        "{}",
        out.stdout
    );
    let json = run(db
        .pgtune()
        .args(["info", "--format", "json", "-U", "info_plain"]))
    .expect_code(0)
    .json();
    assert_eq!(json["server"]["has_pg_monitor"], false);
    assert!(json["server"]["data_directory"].is_null());
}

/// `-vv` logs each statement as the server ran it, with its time and rows, not only a file name.
#[test]
fn very_verbose_logs_statements_with_their_durations() {
    let db = shared().create_db("info_vv");
    let out = run(db.pgtune().args(["info", "-vv"]));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let line = out
        .stderr
        .lines()
        .find(|l| l.contains("(info/server.sql)"))
        .unwrap_or_else(|| panic!("{}", out.stderr));
    assert!(
        line.contains(" ms, 1 rows (info/server.sql): SELECT current_setting('server_version')"),
        "{line}"
    );
    assert!(!line.contains("--"), "comments left in: {line}");
}
