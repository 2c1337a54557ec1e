//! The database layer: the only code that touches tokio-postgres. It connects to a resolved
//! `conninfo::Target` the way libpq would (each host in turn, `.pgpass` per host, sslmode semantics,
//! a password prompt only on a terminal), and runs the SQL files embedded from `sql/`, turning rows
//! into the plain structs the commands work with.

pub mod advise;
pub mod cancel;
mod certname;
pub mod check;
pub mod config;
mod error;
pub mod info;
pub mod maintain;
pub mod playbook;
pub mod report;
pub mod retry;
pub mod runner;
pub mod schema;
mod tls;

use std::time::{Duration, Instant};

use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{Client, Socket};
use tokio_postgres_rustls::MakeRustlsConnect;

pub use error::ConnectError;
use error::PasswordSource;

use crate::conninfo::{self, HostKind, HostSpec, Secret, SslMode, Target};
use crate::sql::Sql;

/// When to ask for a password on the terminal (psql's -w / -W).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    Never,
    /// When the server asks for a password that we do not have, and stdin is a terminal.
    IfNeeded,
    Always,
}

#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Read-only commands set this, and the server enforces it: the session starts with
    /// `default_transaction_read_only = on`.
    pub read_only: bool,
    pub prompt: Prompt,
    /// Session settings sent in the startup packet (no extra round trip), e.g. statement_timeout.
    pub settings: Vec<(&'static str, String)>,
    /// A password typed at the prompt, shared by every connection of one run (its parallel jobs,
    /// a playbook's steps), so that it is asked once.
    pub typed: TypedPassword,
}

impl ConnectOptions {
    /// The settings as the `SET` statements a dry run's script starts with: what the run's
    /// sessions start with, so the script pasted into psql waits for locks no longer than the run.
    pub fn session_statements(&self) -> Vec<String> {
        self.settings
            .iter()
            .map(|(name, value)| crate::sql::statement::set(name, value))
            .collect()
    }
}

/// A password typed at the prompt, with its user; clones share it.
#[derive(Debug, Clone, Default)]
pub struct TypedPassword(std::sync::Arc<std::sync::Mutex<Option<(String, Secret)>>>);

impl TypedPassword {
    fn get(&self, user: &str) -> Option<Secret> {
        let typed = self.0.lock().unwrap_or_else(|e| e.into_inner());
        typed
            .as_ref()
            .filter(|(u, _)| u == user)
            .map(|(_, p)| p.clone())
    }

    fn keep(&self, user: &str, password: &Secret) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((user.to_string(), password.clone()));
    }
}

/// What is said for a name PostgreSQL cannot parse (invalid_name, 42602), as a `--table` or
/// `--index` is read as SQL text.
pub const NAME_SYNTAX_HINT: &str = "not a name PostgreSQL can read: write it as in SQL, quoting each part with spaces, capitals or quotes, e.g. '\"My Schema\".\"Idx \"\"q\"\" 1\"'";

/// Added to "no such ..." when the name as typed would need quoting: PostgreSQL 18 reads an
/// unparsable name as one that does not exist.
pub fn unquoted_name_hint(given: &str) -> &'static str {
    let needs_quotes = !given.starts_with('"')
        && given
            .chars()
            .any(|c| c == ' ' || c == '"' || c.is_uppercase());
    if needs_quotes {
        " (a name with spaces, capitals or quotes is written as in SQL: quote each part, e.g. '\"My Schema\".\"Idx \"\"q\"\" 1\"')"
    } else {
        ""
    }
}

/// A connected session.
pub struct Db {
    client: Client,
    /// How errors and logs name the server, e.g. `socket "/tmp/.s.PGSQL.5432"`.
    pub server: String,
    host: HostSpec,
    notices: Notices,
}

/// -vv: each statement as the server ran it (comments left out, on one line), with its time
/// and rows, and the sql/ file it came from.
fn log_statement(name: &str, text: &str, rows: Option<usize>, took: Duration) {
    if !tracing::enabled!(tracing::Level::DEBUG) {
        return;
    }
    let statement = crate::sql::one_line(text);
    let rows = rows.map(|n| format!(", {n} rows")).unwrap_or_default();
    tracing::debug!(
        "{:.1} ms{rows} ({name}): {statement}",
        took.as_secs_f64() * 1000.0
    );
}

/// A single-threaded runtime: pgtune's concurrency is a handful of connections, not CPU work.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

pub async fn connect(target: &Target, opts: &ConnectOptions) -> Result<Db, ConnectError> {
    let mut prompted: Option<Secret> = opts.typed.get(&target.user);
    if opts.prompt == Prompt::Always && prompted.is_none() {
        prompted = Some(ask_password(&target.user).map_err(one_attempt)?);
    }
    let tls = tls_connector(target).map_err(one_attempt)?;
    let mut attempts = Vec::new();
    for host in &target.hosts {
        loop {
            let (password, source) = password_for(target, host, prompted.as_ref());
            match connect_host(target, host, password.as_ref(), &tls, opts).await {
                Ok((client, notices)) => {
                    if let Some(p) = &prompted {
                        opts.typed.keep(&target.user, p);
                    }
                    return Ok(Db {
                        client,
                        server: host.describe(),
                        host: host.clone(),
                        notices,
                    });
                }
                Err((err, sslmode))
                    if error::is_password_missing(&err)
                        && prompted.is_none()
                        && opts.prompt == Prompt::IfNeeded
                        && crate::sys::can_prompt() =>
                {
                    tracing::debug!("{}", error::describe(host, &err, &source, sslmode.name()));
                    prompted = Some(ask_password(&target.user).map_err(one_attempt)?);
                }
                Err((err, sslmode)) => {
                    attempts.push(error::describe(host, &err, &source, sslmode.name()));
                    break;
                }
            }
        }
    }
    Err(ConnectError { attempts })
}

fn one_attempt(msg: String) -> ConnectError {
    ConnectError {
        attempts: vec![msg],
    }
}

fn ask_password(user: &str) -> Result<Secret, String> {
    if !crate::sys::can_prompt() {
        return Err("-W/--password needs a terminal to prompt on".into());
    }
    dialoguer::Password::new()
        .with_prompt(format!("Password for user {user}"))
        .allow_empty_password(true)
        .interact()
        .map(Secret::new)
        .map_err(|e| format!("could not read the password: {e}"))
}

/// The password for one host: prompted, then given (conninfo, service, PGPASSWORD), then `.pgpass`.
fn password_for(
    target: &Target,
    host: &HostSpec,
    prompted: Option<&Secret>,
) -> (Option<Secret>, PasswordSource) {
    if let Some(p) = prompted {
        return (Some(p.clone()), PasswordSource::Prompt);
    }
    if let Some(p) = &target.password {
        return (Some(p.clone()), PasswordSource::Given);
    }
    if let Some(file) = &target.passfile {
        if let Some(p) = conninfo::pgpass::lookup(
            file,
            &host.pgpass_host(),
            host.port,
            &target.dbname,
            &target.user,
        ) {
            return (
                Some(Secret::new(p)),
                PasswordSource::PassFile(file.display().to_string()),
            );
        }
    }
    (None, PasswordSource::None)
}

/// None when TLS is never wanted (sslmode=disable), so a broken client key cannot stop a plain connection.
fn tls_connector(target: &Target) -> Result<Option<MakeRustlsConnect>, String> {
    if target.ssl.mode == SslMode::Disable {
        return Ok(None);
    }
    let needs_tcp = target
        .hosts
        .iter()
        .any(|h| matches!(h.host, HostKind::Tcp(_)));
    if !needs_tcp {
        return Ok(None);
    }
    tls::client_config(&target.ssl).map(|c| Some(MakeRustlsConnect::new(c)))
}

/// The sslmodes to try in turn for one host: `allow` tries plain first, then TLS; sockets never use TLS.
fn ssl_attempts(target: &Target, host: &HostSpec) -> &'static [SslMode] {
    if matches!(host.host, HostKind::Socket(_)) {
        return &[SslMode::Disable];
    }
    match target.ssl.mode {
        SslMode::Disable => &[SslMode::Disable],
        SslMode::Allow => &[SslMode::Disable, SslMode::Require],
        SslMode::Prefer => &[SslMode::Prefer],
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => &[SslMode::Require],
    }
}

/// Whether a connection attempt failed in the TLS handshake itself (not in authentication).
fn is_tls_failure(e: &tokio_postgres::Error) -> bool {
    e.to_string().contains("TLS handshake")
}

async fn connect_host(
    target: &Target,
    host: &HostSpec,
    password: Option<&Secret>,
    tls: &Option<MakeRustlsConnect>,
    opts: &ConnectOptions,
) -> Result<(Client, Notices), (tokio_postgres::Error, SslMode)> {
    let modes = ssl_attempts(target, host);
    let mut last = None;
    for &mode in modes {
        let cfg = config_for(target, host, password, mode, opts);
        let result = match (mode, tls) {
            (SslMode::Disable, _) | (_, None) => start(&cfg, tokio_postgres::NoTls).await,
            (_, Some(tls)) => start(&cfg, tls.clone()).await,
        };
        match result {
            Ok(client) => return Ok(client),
            // prefer: a failed TLS handshake (a certificate root.crt does not vouch for) is
            // retried once without TLS, as libpq does; a server that requires TLS then refuses.
            Err(e) if mode == SslMode::Prefer && is_tls_failure(&e) => {
                let cfg = config_for(target, host, password, SslMode::Disable, opts);
                return start(&cfg, tokio_postgres::NoTls).await.map_err(|plain| {
                    // A server that takes only TLS refuses the plain retry: the certificate is
                    // what the user must hear about.
                    if plain.to_string().contains("no encryption") {
                        (e, target.ssl.mode)
                    } else {
                        (plain, target.ssl.mode)
                    }
                });
            }
            // Errors name the sslmode the user asked for, not the step of `allow` that failed.
            Err(e) => last = Some((e, target.ssl.mode)),
        }
    }
    Err(last.expect("at least one sslmode is always tried"))
}

fn config_for(
    target: &Target,
    host: &HostSpec,
    password: Option<&Secret>,
    mode: SslMode,
    opts: &ConnectOptions,
) -> tokio_postgres::Config {
    let mut cfg = tokio_postgres::Config::new();
    match &host.host {
        HostKind::Socket(dir) => cfg.host_path(dir),
        HostKind::Tcp(name) => cfg.host(name),
    };
    if let Some(addr) = host.hostaddr {
        cfg.hostaddr(addr);
    }
    cfg.port(host.port)
        .user(&target.user)
        .dbname(&target.dbname)
        .application_name(&target.application_name)
        .ssl_mode(match mode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer | SslMode::Allow => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                tokio_postgres::config::SslMode::Require
            }
        })
        .channel_binding(match target.channel_binding {
            conninfo::ChannelBinding::Disable => tokio_postgres::config::ChannelBinding::Disable,
            conninfo::ChannelBinding::Prefer => tokio_postgres::config::ChannelBinding::Prefer,
            conninfo::ChannelBinding::Require => tokio_postgres::config::ChannelBinding::Require,
        })
        .target_session_attrs(match target.target_session_attrs {
            conninfo::TargetSessionAttrs::Any => tokio_postgres::config::TargetSessionAttrs::Any,
            conninfo::TargetSessionAttrs::ReadWrite => {
                tokio_postgres::config::TargetSessionAttrs::ReadWrite
            }
            conninfo::TargetSessionAttrs::ReadOnly => {
                tokio_postgres::config::TargetSessionAttrs::ReadOnly
            }
        });
    if let Some(t) = target.connect_timeout {
        cfg.connect_timeout(t);
    }
    if let Some(p) = password {
        cfg.password(p.expose());
    }
    cfg.options(startup_options(target.options.as_deref(), opts));
    cfg
}

/// `jit=off`, then the user's `options` (PGOPTIONS), then ours, so ours win for the settings we need.
/// JIT is off unless the user turns it on: pgtune's catalog queries run once, and a never-executed
/// subplan's estimate is enough to make compiling them (~100 ms) cost more than running them.
fn startup_options(user: Option<&str>, opts: &ConnectOptions) -> String {
    let mut parts: Vec<String> = vec!["-c jit=off".to_string()];
    parts.extend(user.map(str::to_string));
    // Pinned after the user's options and over any database or role setting: strings are read the
    // way pgtune's tokenizer reads them, so a backslash can never end a literal on the server only.
    parts.push("-c standard_conforming_strings=on".into());
    if opts.read_only {
        parts.push("-c default_transaction_read_only=on".into());
    }
    for (name, value) in &opts.settings {
        // In the options string a backslash escapes the next character, spaces included.
        let escaped: String = value
            .chars()
            .flat_map(|c| {
                if c == ' ' || c == '\\' {
                    vec!['\\', c]
                } else {
                    vec![c]
                }
            })
            .collect();
        parts.push(format!("-c {name}={escaped}"));
    }
    parts.join(" ")
}

async fn start<T>(
    cfg: &tokio_postgres::Config,
    tls: T,
) -> Result<(Client, Notices), tokio_postgres::Error>
where
    T: MakeTlsConnect<Socket> + 'static,
    T::Stream: Send + 'static,
    T::TlsConnect: Send,
    <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
    let (client, mut connection) = cfg.connect(tls).await?;
    let notices: Notices = Default::default();
    let sink = notices.clone();
    // Drive the connection, keeping the server's NOTICEs: some outcomes are only told that way
    // (ANALYZE (SKIP_LOCKED) skipping a locked table).
    tokio::spawn(async move {
        use futures_util::StreamExt;
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(tokio_postgres::AsyncMessage::Notice(n)) => {
                    tracing::debug!("server notice: {}", n.message());
                    sink.lock()
                        .expect("notice list")
                        .push(n.message().to_string());
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!("connection closed: {e}");
                    break;
                }
            }
        }
    });
    Ok((client, notices))
}

type Notices = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

/// A query failure, naming the SQL file it came from.
#[derive(Debug, Clone)]
pub struct QueryError {
    sql: &'static str,
    server: String,
    pub message: String,
    /// The SQLSTATE, when the server sent one.
    pub code: Option<String>,
    /// Worded by pgtune for the user (a missing privilege): shown as it is, without the file name.
    worded: bool,
}

impl QueryError {
    /// pgtune's verdict on a statement `db` took (an index built yet left invalid): worded for the
    /// user, with no SQLSTATE, so it is never retried.
    pub fn verdict(db: &Db, what: &'static str, message: String) -> QueryError {
        QueryError {
            sql: what,
            server: db.server.clone(),
            message,
            code: None,
            worded: true,
        }
    }
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.worded {
            write!(f, "{} (on {})", self.message, self.server)
        } else {
            write!(
                f,
                "{} failed on {}: {}",
                self.sql, self.server, self.message
            )
        }
    }
}

impl std::error::Error for QueryError {}

impl QueryError {
    /// statement_timeout (or a cancel) stopped it.
    pub fn is_timeout(&self) -> bool {
        self.code.as_deref() == Some("57014")
    }

    /// lock_timeout stopped it.
    pub fn is_lock_timeout(&self) -> bool {
        self.code.as_deref() == Some("55P03")
    }

    /// The session is gone: terminated by an administrator, the server shutting down or restarting,
    /// or the connection closed.
    pub fn is_connection_lost(&self) -> bool {
        match self.code.as_deref() {
            Some(code) => code.starts_with("57P0") || code.starts_with("08"),
            None => self.message.contains("connection closed"),
        }
    }

    /// This role may not do it.
    pub fn is_privilege(&self) -> bool {
        self.code.as_deref() == Some("42501")
    }
}

impl Db {
    /// Whether the connection is gone (the server closed it, or restarted).
    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    /// The NOTICEs the server sent since the last call.
    pub fn take_notices(&self) -> Vec<String> {
        std::mem::take(&mut *self.notices.lock().expect("notice list"))
    }

    /// Whether the server runs on this machine (Unix socket or loopback), so facts read here about
    /// memory and CPUs are facts about it.
    pub fn is_local(&self) -> bool {
        let loopback = |s: &str| {
            s == "localhost" || s.parse::<std::net::IpAddr>().is_ok_and(|a| a.is_loopback())
        };
        match &self.host.host {
            HostKind::Socket(_) => true,
            HostKind::Tcp(name) => self
                .host
                .hostaddr
                .map_or_else(|| loopback(name), |a| a.is_loopback()),
        }
    }

    pub async fn query(
        &self,
        sql: &Sql,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, QueryError> {
        self.query_text(sql, sql.text, params).await
    }

    /// Runs `text` and turns each row into a `T` as it arrives, so a result of 40,000 rows is never
    /// held twice (raw and converted) in memory.
    pub async fn query_map<T>(
        &self,
        sql: &Sql,
        text: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
        mut convert: impl FnMut(&tokio_postgres::Row) -> T,
    ) -> Result<Vec<T>, QueryError> {
        use futures_util::TryStreamExt;
        let started = Instant::now();
        let stream = self
            .client
            .query_raw(text, params.iter().copied())
            .await
            .map_err(|e| self.query_error(sql, e))?;
        let mut stream = std::pin::pin!(stream);
        let mut out = Vec::new();
        while let Some(row) = stream
            .try_next()
            .await
            .map_err(|e| self.query_error(sql, e))?
        {
            out.push(convert(&row));
        }
        log_statement(sql.name, text, Some(out.len()), started.elapsed());
        Ok(out)
    }

    /// Runs `text`, a form of `sql` with quoted identifiers filled in (see `Sql::with_relation`).
    pub async fn query_text(
        &self,
        sql: &Sql,
        text: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, QueryError> {
        let started = Instant::now();
        let rows = self
            .client
            .query(text, params)
            .await
            .map_err(|e| self.query_error(sql, e))?;
        log_statement(sql.name, text, Some(rows.len()), started.elapsed());
        Ok(rows)
    }

    /// This session's statement_timeout (zero: none), as a bound value, not spliced text.
    pub async fn set_statement_timeout(&self, timeout: Duration) -> Result<(), QueryError> {
        let ms = format!("{}ms", timeout.as_millis());
        self.query(&crate::sql::SESSION_STATEMENT_TIMEOUT, &[&ms])
            .await
            .map(|_| ())
    }

    /// Runs exactly one statement that changes something (ALTER SYSTEM, DDL, a declared index);
    /// outside `db/` only through `db::runner::Runner` (so every mutating statement has the
    /// runner's lock retry, interrupt and log):
    /// `statement` is built by the caller from quoted identifiers and literals, as utility statements
    /// take no parameters. It goes through the extended protocol, which carries one statement per
    /// message: text holding a second statement (a declared index's tail ending a transaction, say)
    /// is refused by the server, never run.
    pub(in crate::db) async fn execute_statement(
        &self,
        what: &'static str,
        statement: &str,
    ) -> Result<(), QueryError> {
        tracing::info!("running {statement}");
        let started = Instant::now();
        // Parse, bind and execute in one round trip (execute() would prepare first, a second one);
        // still the extended protocol, so a text holding two statements is refused.
        let result = self.client.query_typed(statement, &[]).await;
        log_statement(what, statement, None, started.elapsed());
        result.map(|_| ()).map_err(|e| {
            let sql = Sql {
                name: what,
                text: "",
            };
            self.query_error(&sql, e)
        })
    }

    /// Runs exactly one statement built from pgtune's own text and returns its rows, through the
    /// extended protocol (so text holding a second statement is refused): EXPLAIN of a prepared
    /// statement, whose answer is rows.
    pub async fn query_statement(
        &self,
        what: &'static str,
        statement: &str,
    ) -> Result<Vec<tokio_postgres::Row>, QueryError> {
        let started = Instant::now();
        let result = self.client.query_typed(statement, &[]).await;
        log_statement(what, statement, None, started.elapsed());
        result.map_err(|e| {
            let sql = Sql {
                name: what,
                text: "",
            };
            self.query_error(&sql, e)
        })
    }

    /// Runs `statements` in order, pipelined: all are sent before the first answer is awaited, each
    /// its own extended-protocol message (so each is still refused if it holds two statements).
    /// After a failure inside a transaction the rest fail too ("current transaction is aborted"):
    /// callers roll back and go one by one to learn which failed.
    pub async fn execute_pipelined(
        &self,
        what: &'static str,
        statements: &[&str],
    ) -> Vec<Result<(), QueryError>> {
        // join_all polls its futures in order, and each sends its messages on its first poll.
        futures_util::future::join_all(
            statements
                .iter()
                .map(|statement| self.execute_statement(what, statement)),
        )
        .await
    }

    /// Runs one of pgtune's own multi-statement files from `sql/` (the tables it keeps its records
    /// in). Only an embedded `Sql` gets here: no name, value or file text is ever part of such a script.
    pub async fn execute_script(&self, sql: &Sql) -> Result<(), QueryError> {
        tracing::info!("running {}", sql.name);
        self.client
            .batch_execute(sql.text)
            .await
            .map_err(|e| self.query_error(sql, e))
    }

    /// Runs one statement with parameters, returning how many rows it changed.
    pub async fn execute(
        &self,
        sql: &Sql,
        text: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<u64, QueryError> {
        tracing::debug!("running {}", sql.name);
        self.client
            .execute(text, params)
            .await
            .map_err(|e| self.query_error(sql, e))
    }

    pub async fn query_one(
        &self,
        sql: &Sql,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<tokio_postgres::Row, QueryError> {
        let mut rows = self.query(sql, params).await?;
        match rows.len() {
            1 => Ok(rows.remove(0)),
            n => Err(QueryError {
                sql: sql.name,
                server: self.server.clone(),
                message: format!("expected one row, got {n}"),
                code: None,
                worded: false,
            }),
        }
    }

    /// A refusal pgtune itself words, for what a query's answer forbids (a missing privilege).
    pub fn refusal(&self, sql: &Sql, code: &str, message: String) -> QueryError {
        QueryError {
            sql: sql.name,
            server: self.server.clone(),
            message,
            code: Some(code.to_string()),
            worded: true,
        }
    }

    fn query_error(&self, sql: &Sql, e: tokio_postgres::Error) -> QueryError {
        // DETAIL and HINT stay: they say which key is duplicated, or what to do.
        let message = match e.as_db_error() {
            Some(db) => {
                let mut text = format!("{}: {}", db.severity(), db.message());
                if let Some(detail) = db.detail() {
                    text.push_str(&format!(" DETAIL: {detail}"));
                }
                if let Some(hint) = db.hint() {
                    text.push_str(&format!(" HINT: {hint}"));
                }
                text
            }
            None => e.to_string(),
        };
        QueryError {
            sql: sql.name,
            server: self.server.clone(),
            message: message.split_whitespace().collect::<Vec<_>>().join(" "),
            code: e.code().map(|c| c.code().to_string()),
            worded: false,
        }
    }
}

/// Settings every read-only command's session starts with: never wait long on a lock, never run away.
pub fn read_only_settings(statement_timeout: Duration) -> Vec<(&'static str, String)> {
    vec![
        ("lock_timeout", "1s".into()),
        (
            "statement_timeout",
            format!("{}ms", statement_timeout.as_millis()),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn startup_options_put_jit_off_first_and_ours_last() {
        let opts = ConnectOptions {
            read_only: true,
            prompt: Prompt::Never,
            settings: vec![("statement_timeout", "5 min".into())],
            typed: TypedPassword::default(),
        };
        assert_eq!(
            startup_options(Some("-c jit=on -c search_path=app"), &opts),
            "-c jit=off -c jit=on -c search_path=app -c standard_conforming_strings=on -c default_transaction_read_only=on -c statement_timeout=5\\ min"
        );
    }
}
