use super::*;

fn args(host: Option<&str>, port: Option<&str>, user: Option<&str>, db: Option<&str>) -> ConnArgs {
    ConnArgs {
        host: host.map(Into::into),
        port: port.map(Into::into),
        username: user.map(Into::into),
        dbname: db.map(Into::into),
        ..ConnArgs::default()
    }
}

fn tcp(name: &str, port: u16) -> HostSpec {
    HostSpec {
        host: HostKind::Tcp(name.into()),
        hostaddr: None,
        port,
    }
}

#[test]
fn flags_beat_conninfo_beat_environment() {
    let home = tempfile::tempdir().unwrap();
    let env = Env::fake(
        &[
            ("PGHOST", "envhost"),
            ("PGPORT", "1111"),
            ("PGUSER", "envuser"),
            ("PGDATABASE", "envdb"),
        ],
        home.path(),
    );
    let t = resolve(&args(None, None, None, None), &env).unwrap();
    assert_eq!(t.hosts, vec![tcp("envhost", 1111)]);
    assert_eq!((t.user.as_str(), t.dbname.as_str()), ("envuser", "envdb"));

    let t = resolve(
        &args(None, None, None, Some("host=cihost user=ciuser")),
        &env,
    )
    .unwrap();
    assert_eq!(t.hosts, vec![tcp("cihost", 1111)]);
    assert_eq!((t.user.as_str(), t.dbname.as_str()), ("ciuser", "envdb"));

    let t = resolve(
        &args(
            Some("flaghost"),
            Some("2222"),
            Some("flaguser"),
            Some("postgresql://u@h:3333/db"),
        ),
        &env,
    )
    .unwrap();
    assert_eq!(t.hosts, vec![tcp("flaghost", 2222)]);
    assert_eq!((t.user.as_str(), t.dbname.as_str()), ("flaguser", "db"));
}

#[test]
fn defaults_are_libpq_defaults() {
    let home = tempfile::tempdir().unwrap();
    let env = Env::fake(&[], home.path());
    let t = resolve(&args(None, None, None, None), &env).unwrap();
    assert_eq!(t.user, "osuser");
    assert_eq!(t.dbname, "osuser");
    assert_eq!(t.hosts.len(), 1);
    assert!(matches!(t.hosts[0].host, HostKind::Socket(_)));
    assert_eq!(t.hosts[0].port, 5432);
    assert_eq!(t.ssl.mode, SslMode::Prefer);
    assert_eq!(t.application_name, "pgtune");
    assert_eq!(t.connect_timeout, Some(Duration::from_secs(10)));
    assert_eq!(t.passfile, Some(home.path().join(".pgpass")));
}

#[test]
fn service_file_sits_between_conninfo_and_environment() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".pg_service.conf"),
        "[prod]\nhost=svchost\nport=6432\ndbname=svcdb\n",
    )
    .unwrap();
    let env = Env::fake(&[("PGPORT", "1111"), ("PGUSER", "envuser")], home.path());
    let t = resolve(
        &args(None, None, None, Some("service=prod dbname=mine")),
        &env,
    )
    .unwrap();
    assert_eq!(t.hosts, vec![tcp("svchost", 6432)]);
    assert_eq!((t.user.as_str(), t.dbname.as_str()), ("envuser", "mine"));

    let env = Env::fake(&[("PGSERVICE", "prod")], home.path());
    let t = resolve(&args(None, None, None, None), &env).unwrap();
    assert_eq!(t.dbname, "svcdb");

    let env = Env::fake(&[("PGSERVICE", "nope")], home.path());
    let err = resolve(&args(None, None, None, None), &env)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("definition of service \"nope\" not found"),
        "{err}"
    );
}

#[test]
fn database_url_only_when_nothing_names_host_or_database() {
    let home = tempfile::tempdir().unwrap();
    let url = ("DATABASE_URL", "postgres://urluser:pw@urlhost:7777/urldb");
    let env = Env::fake(&[url], home.path());
    let t = resolve(&args(None, None, None, None), &env).unwrap();
    assert_eq!(t.hosts, vec![tcp("urlhost", 7777)]);
    assert_eq!(t.dbname, "urldb");
    assert_eq!(t.password, Some(Secret::new("pw".into())));

    let env = Env::fake(&[url, ("PGDATABASE", "envdb")], home.path());
    let t = resolve(&args(None, None, None, None), &env).unwrap();
    assert_eq!(t.dbname, "envdb");
    assert!(matches!(t.hosts[0].host, HostKind::Socket(_)));

    let t = resolve(
        &args(Some("flaghost"), None, None, None),
        &Env::fake(&[url], home.path()),
    )
    .unwrap();
    assert_eq!(t.hosts, vec![tcp("flaghost", 5432)]);
}

#[test]
fn host_lists_pair_with_ports() {
    let home = tempfile::tempdir().unwrap();
    let env = Env::fake(&[], home.path());
    let t = resolve(&args(Some("a,/run/pg,b"), Some("1,2,3"), None, None), &env).unwrap();
    assert_eq!(t.hosts[0], tcp("a", 1));
    assert_eq!(t.hosts[1].host, HostKind::Socket("/run/pg".into()));
    assert_eq!(t.hosts[2], tcp("b", 3));
    let err = resolve(&args(Some("a,b,c"), Some("1,2"), None, None), &env).unwrap_err();
    assert_eq!(err.to_string(), "could not match 2 port numbers to 3 hosts");
}

#[test]
fn bad_values_are_one_clear_line() {
    let home = tempfile::tempdir().unwrap();
    let env = Env::fake(&[], home.path());
    let cases = [
        ("sslmode=sometimes", "invalid sslmode value: \"sometimes\""),
        ("port=abc", "invalid port number: \"abc\""),
        ("port=70000", "invalid port number: \"70000\""),
        ("connect_timeout=soon", "invalid integer value \"soon\""),
        ("hostaddr=db.example.com", "could not parse network address"),
        ("colour=blue", "invalid connection option \"colour\""),
        (
            "gssencmode=require",
            "\"gssencmode\" in the -d/--dbname connection string is not supported",
        ),
        (
            "sslrootcert=system sslmode=require",
            "weak sslmode \"require\"",
        ),
    ];
    for (conninfo, expected) in cases {
        let err = resolve(&args(None, None, None, Some(conninfo)), &env)
            .unwrap_err()
            .to_string();
        assert!(err.contains(expected), "{conninfo}: {err}");
        assert!(!err.contains('\n'));
    }
}

#[test]
fn connect_timeout_follows_libpq() {
    let home = tempfile::tempdir().unwrap();
    let env = Env::fake(&[], home.path());
    let timeout = |v: &str| {
        resolve(
            &args(None, None, None, Some(&format!("connect_timeout={v}"))),
            &env,
        )
        .unwrap()
        .connect_timeout
    };
    assert_eq!(timeout("0"), None);
    assert_eq!(timeout("1"), Some(Duration::from_secs(2)));
    assert_eq!(timeout("30"), Some(Duration::from_secs(30)));
}

#[test]
fn debug_output_hides_passwords() {
    let home = tempfile::tempdir().unwrap();
    let env = Env::fake(&[("PGPASSWORD", "hunter2")], home.path());
    let t = resolve(&args(None, None, None, Some("password=swordfish")), &env).unwrap();
    let shown = format!("{t:?}");
    assert!(
        !shown.contains("swordfish") && !shown.contains("hunter2"),
        "{shown}"
    );
    assert_eq!(t.password.unwrap().expose(), "swordfish");
}
