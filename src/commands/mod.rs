//! One module per command. Each turns raw flags into its inputs, does its work, hands a plain report to
//! the renderers and returns the worst status it found; it never decides exit codes itself.

mod analyze;
pub mod check;
mod completions;
pub mod config;
pub mod info;
pub mod maintenance;
mod refresh;
mod reindex;
pub mod report;
pub mod schema;
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
    let status = match &cli.command {
        Command::Info => info::run(cli, &mut out)?,
        Command::Config(args) => config::run(cli, args, &mut out)?,
        Command::Check(args) => check::run(cli, args, &mut out)?,
        Command::Report(args) => report::run(cli, args, &mut out)?,
        Command::Analyze(args) => analyze::run(cli, args, &mut out)?,
        Command::Refresh(args) => refresh::run(cli, args, &mut out)?,
        Command::Reindex(args) => reindex::run(cli, args, &mut out)?,
        Command::Vacuum(args) => vacuum::run(cli, args, &mut out)?,
        Command::Schema(command) => schema::run(cli, command, &mut out)?,
        Command::Completions { shell } => completions::completions(*shell, &mut out)?,
        Command::Man { dir } => completions::man(dir.as_deref(), &mut out)?,
    };
    out.flush()?;
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
    crate::db::ConnectOptions {
        read_only: true,
        prompt: prompt_mode(cli),
        settings: crate::db::read_only_settings(std::time::Duration::from_secs(60)),
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
