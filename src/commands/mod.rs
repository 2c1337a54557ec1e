//! One module per command. Each turns raw flags into its inputs, does its work, hands a plain report to
//! the renderers and returns the worst status it found; it never decides exit codes itself.

mod advise;
mod analyze;
pub mod check;
mod completions;
pub mod config;
pub mod history;
pub mod info;
pub mod maintain;
pub mod maintenance;
pub mod purge;
mod refresh;
mod reindex;
pub mod report;
mod schedule;
pub mod schema;
pub mod snapshot;
pub mod trends;
mod tuning;
mod vacuum;

use std::io::Write;

use crate::cli::{Cli, Command};
use crate::conninfo::{self, Target};
use crate::db::Prompt;
use crate::outcome::Status;

pub fn run(cli: &Cli) -> anyhow::Result<Status> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let status = dispatch(cli, &mut out)?;
    out.flush()?;
    Ok(status)
}

/// Runs the command `cli` names, writing its output to `out` (a playbook step captures it).
pub fn dispatch(cli: &Cli, mut out: &mut dyn Write) -> anyhow::Result<Status> {
    let status = match &cli.command {
        Command::Info => info::run(cli, &mut out)?,
        Command::Config(args) => config::run(cli, args, &mut out)?,
        Command::Check(args) => check::run(cli, args, &mut out)?,
        Command::Report(args) => report::run(cli, args, &mut out)?,
        Command::Analyze(args) => analyze::run(cli, args, &mut out)?,
        Command::Refresh(args) => refresh::run(cli, args, &mut out)?,
        Command::Reindex(args) => reindex::run(cli, args, &mut out)?,
        Command::Vacuum(args) => vacuum::run(cli, args, &mut out)?,
        Command::Advise(command) => advise::run(cli, command, &mut out)?,
        Command::Schema(command) => schema::run(cli, command, &mut out)?,
        Command::Maintain(args) => maintain::run(cli, args, &mut out)?,
        Command::Purge(args) => purge::run(cli, args, &mut out)?,
        Command::Snapshot(args) => snapshot::run(cli, args, &mut out)?,
        Command::Trends(args) => trends::run(cli, args, &mut out)?,
        Command::History(args) => history::run(cli, args, &mut out)?,
        Command::Schedule(args) => schedule::run(cli, args, &mut out)?,
        Command::Completions { shell } => completions::completions(*shell, &mut out)?,
        Command::Man { dir } => completions::man(dir.as_deref(), &mut out)?,
    };
    Ok(status)
}

/// The connection target from the flags and this process's environment.
fn connect_target(cli: &Cli) -> anyhow::Result<Target> {
    Ok(conninfo::resolve(
        &cli.conn,
        &conninfo::Env::from_process(),
    )?)
}

/// A read-only session for selecting what to work on.
fn read_only(cli: &Cli) -> crate::db::ConnectOptions {
    read_only_within(cli, std::time::Duration::from_secs(60))
}

/// A read-only session whose statements each end within `statement_timeout` (and never wait on a
/// lock): the one way every read-only command connects.
fn read_only_within(
    cli: &Cli,
    statement_timeout: std::time::Duration,
) -> crate::db::ConnectOptions {
    crate::db::ConnectOptions {
        read_only: true,
        prompt: prompt_mode(cli),
        settings: crate::db::read_only_settings(statement_timeout),
    }
}

/// psql's -w / -W.
fn prompt_mode(cli: &Cli) -> Prompt {
    match (cli.conn.no_password, cli.conn.password) {
        (true, _) => Prompt::Never,
        (false, true) => Prompt::Always,
        (false, false) => Prompt::IfNeeded,
    }
}

/// A duration flag in PostgreSQL's units (500ms, 5s, 10min); 0 only where `zero_ok`.
pub fn parse_duration(
    value: &str,
    flag: &str,
    zero_ok: bool,
) -> anyhow::Result<std::time::Duration> {
    crate::units::parse_duration(value, "ms")
        .filter(|d| !d.is_zero() || zero_ok)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "invalid {flag} \"{value}\": expected a duration such as 500ms, 5s or 10min"
            )
        })
}

/// The end of a "another runner holds the lock" error: how to wait, or how long we waited.
pub fn lock_wait_hint(wait: std::time::Duration) -> String {
    if wait.is_zero() {
        "; pass --wait to wait for it".to_string()
    } else {
        format!("; waited {}", crate::units::format_duration(wait))
    }
}

/// A word for /bin/sh: as it is when it holds only characters the shell takes literally, else
/// single-quoted (an empty word too, so that it is not lost).
pub fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-=@%+:,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
