//! Connection parameters resolved exactly as libpq (and so psql) resolves them, because tokio-postgres
//! does none of it: command-line flags, then a conninfo string or URI, then the service file, then PG*
//! environment variables, then defaults; `DATABASE_URL` only when none of those names a host or a
//! database. The result is a `Target`: every value validated, nothing left to guess at connect time.
//! Passwords are held in `Secret`, whose Debug and Display never show the value.

mod parse;
pub mod pgpass;
mod service;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::cli::ConnArgs;

pub use parse::is_connection_string;

/// A bad connection parameter: one line, never containing a password.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConninfoError(String);

impl ConninfoError {
    pub fn new(msg: impl Into<String>) -> Self {
        ConninfoError(msg.into())
    }
}

/// The libpq keywords pgtune understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Param {
    Host,
    HostAddr,
    Port,
    User,
    Password,
    DbName,
    PassFile,
    Service,
    SslMode,
    SslRootCert,
    SslCert,
    SslKey,
    ApplicationName,
    ConnectTimeout,
    Options,
    TargetSessionAttrs,
    ChannelBinding,
}

/// Every environment variable the connection is read from, in libpq's order (for `pgtune man`).
pub fn environment_variables() -> Vec<&'static str> {
    KEYS.iter()
        .map(|(_, _, env)| *env)
        .chain(["PGSERVICEFILE", "PGSYSCONFDIR", "DATABASE_URL"])
        .collect()
}

/// One row per keyword: its conninfo spelling and the environment variable that supplies it.
const KEYS: &[(Param, &str, &str)] = &[
    (Param::Host, "host", "PGHOST"),
    (Param::HostAddr, "hostaddr", "PGHOSTADDR"),
    (Param::Port, "port", "PGPORT"),
    (Param::User, "user", "PGUSER"),
    (Param::Password, "password", "PGPASSWORD"),
    (Param::DbName, "dbname", "PGDATABASE"),
    (Param::PassFile, "passfile", "PGPASSFILE"),
    (Param::Service, "service", "PGSERVICE"),
    (Param::SslMode, "sslmode", "PGSSLMODE"),
    (Param::SslRootCert, "sslrootcert", "PGSSLROOTCERT"),
    (Param::SslCert, "sslcert", "PGSSLCERT"),
    (Param::SslKey, "sslkey", "PGSSLKEY"),
    (Param::ApplicationName, "application_name", "PGAPPNAME"),
    (
        Param::ConnectTimeout,
        "connect_timeout",
        "PGCONNECT_TIMEOUT",
    ),
    (Param::Options, "options", "PGOPTIONS"),
    (
        Param::TargetSessionAttrs,
        "target_session_attrs",
        "PGTARGETSESSIONATTRS",
    ),
    (Param::ChannelBinding, "channel_binding", "PGCHANNELBINDING"),
];

/// libpq keywords pgtune does not implement. Rejected by name, so a DBA is told rather than having a
/// security-relevant option silently ignored.
const UNSUPPORTED: &[&str] = &[
    "gssencmode",
    "gssdelegation",
    "gsslib",
    "krbsrvname",
    "requirepeer",
    "require_auth",
    "sslpassword",
    "sslcrl",
    "sslcrldir",
    "sslsni",
    "sslcompression",
    "sslcertmode",
    "sslnegotiation",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "replication",
    "load_balance_hosts",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
    "fallback_application_name",
    "client_encoding",
];

impl Param {
    fn from_keyword(keyword: &str) -> Option<Param> {
        KEYS.iter()
            .find(|(_, k, _)| *k == keyword)
            .map(|(key, _, _)| *key)
    }

    pub fn keyword(self) -> &'static str {
        KEYS.iter()
            .find(|(k, _, _)| *k == self)
            .map(|(_, kw, _)| *kw)
            .unwrap_or("?")
    }
}

/// A snapshot of the process environment (or a test's), so resolution is a pure function of it.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
    pub home: Option<PathBuf>,
    pub os_user: Option<String>,
}

impl Env {
    pub fn from_process() -> Env {
        let vars: HashMap<String, String> = std::env::vars().collect();
        let home = vars
            .get("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .or_else(|| crate::sys::current_user().map(|u| u.home));
        Env {
            vars,
            home,
            os_user: crate::sys::current_user().map(|u| u.name),
        }
    }

    #[cfg(test)]
    pub fn fake(vars: &[(&str, &str)], home: &std::path::Path) -> Env {
        Env {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            home: Some(home.to_path_buf()),
            os_user: Some("osuser".into()),
        }
    }

    /// An environment variable; empty counts as unset.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    fn home_file(&self, rel: &str) -> Option<PathBuf> {
        self.home.as_ref().map(|h| h.join(rel))
    }
}

/// A set of keyword values from one source (flags, a conninfo string, a service, the environment).
#[derive(Clone, Default, PartialEq)]
pub struct Params(BTreeMap<Param, String>);

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (k, v) in &self.0 {
            match k {
                Param::Password => map.entry(&k.keyword(), &"********"),
                _ => map.entry(&k.keyword(), v),
            };
        }
        map.finish()
    }
}

impl Params {
    pub fn get(&self, key: Param) -> Option<&str> {
        self.0.get(&key).map(String::as_str)
    }

    fn set(&mut self, key: Param, value: impl Into<String>) {
        self.0.insert(key, value.into());
    }

    /// Sets a value by its libpq keyword; `origin` says where it came from, for the error.
    fn set_keyword(
        &mut self,
        keyword: &str,
        value: String,
        origin: &str,
    ) -> Result<(), ConninfoError> {
        match Param::from_keyword(keyword) {
            Some(key) => {
                self.set(key, value);
                Ok(())
            }
            None if UNSUPPORTED.contains(&keyword) => Err(ConninfoError::new(format!(
                "connection option \"{keyword}\" {origin} is not supported by pgtune"
            ))),
            None => Err(ConninfoError::new(format!(
                "invalid connection option \"{keyword}\" {origin}"
            ))),
        }
    }

    fn from_conninfo(s: &str, origin: &str) -> Result<Params, ConninfoError> {
        let mut params = Params::default();
        for (k, v) in parse::parse(s).map_err(|e| ConninfoError::new(format!("{origin}: {e}")))? {
            params.set_keyword(&k, v, &format!("in {origin}"))?;
        }
        Ok(params)
    }

    fn from_env(env: &Env) -> Params {
        let mut params = Params::default();
        for (key, _, var) in KEYS {
            if let Some(v) = env.var(var) {
                params.set(*key, v);
            }
        }
        params
    }

    /// Takes every value `other` has that `self` lacks: `self` wins.
    fn fill_from(&mut self, other: &Params) {
        for (k, v) in &other.0 {
            self.0.entry(*k).or_insert_with(|| v.clone());
        }
    }

    fn names_host_or_database(&self) -> bool {
        [Param::Host, Param::HostAddr, Param::DbName]
            .iter()
            .any(|k| self.get(*k).is_some())
    }
}

/// A password; shown as asterisks everywhere.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: String) -> Secret {
        Secret(s)
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKind {
    /// A Unix-domain socket directory.
    Socket(PathBuf),
    /// A host name or IP address.
    Tcp(String),
}

/// One server to try, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSpec {
    pub host: HostKind,
    pub hostaddr: Option<IpAddr>,
    pub port: u16,
}

impl HostSpec {
    /// How errors name this server: libpq's wording.
    pub fn describe(&self) -> String {
        match (&self.host, self.hostaddr) {
            (HostKind::Socket(dir), _) => {
                format!(
                    "socket \"{}\"",
                    dir.join(format!(".s.PGSQL.{}", self.port)).display()
                )
            }
            (HostKind::Tcp(name), Some(addr)) if name != &addr.to_string() => {
                format!("server \"{name}\" ({addr}), port {}", self.port)
            }
            (HostKind::Tcp(name), _) => format!("server \"{name}\", port {}", self.port),
        }
    }

    /// The host name `.pgpass` entries are matched against.
    pub fn pgpass_host(&self) -> String {
        match &self.host {
            HostKind::Socket(_) => "localhost".to_string(),
            HostKind::Tcp(name) => name.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    fn parse(s: &str) -> Result<SslMode, ConninfoError> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(ConninfoError::new(format!(
                    "invalid sslmode value: \"{other}\" (expected disable, allow, prefer, require, verify-ca or verify-full)"
                )))
            }
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCert {
    /// A PEM file; `explicit` when named by sslrootcert rather than the ~/.postgresql default.
    File { path: PathBuf, explicit: bool },
    /// sslrootcert=system: the operating system's trust store.
    System,
    /// No file given and no home directory to find the default in.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SslSettings {
    pub mode: SslMode,
    pub rootcert: RootCert,
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetSessionAttrs {
    Any,
    ReadWrite,
    ReadOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelBinding {
    Disable,
    Prefer,
    Require,
}

/// Everything needed to connect, resolved and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub hosts: Vec<HostSpec>,
    pub user: String,
    pub dbname: String,
    /// Given in a conninfo string, URI, service file or PGPASSWORD; otherwise `.pgpass` is read per host.
    pub password: Option<Secret>,
    pub passfile: Option<PathBuf>,
    pub ssl: SslSettings,
    pub application_name: String,
    /// None: wait as long as the network does (connect_timeout=0).
    pub connect_timeout: Option<Duration>,
    pub options: Option<String>,
    pub target_session_attrs: TargetSessionAttrs,
    pub channel_binding: ChannelBinding,
}

pub const DEFAULT_PORT: u16 = 5432;
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Where the server's socket is looked for when no host is named, in this order.
pub const DEFAULT_SOCKET_DIRS: &[&str] = &["/var/run/postgresql", "/tmp"];

/// Whether a `-d` argument is a connection string that carries a password (which must never be
/// written into a schedule or a log).
pub fn names_password(dbname: &str) -> bool {
    is_connection_string(dbname)
        && parse::parse(dbname).is_ok_and(|pairs| pairs.iter().any(|(k, _)| k == "password"))
}

/// Resolves the connection target from the command line and the environment.
pub fn resolve(args: &ConnArgs, env: &Env) -> Result<Target, ConninfoError> {
    let mut flags = Params::default();
    if let Some(h) = &args.host {
        flags.set(Param::Host, h.clone());
    }
    if let Some(p) = &args.port {
        flags.set(Param::Port, p.clone());
    }
    if let Some(u) = &args.username {
        flags.set(Param::User, u.clone());
    }
    let mut conninfo = Params::default();
    match &args.dbname {
        Some(d) if is_connection_string(d) => {
            conninfo = Params::from_conninfo(d, "the -d/--dbname connection string")?
        }
        Some(d) => flags.set(Param::DbName, d.clone()),
        None => {}
    }
    if let Some(app) = &args.application_name {
        if conninfo.get(Param::ApplicationName).is_none() {
            flags.set(Param::ApplicationName, app.clone());
        }
    }
    let mut merged = layered(&flags, &conninfo, env)?;
    if !merged.names_host_or_database() {
        if let Some(url) = env.var("DATABASE_URL") {
            let from_url = Params::from_conninfo(url, "DATABASE_URL")?;
            merged = layered(&flags, &from_url, env)?;
        }
    }
    Target::from_params(&merged, env)
}

/// Flags over the conninfo string over the service over the environment.
fn layered(flags: &Params, conninfo: &Params, env: &Env) -> Result<Params, ConninfoError> {
    let mut merged = flags.clone();
    merged.fill_from(conninfo);
    let service_name = merged
        .get(Param::Service)
        .map(str::to_string)
        .or_else(|| env.var("PGSERVICE").map(str::to_string));
    if let Some(name) = service_name {
        merged.fill_from(&service::lookup(&name, env)?);
    }
    merged.fill_from(&Params::from_env(env));
    Ok(merged)
}

impl Target {
    fn from_params(p: &Params, env: &Env) -> Result<Target, ConninfoError> {
        let user = match p.get(Param::User) {
            Some(u) => u.to_string(),
            None => env.os_user.clone().ok_or_else(|| {
                ConninfoError::new("could not determine the user name: set -U, PGUSER or user=")
            })?,
        };
        let dbname = p.get(Param::DbName).unwrap_or(&user).to_string();
        let hosts = host_specs(p)?;
        let ssl = ssl_settings(p, env)?;
        let connect_timeout = match p.get(Param::ConnectTimeout) {
            None => Some(DEFAULT_CONNECT_TIMEOUT),
            Some(s) => {
                let secs: i64 = s.trim().parse().map_err(|_| {
                    ConninfoError::new(format!(
                        "invalid integer value \"{s}\" for connection option \"connect_timeout\""
                    ))
                })?;
                // libpq: zero or negative waits forever, and anything under 2 s means 2 s.
                (secs > 0).then(|| Duration::from_secs(secs.max(2) as u64))
            }
        };
        let target_session_attrs = match p.get(Param::TargetSessionAttrs).unwrap_or("any") {
            "any" => TargetSessionAttrs::Any,
            "read-write" => TargetSessionAttrs::ReadWrite,
            "read-only" => TargetSessionAttrs::ReadOnly,
            other => {
                return Err(ConninfoError::new(format!(
                    "invalid target_session_attrs value: \"{other}\" (pgtune accepts any, read-write or read-only)"
                )))
            }
        };
        let channel_binding = match p.get(Param::ChannelBinding).unwrap_or("prefer") {
            "disable" => ChannelBinding::Disable,
            "prefer" => ChannelBinding::Prefer,
            "require" => ChannelBinding::Require,
            other => {
                return Err(ConninfoError::new(format!(
                "invalid channel_binding value: \"{other}\" (expected disable, prefer or require)"
            )))
            }
        };
        Ok(Target {
            hosts,
            user,
            dbname,
            password: p.get(Param::Password).map(|s| Secret::new(s.to_string())),
            passfile: p
                .get(Param::PassFile)
                .map(PathBuf::from)
                .or_else(|| env.home_file(".pgpass")),
            ssl,
            application_name: p
                .get(Param::ApplicationName)
                .unwrap_or("pgtune")
                .to_string(),
            connect_timeout,
            options: p.get(Param::Options).map(str::to_string),
            target_session_attrs,
            channel_binding,
        })
    }
}

fn split_list(s: Option<&str>) -> Vec<&str> {
    s.map(|s| s.split(',').map(str::trim).collect())
        .unwrap_or_default()
}

fn host_specs(p: &Params) -> Result<Vec<HostSpec>, ConninfoError> {
    let hosts = split_list(p.get(Param::Host));
    let addrs = split_list(p.get(Param::HostAddr));
    let ports = split_list(p.get(Param::Port));
    if !hosts.is_empty() && !addrs.is_empty() && hosts.len() != addrs.len() {
        return Err(ConninfoError::new(format!(
            "could not match {} host names to {} hostaddr values",
            hosts.len(),
            addrs.len()
        )));
    }
    let count = hosts.len().max(addrs.len()).max(1);
    if ports.len() > 1 && ports.len() != count {
        return Err(ConninfoError::new(format!(
            "could not match {} port numbers to {} hosts",
            ports.len(),
            count
        )));
    }
    let mut specs = Vec::with_capacity(count);
    for i in 0..count {
        let port = match ports
            .get(i)
            .or(ports.first())
            .copied()
            .filter(|s| !s.is_empty())
        {
            None => DEFAULT_PORT,
            Some(s) => s
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| ConninfoError::new(format!("invalid port number: \"{s}\"")))?,
        };
        let hostaddr = match addrs.get(i).copied().filter(|s| !s.is_empty()) {
            None => None,
            Some(a) => Some(a.parse::<IpAddr>().map_err(|_| {
                ConninfoError::new(format!("could not parse network address \"{a}\" (hostaddr must be a numeric IP address)"))
            })?),
        };
        let host = match (hosts.get(i).copied().filter(|s| !s.is_empty()), hostaddr) {
            (Some(h), _) if h.starts_with('/') => HostKind::Socket(PathBuf::from(h)),
            (Some(h), _) => HostKind::Tcp(h.to_string()),
            (None, Some(addr)) => HostKind::Tcp(addr.to_string()),
            (None, None) => HostKind::Socket(default_socket_dir(port)),
        };
        specs.push(HostSpec {
            host,
            hostaddr,
            port,
        });
    }
    Ok(specs)
}

/// The first default directory that holds the server's socket; the first one when none does, so the
/// error names the usual place.
fn default_socket_dir(port: u16) -> PathBuf {
    DEFAULT_SOCKET_DIRS
        .iter()
        .map(PathBuf::from)
        .find(|dir| dir.join(format!(".s.PGSQL.{port}")).exists())
        .unwrap_or_else(|| PathBuf::from(DEFAULT_SOCKET_DIRS[0]))
}

fn ssl_settings(p: &Params, env: &Env) -> Result<SslSettings, ConninfoError> {
    let mode = SslMode::parse(p.get(Param::SslMode).unwrap_or("prefer"))?;
    let rootcert = match p.get(Param::SslRootCert) {
        Some("system") => RootCert::System,
        Some(path) => RootCert::File {
            path: PathBuf::from(path),
            explicit: true,
        },
        None => match env.home_file(".postgresql/root.crt") {
            Some(path) => RootCert::File {
                path,
                explicit: false,
            },
            None => RootCert::None,
        },
    };
    if rootcert == RootCert::System && mode != SslMode::VerifyFull {
        return Err(ConninfoError::new(format!(
            "weak sslmode \"{}\" may not be used with sslrootcert=system (use \"verify-full\")",
            mode.name()
        )));
    }
    Ok(SslSettings {
        mode,
        rootcert,
        cert: p
            .get(Param::SslCert)
            .map(PathBuf::from)
            .or_else(|| env.home_file(".postgresql/postgresql.crt")),
        key: p
            .get(Param::SslKey)
            .map(PathBuf::from)
            .or_else(|| env.home_file(".postgresql/postgresql.key")),
    })
}

#[cfg(test)]
mod tests;
