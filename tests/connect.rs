//! Every way of naming a server that libpq accepts, and every way a connection can fail, against real
//! clusters: flags, PG* variables, key=value strings, URIs, service files, DATABASE_URL, .pgpass with
//! scram-sha-256, and each sslmode against a server with a certificate from a test CA.

use std::sync::OnceLock;

use crate::harness::certs::Authority;
use crate::harness::{quote_conninfo, run, shared, Cluster, ClusterOptions, TestDb};

fn info_json(db: &TestDb, cmd: &mut std::process::Command) -> serde_json::Value {
    let json = run(cmd.args(["info", "--format", "json"]))
        .expect_code(0)
        .json();
    assert_eq!(json["server"]["database"], db.name.as_str());
    json
}

#[test]
fn flags() {
    let db = shared().create_db("conn_flags");
    let c = db.cluster;
    info_json(
        &db,
        db.pgtune_bare().args([
            "-h",
            c.socket_dir.to_str().unwrap(),
            "-p",
            &c.port.to_string(),
            "-U",
            "postgres",
            "-d",
            &db.name,
        ]),
    );
    // Flags beat the environment.
    info_json(
        &db,
        db.pgtune()
            .env("PGDATABASE", "nonexistent")
            .args(["-d", &db.name]),
    );
}

#[test]
fn environment_variables() {
    let db = shared().create_db("conn_env");
    let json = info_json(&db, db.pgtune().env("PGAPPNAME", "nightly-audit"));
    assert_eq!(json["server"]["user"], "postgres");
}

#[test]
fn key_value_connection_string() {
    let db = shared().create_db("conn_kv");
    let c = db.cluster;
    let conninfo = format!(
        "host={} port={} user=postgres dbname={} application_name='pgtune test'",
        quote_conninfo(c.socket_dir.to_str().unwrap()),
        c.port,
        quote_conninfo(&db.name)
    );
    info_json(&db, db.pgtune_bare().args(["-d", &conninfo]));
}

#[test]
fn uri_with_percent_encoded_socket_directory() {
    let db = shared().create_db("conn_uri");
    let c = db.cluster;
    let socket = c.socket_dir.to_str().unwrap().replace('/', "%2F");
    let uri = format!("postgresql://postgres@{socket}:{}/{}", c.port, db.name);
    info_json(&db, db.pgtune_bare().args(["--dbname", &uri]));
    let uri = format!(
        "postgres:///{}?host={}&port={}&user=postgres",
        db.name,
        c.socket_dir.display(),
        c.port
    );
    info_json(&db, db.pgtune_bare().args(["-d", &uri]));
}

#[test]
fn service_file() {
    let db = shared().create_db("conn_service");
    let c = db.cluster;
    let service = format!(
        "# team services\n[reports]\nhost={}\nport={}\nuser=postgres\ndbname={}\n",
        c.socket_dir.display(),
        c.port,
        db.name
    );
    db.write_home_file(".pg_service.conf", &service, 0o644);
    info_json(&db, db.pgtune_bare().env("PGSERVICE", "reports"));
    info_json(&db, db.pgtune_bare().args(["-d", "service=reports"]));
    let elsewhere = db.write_home_file(
        "conf/services.conf",
        &service.replace("reports", "other"),
        0o644,
    );
    info_json(
        &db,
        db.pgtune_bare()
            .env("PGSERVICEFILE", &elsewhere)
            .env("PGSERVICE", "other"),
    );
    run(db.pgtune_bare().env("PGSERVICE", "missing").arg("info"))
        .expect_one_line_error("definition of service \"missing\" not found");
}

#[test]
fn database_url_is_the_last_resort() {
    let db = shared().create_db("conn_url");
    let c = db.cluster;
    let url = format!(
        "postgresql://postgres@%2F{}:{}/{}",
        &c.socket_dir.to_str().unwrap()[1..].replace('/', "%2F"),
        c.port,
        db.name
    );
    info_json(&db, db.pgtune_bare().env("DATABASE_URL", &url));
    // Anything naming a database wins over DATABASE_URL.
    run(db
        .pgtune_bare()
        .env("DATABASE_URL", &url)
        .env("PGDATABASE", "elsewhere")
        .arg("info"))
    .expect_one_line_error("");
}

#[test]
fn unknown_database() {
    let db = shared().create_db("conn_nodb");
    run(db.pgtune().args(["info", "-d", "no_such_db"]))
        .expect_one_line_error("database \"no_such_db\" does not exist");
}

#[test]
fn nothing_listening() {
    let db = shared().create_db("conn_refused");
    let empty = tempfile::tempdir().unwrap();
    run(db
        .pgtune()
        .args(["info", "-h", empty.path().to_str().unwrap()]))
    .expect_one_line_error("No such file or directory".to_lowercase().as_str());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = run(db
        .pgtune()
        .args(["info", "-h", "127.0.0.1", "-p", &port.to_string()]))
    .expect_one_line_error("connection refused");
    assert!(
        out.stderr
            .contains(&format!("server \"127.0.0.1\", port {port}")),
        "{}",
        out.stderr
    );
}

/// A port where something else answers (a web server, an SSH daemon): one line saying so, whether
/// the first thing it reads is PostgreSQL's startup message or a TLS request.
#[test]
fn something_that_is_not_postgresql() {
    let db = shared().create_db("conn_not_pg");
    for banner in [
        &b"HTTP/1.1 400 Bad Request\r\n\r\n"[..],
        &b"SSH-2.0-OpenSSH_9.6\r\n"[..],
    ] {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            use std::io::{Read, Write};
            for mut conn in listener.incoming().flatten() {
                let mut buf = [0u8; 512];
                let _ = conn.read(&mut buf);
                let _ = conn.write_all(banner);
            }
        });
        for sslmode in ["disable", "prefer", "require"] {
            let out = run(db.pgtune().env("PGSSLMODE", sslmode).args([
                "info",
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ]));
            let http_with_tls = banner.starts_with(b"HTTP") && sslmode == "require";
            let expected = if http_with_tls {
                // Not 'S': to tokio-postgres, as to a server, a refusal of TLS.
                "the server does not support SSL"
            } else {
                "the server did not answer in PostgreSQL's protocol"
            };
            out.expect_one_line_error(expected);
        }
    }
}

#[test]
fn every_host_in_a_list_is_tried() {
    let db = shared().create_db("conn_hostlist");
    let empty = tempfile::tempdir().unwrap();
    let hosts = format!(
        "{},{}",
        empty.path().display(),
        db.cluster.socket_dir.display()
    );
    info_json(&db, db.pgtune().env("PGHOST", hosts));
}

#[test]
fn bad_connection_strings() {
    let db = shared().create_db("conn_bad");
    for (arg, needle) in [
        ("postgresql://alice:TopSecret@[::1/db", "missing \"]\""),
        (
            "postgresql://alice:Top%zzSecret@host/db",
            "invalid percent-encoding in the password",
        ),
        ("host=x password='TopSecret", "unterminated quoted string"),
        (
            "host=x sslmode=always password=TopSecret",
            "invalid sslmode value: \"always\"",
        ),
        (
            "host=x port=99999 password=TopSecret",
            "invalid port number: \"99999\"",
        ),
        (
            "host=x frobnicate=1 password=TopSecret",
            "invalid connection option \"frobnicate\"",
        ),
    ] {
        let out = run(db.pgtune_bare().args(["info", "-d", arg])).expect_one_line_error(needle);
        out.assert_not_leaked("TopSecret");
    }
}

// --- A cluster with TLS and password authentication -------------------------------------------

const ALICE_PASSWORD: &str = r#"s3cr:et\'pw" w1th;stuff"#;

struct AuthServer {
    cluster: Cluster,
    ca_pem: String,
}

/// One server for all TLS and password tests: a certificate for `localhost` only (so verify-ca and
/// verify-full differ on 127.0.0.1), scram-sha-256 on TCP, trust on the socket for setup.
fn auth_server() -> &'static AuthServer {
    static SERVER: OnceLock<AuthServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        let ca = Authority::new("pgtune test CA");
        let leaf = ca.issue(&["localhost"]);
        let cluster = Cluster::start(ClusterOptions {
            tcp: true,
            conf: vec![
                "ssl = on".into(),
                "ssl_cert_file = 'server.crt'".into(),
                "ssl_key_file = 'server.key'".into(),
                "password_encryption = 'scram-sha-256'".into(),
            ],
            hba: Some(
                "local all all trust\n\
                 host all alice 127.0.0.1/32 scram-sha-256\n\
                 host all alice ::1/128 scram-sha-256\n"
                    .into(),
            ),
            files: vec![
                ("server.crt".into(), leaf.cert_pem),
                ("server.key".into(), leaf.key_pem),
            ],
        });
        let admin = cluster.admin("postgres");
        admin.execute(&format!(
            "CREATE ROLE alice LOGIN PASSWORD {}",
            crate::harness::quote_literal(ALICE_PASSWORD)
        ));
        AuthServer {
            cluster,
            ca_pem: ca.cert_pem,
        }
    })
}

/// pgtune as alice over TCP, password from PGPASSWORD.
fn as_alice(db: &TestDb, host: &str, sslmode: &str) -> std::process::Command {
    let mut cmd = db.pgtune_bare();
    cmd.env("PGHOST", host)
        .env("PGPORT", db.cluster.port.to_string())
        .env("PGUSER", "alice")
        .env("PGDATABASE", &db.name)
        .env("PGSSLMODE", sslmode)
        .env("PGPASSWORD", ALICE_PASSWORD);
    cmd
}

#[test]
fn pgpass_with_scram() {
    let server = auth_server();
    let db = server.cluster.create_db("conn_pgpass");
    let escaped = ALICE_PASSWORD.replace('\\', "\\\\").replace(':', "\\:");
    let port = db.cluster.port;
    db.write_home_file(
        ".pgpass",
        &format!("# mine\nelsewhere:*:*:*:wrong\n127.0.0.1:{port}:*:alice:{escaped}\n"),
        0o600,
    );
    let without_password = || {
        let mut cmd = as_alice(&db, "127.0.0.1", "prefer");
        cmd.env_remove("PGPASSWORD");
        cmd
    };
    let json = info_json(&db, &mut without_password());
    assert_eq!(json["server"]["user"], "alice");
    assert!(
        json["server"]["ssl"]["version"]
            .as_str()
            .unwrap()
            .starts_with("TLS"),
        "prefer uses TLS when offered"
    );

    // PGPASSFILE points elsewhere.
    let moved = db.write_home_file("secrets/pgpass", &format!("*:*:*:alice:{escaped}\n"), 0o600);
    std::fs::remove_file(db.home.path().join(".pgpass")).unwrap();
    info_json(&db, without_password().env("PGPASSFILE", &moved));

    // A password file others can read is ignored, with libpq's warning.
    std::fs::set_permissions(&moved, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let out = run(without_password().env("PGPASSFILE", &moved).arg("info"))
        .expect_one_line_error("no password was supplied");
    assert!(
        out.stderr.contains("has group or world access"),
        "{}",
        out.stderr
    );
    out.assert_not_leaked(ALICE_PASSWORD);
}

#[test]
fn wrong_password_is_reported_without_the_password() {
    let server = auth_server();
    let db = server.cluster.create_db("conn_wrongpw");
    let out = run(as_alice(&db, "127.0.0.1", "require")
        .env("PGPASSWORD", "Wr0ngHorse")
        .arg("info"))
    .expect_one_line_error("password authentication failed for user \"alice\"");
    out.assert_not_leaked("Wr0ngHorse");

    let uri = format!(
        "postgresql://alice:Wr0ngHorse@127.0.0.1:{}/{}",
        db.cluster.port, db.name
    );
    let out = run(db
        .pgtune_bare()
        .args(["info", "-d", &uri, "--format", "json"]))
    .expect_one_line_error("password authentication failed");
    out.assert_not_leaked("Wr0ngHorse");
    assert!(out.stdout.is_empty());

    let escaped = "Wr0ngHorse";
    db.write_home_file(".pgpass", &format!("*:*:*:alice:{escaped}\n"), 0o600);
    let mut cmd = as_alice(&db, "127.0.0.1", "require");
    cmd.env_remove("PGPASSWORD");
    let out = run(cmd.arg("info")).expect_one_line_error("password retrieved from file");
    out.assert_not_leaked("Wr0ngHorse");
}

#[test]
fn sslmodes() {
    let server = auth_server();
    let db = server.cluster.create_db("conn_ssl");
    let ssl_of = |cmd: &mut std::process::Command| info_json(&db, cmd)["server"]["ssl"].clone();

    assert!(ssl_of(&mut as_alice(&db, "127.0.0.1", "disable")).is_null());
    assert!(
        ssl_of(&mut as_alice(&db, "127.0.0.1", "allow")).is_null(),
        "allow tries plain first"
    );
    assert!(ssl_of(&mut as_alice(&db, "127.0.0.1", "prefer")).is_object());
    assert!(
        ssl_of(&mut as_alice(&db, "127.0.0.1", "require")).is_object(),
        "require does not verify"
    );

    let ca = db.write_home_file("ca.crt", &server.ca_pem, 0o644);
    let with_ca = |host: &str, mode: &str| {
        let mut cmd = as_alice(&db, host, mode);
        cmd.env("PGSSLROOTCERT", &ca);
        cmd
    };
    assert!(ssl_of(&mut with_ca("localhost", "verify-full")).is_object());
    assert!(
        ssl_of(&mut with_ca("127.0.0.1", "verify-ca")).is_object(),
        "verify-ca ignores the name"
    );
    run(with_ca("127.0.0.1", "verify-full").arg("info"))
        .expect_one_line_error(
            "the server's certificate is for \"localhost\", which does not match host name \"127.0.0.1\" (sslmode=verify-full)",
        );
}

/// The certificate PostgreSQL's documentation shows how to make, as most small installations
/// have it: self-signed by `openssl req -x509` (so a CA certificate), its name only in the
/// Common Name, used as its own root. libpq accepts it with verify-ca and verify-full.
#[test]
fn self_signed_certificate_as_its_own_root() {
    let dir = tempfile::tempdir().unwrap();
    let status = std::process::Command::new("openssl")
        .args(["req", "-new", "-x509", "-days", "30", "-nodes", "-text"])
        .args(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"])
        .args(["-subj", "/CN=localhost"])
        .arg("-out")
        .arg(dir.path().join("server.crt"))
        .arg("-keyout")
        .arg(dir.path().join("server.key"))
        .stderr(std::process::Stdio::null())
        .status()
        .expect("openssl (.ci/run installs it)");
    assert!(status.success());
    let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap();
    let cert_pem = read("server.crt");
    assert!(
        cert_pem.contains("CA:TRUE"),
        "openssl made a CA certificate"
    );
    let cluster = Cluster::start(ClusterOptions {
        tcp: true,
        conf: vec![
            "ssl = on".into(),
            "ssl_cert_file = 'server.crt'".into(),
            "ssl_key_file = 'server.key'".into(),
        ],
        hba: Some("local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n".into()),
        files: vec![
            ("server.crt".into(), cert_pem.clone()),
            ("server.key".into(), read("server.key")),
        ],
    });
    let db = cluster.create_db("conn_selfsigned");
    let root = db.write_home_file("server-root.crt", &cert_pem, 0o644);
    let pgtune = |host: &str, mode: &str| {
        let mut cmd = db.pgtune_bare();
        cmd.env("PGHOST", host)
            .env("PGPORT", cluster.port.to_string())
            .env("PGUSER", "postgres")
            .env("PGDATABASE", &db.name)
            .env("PGSSLMODE", mode)
            .env("PGSSLROOTCERT", &root);
        cmd
    };
    let ssl_of =
        |host: &str, mode: &str| info_json(&db, &mut pgtune(host, mode))["server"]["ssl"].clone();
    assert!(
        ssl_of("localhost", "verify-full").is_object(),
        "the CN names the host"
    );
    assert!(ssl_of("127.0.0.1", "verify-ca").is_object());
    assert!(
        ssl_of("127.0.0.1", "require").is_object(),
        "require with a root file checks the chain"
    );
    run(pgtune("127.0.0.1", "verify-full").arg("info")).expect_one_line_error(
        "the server's certificate is for \"localhost\", which does not match host name \"127.0.0.1\"",
    );
    // Another self-signed certificate as the root: one plain line naming the file.
    let other = Authority::new("localhost");
    let wrong = db.write_home_file("other-root.crt", &other.cert_pem, 0o644);
    let out = run(pgtune("localhost", "verify-ca")
        .env("PGSSLROOTCERT", &wrong)
        .arg("info"))
    .expect_one_line_error(&format!(
        "the server's certificate is not signed by a certificate in sslrootcert \"{}\"",
        wrong.display()
    ));
    assert!(!out.stderr.contains("CaUsedAsEndEntity"), "{}", out.stderr);
}

#[test]
fn certificate_from_an_unknown_authority_is_rejected() {
    let server = auth_server();
    let db = server.cluster.create_db("conn_badca");
    let other = Authority::new("some other CA");
    let wrong_ca = db.write_home_file("wrong-ca.crt", &other.cert_pem, 0o644);
    let out = run(as_alice(&db, "localhost", "verify-full")
        .env("PGSSLROOTCERT", &wrong_ca)
        .arg("info"))
    .expect_one_line_error(&format!(
        "the server's certificate is not signed by a certificate in sslrootcert \"{}\"",
        wrong_ca.display()
    ));
    out.assert_not_leaked(ALICE_PASSWORD);

    // No root file at all.
    run(as_alice(&db, "localhost", "verify-ca").arg("info"))
        .expect_one_line_error("root certificate file");

    // libpq's rule: with ~/.postgresql/root.crt present, require verifies the chain.
    db.write_home_file(".postgresql/root.crt", &other.cert_pem, 0o644);
    run(as_alice(&db, "127.0.0.1", "require").arg("info")).expect_one_line_error(
        "the server's certificate is not signed by a certificate in sslrootcert",
    );
    // ... and so do prefer and allow: a certificate root.crt does not vouch for is never used.
    // prefer retries without TLS (this server's pg_hba allows it), as libpq does; allow connects
    // plain first.
    let ssl_of =
        |mode: &str| info_json(&db, &mut as_alice(&db, "127.0.0.1", mode))["server"]["ssl"].clone();
    assert!(
        ssl_of("prefer").is_null(),
        "prefer used an unverified certificate"
    );
    assert!(ssl_of("allow").is_null());
    // With the right root.crt, prefer gets its verified TLS session.
    db.write_home_file(".postgresql/root.crt", &server.ca_pem, 0o644);
    assert!(ssl_of("prefer").is_object());
    assert!(ssl_of("require").is_object());
}

#[test]
fn settings_pending_restart_are_listed() {
    let server = auth_server();
    let db = server.cluster.create_db("conn_pending");
    let admin = db.admin();
    admin.execute("ALTER SYSTEM SET max_prepared_transactions = 7");
    admin.execute("SELECT pg_reload_conf()");
    let mut found = false;
    for _ in 0..50 {
        let json = info_json(
            &db,
            db.pgtune_bare().args([
                "-h",
                server.cluster.socket_dir.to_str().unwrap(),
                "-p",
                &server.cluster.port.to_string(),
                "-U",
                "postgres",
                "-d",
                &db.name,
            ]),
        );
        if json["pending_restart"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "max_prepared_transactions")
        {
            found = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        found,
        "max_prepared_transactions should be pending restart after a reload"
    );
}
