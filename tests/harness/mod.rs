//! Throwaway PostgreSQL clusters for the integration tests, and a way to run the pgtune binary against
//! them.
//!
//! - Binaries come from `PGTUNE_PG_BINDIR`, else `pg_config --bindir`, else the newest
//!   `/usr/lib/postgresql/*/bin`. PostgreSQL refuses to run as root, so as root they run as the
//!   `postgres` OS user.
//! - One shared cluster per test binary (Unix socket in a temp dir, no TCP); each test gets its own
//!   database, so tests run in parallel. Tests that need a special server (TLS, password auth) start
//!   their own cluster through `Cluster::start`.
//! - Cleanup cannot rely on Drop (statics are never dropped, and a killed test runs no destructors), so
//!   each cluster has a reaper: a shell in its own process group, blocked reading a pipe whose only
//!   writer is this test process. When the process ends, however it ends, the pipe closes and the
//!   reaper stops the server and removes the directory.

#![allow(dead_code)] // Each test module uses part of the harness.

pub mod certs;
pub mod shape;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// What a test needs from its server beyond the defaults.
#[derive(Default, Clone)]
pub struct ClusterOptions {
    /// Listen on 127.0.0.1 at a free port as well as on the socket.
    pub tcp: bool,
    /// Lines appended to postgresql.conf.
    pub conf: Vec<String>,
    /// The whole pg_hba.conf, replacing initdb's.
    pub hba: Option<String>,
    /// Files written into the data directory (mode 0600, owned by the server), e.g. certificates.
    pub files: Vec<(String, String)>,
}

pub struct Cluster {
    pub root: PathBuf,
    pub data: PathBuf,
    pub socket_dir: PathBuf,
    pub port: u16,
    pub tcp: bool,
    pub bindir: PathBuf,
    /// Held open for the life of this process; its closing is the reaper's signal.
    _reaper: ChildStdin,
}

static SHARED: OnceLock<Cluster> = OnceLock::new();
static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The cluster most tests share.
pub fn shared() -> &'static Cluster {
    SHARED.get_or_init(|| Cluster::start(ClusterOptions::default()))
}

pub fn bindir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PGTUNE_PG_BINDIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && dir.join("initdb").exists() {
            return dir;
        }
    }
    let mut candidates: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    candidates.sort();
    candidates
        .pop()
        .map(|(_, bin)| bin)
        .expect("no PostgreSQL found: set PGTUNE_PG_BINDIR or install postgresql")
}

fn is_root() -> bool {
    unsafe { libc::geteuid() == 0 }
}

/// The uid and gid of the `postgres` OS user.
fn postgres_ids() -> (u32, u32) {
    let out = Command::new("id")
        .args(["-u", "postgres"])
        .output()
        .expect("id");
    let uid = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("a postgres OS user");
    let out = Command::new("id")
        .args(["-g", "postgres"])
        .output()
        .expect("id");
    let gid = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("a postgres group");
    (uid, gid)
}

/// A command for a PostgreSQL binary, run as `postgres` when we are root.
fn pg_command(bin: &Path, args: &[&str]) -> Command {
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(args);
    cmd
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Cluster {
    pub fn start(opts: ClusterOptions) -> Cluster {
        let bindir = bindir();
        let root = tempfile::Builder::new()
            .prefix("pgtune-test-")
            .tempdir()
            .expect("temp dir")
            .keep();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o700)).unwrap();
        if is_root() {
            let (uid, gid) = postgres_ids();
            std::os::unix::fs::chown(&root, Some(uid), Some(gid)).unwrap();
        }
        let data = root.join("data");
        let port = if opts.tcp { free_port() } else { 5432 };

        // The reaper first, so that even a failed start is cleaned up.
        let pg_ctl = bindir.join("pg_ctl");
        let stop = pg_command(
            &pg_ctl,
            &[
                "-D",
                data.to_str().unwrap(),
                "stop",
                "-m",
                "immediate",
                "-w",
            ],
        );
        let stop_line = std::iter::once(stop.get_program())
            .chain(stop.get_args())
            .map(|a| shell_quote(&a.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" ");
        let script = format!(
            "cat >/dev/null; {stop_line} >/dev/null 2>&1; rm -rf {}",
            shell_quote(root.to_str().unwrap())
        );
        // Never waited on, by design: the reaper must outlive this process.
        #[allow(clippy::zombie_processes)]
        let mut reaper = Command::new("sh")
            .args(["-c", &script])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start the reaper");
        let reaper_stdin = reaper.stdin.take().unwrap();

        let initdb = bindir.join("initdb");
        let out = pg_command(
            &initdb,
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        )
        .current_dir(&root)
        .output()
        .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );

        let mut conf = vec![
            format!("port = {port}"),
            format!("unix_socket_directories = '{}'", root.display()),
            format!(
                "listen_addresses = '{}'",
                if opts.tcp { "127.0.0.1" } else { "" }
            ),
            "fsync = off".into(),
            "synchronous_commit = off".into(),
            "full_page_writes = off".into(),
            "max_connections = 100".into(),
            "log_min_messages = warning".into(),
        ];
        conf.extend(opts.conf.iter().cloned());
        append(&data.join("postgresql.conf"), &conf.join("\n"));
        if let Some(hba) = &opts.hba {
            write_server_file(&data.join("pg_hba.conf"), hba);
        }
        for (name, contents) in &opts.files {
            write_server_file(&data.join(name), contents);
        }

        let log = root.join("server.log");
        let out = pg_command(
            &pg_ctl,
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "60",
                "start",
            ],
        )
        .current_dir(&root)
        .stdout(Stdio::null())
        .output()
        .expect("run pg_ctl");
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );

        Cluster {
            socket_dir: root.clone(),
            root,
            data,
            port,
            tcp: opts.tcp,
            bindir,
            _reaper: reaper_stdin,
        }
    }

    /// Restarts the server (for settings that need it) and waits until it accepts connections.
    pub fn restart(&self) {
        let log = self.root.join("server.log");
        let out = pg_command(
            &self.bindir.join("pg_ctl"),
            &[
                "-D",
                self.data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "60",
                "restart",
                "-m",
                "fast",
            ],
        )
        .current_dir(&self.root)
        .stdout(Stdio::null())
        .output()
        .expect("run pg_ctl restart");
        assert!(
            out.status.success(),
            "pg_ctl restart failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// Runs SQL text through this cluster's psql as postgres, stopping at the first error.
    pub fn psql(&self, dbname: &str, sql: &str) -> Output {
        use std::io::Write as _;
        // Packaged server builds may come without psql; any recent psql talks to any server.
        let own = self.bindir.join("psql");
        let psql = if own.exists() {
            own
        } else {
            PathBuf::from("psql")
        };
        let mut child = Command::new(psql)
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(&self.socket_dir)
            .args(["-p", &self.port.to_string(), "-U", "postgres", "-d", dbname])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run psql");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(sql.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// A fresh database for one test; `label` makes it recognisable in logs.
    pub fn create_db(&self, label: &str) -> TestDb<'_> {
        let name = format!("t{}_{}", COUNTER.fetch_add(1, Ordering::SeqCst), label);
        self.admin("postgres")
            .execute(&format!("CREATE DATABASE {}", quote_ident(&name)));
        self.db_named(&name)
    }

    /// A database created elsewhere (e.g. with a hostile name).
    pub fn db_named(&self, name: &str) -> TestDb<'_> {
        TestDb {
            cluster: self,
            name: name.to_string(),
            home: tempfile::tempdir().unwrap(),
        }
    }

    /// A superuser session on `dbname` over the socket, for setting up what a test needs.
    pub fn admin(&self, dbname: &str) -> Session {
        Session::connect(&format!(
            "host={} port={} user=postgres dbname={}",
            self.socket_dir.display(),
            self.port,
            quote_conninfo(dbname)
        ))
    }
}

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
    writeln!(f, "\n{text}").unwrap();
}

fn write_server_file(path: &Path, contents: &str) {
    let parent = path.parent().unwrap();
    if !parent.exists() {
        std::fs::create_dir_all(parent).unwrap();
        if is_root() {
            let (uid, gid) = postgres_ids();
            std::os::unix::fs::chown(parent, Some(uid), Some(gid)).unwrap();
        }
    }
    std::fs::write(path, contents).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    if is_root() {
        let (uid, gid) = postgres_ids();
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
    }
}

pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A value quoted for a key=value conninfo string.
pub fn quote_conninfo(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A blocking superuser session for test setup.
pub struct Session {
    rt: tokio::runtime::Runtime,
    client: tokio_postgres::Client,
}

impl Session {
    pub fn connect(conninfo: &str) -> Session {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let client = rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(conninfo, tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| panic!("test setup could not connect: {e}"));
            tokio::spawn(conn);
            client
        });
        Session { rt, client }
    }

    pub fn execute(&self, sql: &str) {
        self.rt
            .block_on(self.client.batch_execute(sql))
            .unwrap_or_else(|e| panic!("test setup SQL failed: {e}\n{sql}"));
    }

    /// Polls a one-value query until it returns `want` (statistics reach the views asynchronously).
    pub fn wait_for(&self, sql: &str, want: &str) {
        let started = std::time::Instant::now();
        while self.query_strings(sql)[0][0].as_deref() != Some(want) {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(15),
                "timed out waiting for {sql} = {want}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// Like `execute`, for statements a test expects to fail.
    pub fn try_execute(&self, sql: &str) -> Result<(), String> {
        self.rt
            .block_on(self.client.batch_execute(sql))
            .map_err(|e| e.to_string())
    }

    pub fn query_strings(&self, sql: &str) -> Vec<Vec<Option<String>>> {
        let messages = self.rt.block_on(self.client.simple_query(sql)).unwrap();
        messages
            .into_iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(row) => Some(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_string))
                        .collect(),
                ),
                _ => None,
            })
            .collect()
    }
}

pub struct TestDb<'a> {
    pub cluster: &'a Cluster,
    pub name: String,
    /// HOME for the pgtune process: no stray ~/.pgpass or ~/.pg_service.conf from the machine.
    pub home: tempfile::TempDir,
}

impl TestDb<'_> {
    pub fn admin(&self) -> Session {
        self.cluster.admin(&self.name)
    }

    /// The server's version as `server_version_num` (150004 for 15.4).
    pub fn version_num(&self) -> i32 {
        self.admin().query_strings("SHOW server_version_num")[0][0]
            .as_deref()
            .unwrap()
            .parse()
            .unwrap()
    }

    /// pgtune with a clean environment: no PG* variables, HOME private to this test.
    pub fn pgtune_bare(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgtune"));
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("PG") || k == "DATABASE_URL" || k == "NO_COLOR" {
                cmd.env_remove(&key);
            }
        }
        cmd.env("HOME", self.home.path()).stdin(Stdio::null());
        cmd
    }

    /// pgtune pointed at this database through PG* variables, as postgres.
    pub fn pgtune(&self) -> Command {
        let mut cmd = self.pgtune_bare();
        cmd.env("PGHOST", &self.cluster.socket_dir)
            .env("PGPORT", self.cluster.port.to_string())
            .env("PGUSER", "postgres")
            .env("PGDATABASE", &self.name);
        cmd
    }

    pub fn write_home_file(&self, name: &str, contents: &str, mode: u32) -> PathBuf {
        let path = self.home.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, contents).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }
}

/// What a pgtune run produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout as JSON, held to its command's documented shape (`shape::check`).
    pub fn json(&self) -> serde_json::Value {
        let doc = serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr: {}",
                self.stdout, self.stderr
            )
        });
        shape::check(&doc);
        doc
    }

    /// Asserts the exit code, showing the output when it differs.
    pub fn expect_code(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "unexpected exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts the contract for a run that could not proceed: exit 3 and exactly one line on stderr.
    pub fn expect_one_line_error(self, needle: &str) -> Run {
        let run = self.expect_code(3);
        let lines: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| !l.contains(": warning: "))
            .collect();
        assert_eq!(
            lines.len(),
            1,
            "expected one error line, got:\n{}",
            run.stderr
        );
        assert!(lines[0].starts_with("pgtune: "), "{}", run.stderr);
        assert!(
            run.stderr.contains(needle),
            "expected {needle:?} in:\n{}",
            run.stderr
        );
        run
    }

    pub fn assert_not_leaked(&self, secret: &str) {
        assert!(
            !self.stdout.contains(secret),
            "secret leaked on stdout:\n{}",
            self.stdout
        );
        assert!(
            !self.stderr.contains(secret),
            "secret leaked on stderr:\n{}",
            self.stderr
        );
    }
}

/// `(item[a], item[b])` for each item of the JSON list `v[list]`, e.g. each step's name and status.
pub fn pairs(v: &serde_json::Value, list: &str, a: &str, b: &str) -> Vec<(String, String)> {
    let text = |item: &serde_json::Value, key: &str| {
        item[key]
            .as_str()
            .unwrap_or_else(|| panic!("{key} is not a string in {item}"))
            .to_string()
    };
    v[list]
        .as_array()
        .unwrap_or_else(|| panic!("{list} is not a list in {v}"))
        .iter()
        .map(|item| (text(item, a), text(item, b)))
        .collect()
}

pub fn run(cmd: &mut Command) -> Run {
    collect(cmd.output().expect("run pgtune"))
}

/// Starts pgtune in the background, its output captured; `finish` waits for it.
pub fn spawn(cmd: &mut Command) -> std::process::Child {
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start pgtune")
}

pub fn finish(child: std::process::Child) -> Run {
    collect(child.wait_with_output().expect("wait for pgtune"))
}

fn collect(output: Output) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = output;
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}
