//! Turns tokio-postgres connection failures into libpq-style one-liners that say which server and what
//! went wrong: refused, no such socket, unknown host, timeout, authentication, unknown database,
//! certificate rejected. Nothing here ever sees a password, so nothing here can print one.

use std::fmt;
use std::io;

use crate::conninfo::{HostKind, HostSpec};

/// Why every host in the target failed, one attempt per host.
#[derive(Debug)]
pub struct ConnectError {
    pub attempts: Vec<String>,
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.attempts.join("; "))
    }
}

impl std::error::Error for ConnectError {}

/// Where the password for an attempt came from, so an authentication failure can say so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    None,
    Given,
    PassFile(String),
    Prompt,
}

/// A failure that the connect loop treats specially.
pub fn is_password_missing(err: &tokio_postgres::Error) -> bool {
    full_text(err).contains("password missing")
}

/// The error and its causes: tokio-postgres puts the useful part in the source
/// ("invalid configuration" / "password missing").
fn full_text(err: &tokio_postgres::Error) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

/// One attempt's failure as a line.
pub fn describe(
    host: &HostSpec,
    err: &tokio_postgres::Error,
    password: &PasswordSource,
    sslmode: &str,
) -> String {
    format!(
        "connection to {} failed: {}",
        host.describe(),
        one_line(&reason(host, err, password, sslmode))
    )
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn reason(
    host: &HostSpec,
    err: &tokio_postgres::Error,
    password: &PasswordSource,
    sslmode: &str,
) -> String {
    if let Some(db) = err.as_db_error() {
        let mut msg = db.message().to_string();
        if db.code() == &tokio_postgres::error::SqlState::INVALID_PASSWORD {
            if let PasswordSource::PassFile(path) = password {
                msg.push_str(&format!(" (password retrieved from file \"{path}\")"));
            }
        }
        return msg;
    }
    if is_password_missing(err) {
        return "the server requested password authentication, but no password was supplied \
                (set PGPASSWORD, add it to the password file, or use -W on a terminal)"
            .into();
    }
    let text = full_text(err);
    // tokio-postgres' words for a reply it cannot parse as PostgreSQL's protocol.
    if [
        "bytes remaining on stream",
        "unexpected message from server",
        "invalid message length",
    ]
    .iter()
    .any(|garbled| text.contains(garbled))
    {
        return NOT_POSTGRES.into();
    }
    if text.contains("server does not support TLS") {
        return format!("the server does not support SSL, but sslmode={sslmode} requires it");
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(err);
    while let Some(e) = source {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return tls_reason(tls);
        }
        if let Some(io) = e.downcast_ref::<io::Error>() {
            if let Some(tls) = io
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            {
                return tls_reason(tls);
            }
            return io_reason(host, io);
        }
        source = e.source();
    }
    text
}

/// What is said when whatever answered does not speak PostgreSQL's protocol.
const NOT_POSTGRES: &str = "the server did not answer in PostgreSQL's protocol: is something other than PostgreSQL listening on that port?";

fn tls_reason(err: &rustls::Error) -> String {
    match err {
        rustls::Error::InvalidMessage(_)
        | rustls::Error::InappropriateHandshakeMessage { .. }
        | rustls::Error::InappropriateMessage { .. } => {
            format!("{NOT_POSTGRES} (its answer to the TLS handshake is not TLS)")
        }
        // db::tls words its own refusals in full.
        rustls::Error::InvalidCertificate(rustls::CertificateError::Other(reason)) => {
            reason.to_string()
        }
        rustls::Error::InvalidCertificate(cert) => {
            format!("server certificate rejected: {}", certificate_reason(cert))
        }
        other => format!("SSL error: {other}"),
    }
}

fn certificate_reason(err: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match err {
        C::UnknownIssuer => {
            "it is not signed by a trusted root certificate (check sslrootcert)".into()
        }
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "it does not match the host name (sslmode=verify-full)".into()
        }
        C::Expired | C::ExpiredContext { .. } => "it has expired".into(),
        C::NotValidYet | C::NotValidYetContext { .. } => "it is not valid yet".into(),
        C::Revoked => "it has been revoked".into(),
        C::BadSignature => "its signature is invalid".into(),
        C::BadEncoding => "it cannot be parsed".into(),
        other => format!("{other:?}"),
    }
}

fn io_reason(host: &HostSpec, err: &io::Error) -> String {
    let socket = matches!(host.host, HostKind::Socket(_));
    match err.kind() {
        io::ErrorKind::ConnectionRefused if socket => {
            "connection refused: is the server running locally and accepting connections on that socket?".into()
        }
        io::ErrorKind::ConnectionRefused => {
            "connection refused: is the server running on that host and accepting TCP/IP connections?".into()
        }
        io::ErrorKind::NotFound if socket => {
            "no such file or directory: is the server running locally and accepting connections on that socket?"
                .into()
        }
        io::ErrorKind::TimedOut => "timeout expired".into(),
        io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => {
            let msg = err.to_string();
            if msg.contains("lookup address") || msg.contains("Name or service not known") {
                if let HostKind::Tcp(name) = &host.host {
                    return format!("could not translate host name \"{name}\" to address: {msg}");
                }
            }
            msg
        }
    }
}
