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

use crate::cli::{Cli, Command, SchemaCommand};
use crate::context::Context;
use crate::model::Report;
use crate::outcome::Status;
use crate::render::{self, Render};

pub fn run(cli: &Cli) -> anyhow::Result<Status> {
    let ctx = Context::from_cli(cli);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let status = dispatch(&ctx, &cli.command, &mut out)?;
    out.flush()?;
    Ok(status)
}

/// Runs `command` and prints its report to `out` in the format asked for.
pub fn dispatch(ctx: &Context, command: &Command, out: &mut dyn Write) -> anyhow::Result<Status> {
    match command {
        Command::Info => print(ctx, out, "info", || info::run(ctx)),
        Command::Config(args) => config::print(ctx, args, out),
        Command::Check(args) => check::run_and_offer(ctx, args, out),
        Command::Report(args) => print(ctx, out, "report", || report::run(ctx, args)),
        Command::Analyze(args) => print(ctx, out, "analyze", || analyze::run(ctx, args)),
        Command::Refresh(args) => print(ctx, out, "refresh", || refresh::run(ctx, args)),
        Command::Reindex(args) => print(ctx, out, "reindex", || reindex::run(ctx, args)),
        Command::Vacuum(args) => print(ctx, out, "vacuum", || vacuum::run(ctx, args)),
        Command::Advise(command) => print(ctx, out, "advise indexes", || advise::run(ctx, command)),
        Command::Schema(SchemaCommand::Plan(files)) => print(ctx, out, "schema plan", || {
            schema::plan_or_verify(ctx, files, schema::Mode::Plan)
        }),
        Command::Schema(SchemaCommand::Verify(args)) => print(ctx, out, "schema verify", || {
            schema::plan_or_verify(
                ctx,
                &args.files,
                schema::Mode::Verify {
                    strict: args.strict,
                },
            )
        }),
        Command::Schema(SchemaCommand::Apply(args)) => schema::apply::print(ctx, args, out),
        Command::Maintain(args) => print(ctx, out, "maintain", || maintain::run(ctx, args)),
        Command::Purge(args) => print(ctx, out, "purge", || purge::run(ctx, args)),
        Command::Snapshot(args) => print(ctx, out, "snapshot", || snapshot::run(ctx, args)),
        Command::Trends(args) => print(ctx, out, "trends", || trends::run(ctx, args)),
        Command::History(args) => print(ctx, out, "history", || history::run(ctx, args)),
        Command::Schedule(args) => print(ctx, out, "schedule", || schedule::run(ctx, args)),
        Command::Completions { shell } => {
            print(ctx, out, "completions", || completions::completions(*shell))
        }
        Command::Man { dir } => print(ctx, out, "man", || completions::man(dir.as_deref())),
    }
}

/// Runs a playbook step's command: its report's status and summary for the run record. Nothing is
/// printed; the step's context never prompts.
pub fn step(ctx: &Context, command: &Command) -> anyhow::Result<(Status, String)> {
    fn recorded(report: impl Report) -> anyhow::Result<(Status, String)> {
        match report.unfinished() {
            Some(why) => anyhow::bail!("{why}"),
            None => Ok((report.status(), report.summary())),
        }
    }
    match command {
        Command::Check(args) => recorded(check::run(ctx, args)?),
        Command::Report(args) => recorded(report::run(ctx, args)?),
        Command::Analyze(args) => recorded(analyze::run(ctx, args)?),
        Command::Refresh(args) => recorded(refresh::run(ctx, args)?),
        Command::Reindex(args) => recorded(reindex::run(ctx, args)?),
        Command::Vacuum(args) => recorded(vacuum::run(ctx, args)?),
        Command::Advise(command) => recorded(advise::run(ctx, command)?),
        Command::Purge(args) => recorded(purge::run(ctx, args)?),
        Command::Snapshot(args) => recorded(snapshot::run(ctx, args)?),
        Command::Trends(args) => recorded(trends::run(ctx, args)?),
        // maintain builds steps only of the commands above (STEP_COMMANDS).
        _ => anyhow::bail!("internal error: this command is not a playbook step"),
    }
}

/// The format is settled before any work is done (a refused --format is bad input, exit 3); the
/// report is printed whole once the command is done; a run that stopped before its end exits 3
/// after printing what it did.
fn print<R: Report + Render>(
    ctx: &Context,
    out: &mut dyn Write,
    command: &str,
    run: impl FnOnce() -> anyhow::Result<R>,
) -> anyhow::Result<Status> {
    let format = render::format_for::<R>(ctx.output.format, command)?;
    let report = run()?;
    if !(ctx.output.quiet && report.quiet_ok()) {
        render::emit(&report, format, &ctx.style(), out)?;
    }
    if let Some(why) = report.unfinished() {
        out.flush()?;
        anyhow::bail!("{why}");
    }
    Ok(report.status())
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
