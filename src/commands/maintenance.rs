//! What the maintenance commands share: the session they run in, running a schedule (or printing it
//! for --dry-run), and the exit status of the outcomes.

use std::io::Write;
use std::time::Instant;

use serde::Serialize;

use crate::cli::{Cli, Format};
use crate::db::{self, ConnectOptions};
use crate::jobs::{self, run::RunOptions, JobStatus, Outcome, Scheduler};
use crate::model::jobs::{PlannedJob, RunReport, SkippedJob};
use crate::outcome::Status;
use crate::render;

/// A maintenance session: never waits on a lock longer than `lock_timeout`, no statement timeout.
pub fn session(cli: &Cli, lock_timeout: &str) -> anyhow::Result<ConnectOptions> {
    let ms = crate::units::parse_duration(lock_timeout, "ms")
        .filter(|d| !d.is_zero())
        .map(|d| d.as_secs_f64() * 1000.0)
        .ok_or_else(|| anyhow::anyhow!("invalid --lock-timeout \"{lock_timeout}\": expected a duration such as 500ms or 5s"))?;
    Ok(ConnectOptions {
        read_only: false,
        prompt: super::prompt_mode(cli),
        settings: vec![
            ("lock_timeout", format!("{}ms", ms.round())),
            ("statement_timeout", "0".into()),
        ],
    })
}

/// The status a set of outcomes earns: a failure (and what it kept from running) is critical, a
/// locked relation skipped is a warning.
pub fn status_of(outcomes: &[Outcome]) -> Status {
    outcomes
        .iter()
        .map(|o| match o.status {
            JobStatus::Done => Status::Ok,
            // A job skipped for its dependency is as bad as why the dependency did not run: a
            // failed one is critical by itself, one skipped for a lock is a warning, and so is this.
            JobStatus::SkippedLocked
            | JobStatus::SkippedPrivilege
            | JobStatus::SkippedNotApplicable
            | JobStatus::SkippedBudget
            | JobStatus::SkippedDependency => Status::Warning,
            JobStatus::Failed | JobStatus::Cancelled => Status::Critical,
        })
        .max()
        .unwrap_or(Status::Ok)
}

/// A maintenance command's work, ready to print (--dry-run) or run.
pub struct Work {
    pub command: &'static str,
    pub target: crate::conninfo::Target,
    pub connect: ConnectOptions,
    pub scheduler: Scheduler,
    pub run: RunOptions,
    pub dry_run: bool,
    /// Adds what only the command knows to the outcomes once the run is over (reindex: sizes after).
    pub after_run: Option<AfterRun>,
    /// Candidates left alone before the run, with why (reindex: a table ANALYZE had to skip).
    pub skipped: Vec<Outcome>,
}

pub type AfterRun = Box<dyn FnOnce(&mut [Outcome]) -> anyhow::Result<()>>;

/// A `--schema` or `--table` glob that matches nothing is a mistake to report (exit 3), not an empty
/// run: `what` names the kinds of relation the command works on.
pub async fn check_scope(
    db: &crate::db::Db,
    scope: &crate::cli::ScopeArgs,
    kinds: &[&str],
    what: &str,
) -> anyhow::Result<()> {
    let unmatched = crate::db::maintain::unmatched_patterns(db, scope, kinds).await?;
    if let Some((flag, glob)) = unmatched.first() {
        let kind = if *flag == "--schema" { "schema" } else { what };
        // `--table public.orders`: the pattern is matched against names alone.
        let hint = match glob.split_once('.') {
            Some((schema, table))
                if *flag == "--table" && !schema.is_empty() && !table.is_empty() =>
            {
                format!(" (--table matches names without their schema: --schema {schema} --table {table})")
            }
            _ => String::new(),
        };
        anyhow::bail!("{flag} {glob} matches no {kind} in this database{hint}");
    }
    Ok(())
}

/// Prints the plan (--dry-run) or runs it, then renders the outcome.
pub fn execute(cli: &Cli, work: Work, out: &mut impl Write) -> anyhow::Result<Status> {
    let Work {
        command,
        target,
        connect,
        scheduler,
        mut run,
        dry_run,
        after_run,
        skipped,
    } = work;
    run.deadline = match (run.deadline, cli.step_deadline) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let format = render::choose_format(cli.output.format, &[Format::Table, Format::Json], command)?;
    if dry_run {
        let mut plan = Vec::new();
        for (level, jobs) in scheduler.planned_order() {
            for i in jobs {
                let j = scheduler.job(i);
                plan.push(PlannedJob {
                    level: level + 1,
                    relation: &j.relation,
                    reason: &j.reason,
                    statement: &j.statement,
                });
            }
        }
        // What the run would leave alone, and why, is part of what it would do.
        let left_alone: Vec<SkippedJob> = skipped
            .iter()
            .map(|o| SkippedJob {
                relation: &o.relation,
                status: o.status,
                reason: &o.reason,
            })
            .collect();
        match format {
            Format::Json => {
                #[derive(Serialize)]
                struct DryRun<'a> {
                    dry_run: bool,
                    plan: Vec<PlannedJob<'a>>,
                    skipped: Vec<SkippedJob<'a>>,
                }
                render::json(
                    command,
                    &DryRun {
                        dry_run: true,
                        plan,
                        skipped: left_alone,
                    },
                    out,
                )?
            }
            _ => render::jobs::plan(&plan, &left_alone, out)?,
        }
        return Ok(Status::Ok);
    }
    let server = target
        .hosts
        .first()
        .map(|h| h.describe())
        .unwrap_or_default();
    if scheduler.len() == 0 && skipped.is_empty() {
        match format {
            Format::Json => render::json(
                command,
                &RunReport {
                    server,
                    outcomes: vec![],
                    seconds: 0.0,
                    status: Status::Ok,
                },
                out,
            )?,
            _ => writeln!(out, "-- nothing to do")?,
        }
        return Ok(Status::Ok);
    }
    let started = Instant::now();
    let mut outcomes = if scheduler.len() == 0 {
        Vec::new()
    } else {
        db::runtime()?
            .block_on(async { jobs::run::run(&target, &connect, scheduler, &run).await })?
    };
    if let Some(after) = after_run {
        after(&mut outcomes)?;
    }
    outcomes.splice(0..0, skipped);
    let report = RunReport {
        server,
        status: status_of(&outcomes),
        seconds: started.elapsed().as_secs_f64(),
        outcomes,
    };
    match format {
        Format::Json => render::json(command, &report, out)?,
        _ => render::jobs::table(&report, &render::Style::detect(cli.output.no_color), out)?,
    }
    let cancelled = count_of(&report.outcomes, JobStatus::Cancelled);
    if cancelled > 0 {
        out.flush()?;
        anyhow::bail!(
            "interrupted: {} done, {cancelled} cancelled or not started; every statement pgtune had running was cancelled",
            count_of(&report.outcomes, JobStatus::Done)
        );
    }
    Ok(report.status)
}

fn count_of(outcomes: &[Outcome], status: JobStatus) -> usize {
    outcomes.iter().filter(|o| o.status == status).count()
}
