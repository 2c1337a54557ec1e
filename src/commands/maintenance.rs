//! What the maintenance commands share: the session they run in, running a schedule (or printing it
//! for --dry-run), and the exit status of the outcomes.

use std::time::Instant;

use crate::context::Context;
use crate::db::{self, ConnectOptions};
use crate::jobs::{self, run::RunOptions, JobStatus, Outcome, Scheduler};
use crate::model::jobs::{JobsPlan, JobsReport, JobsWork, PlannedJob, RunReport, SkippedJob};
use crate::outcome::Status;

/// A maintenance session: never waits on a lock longer than `--lock-timeout`, no statement timeout.
pub fn session(ctx: &Context, lock_timeout: &crate::cli::DurationArg) -> ConnectOptions {
    ctx.maintenance(lock_timeout.value)
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

/// The plan (--dry-run) or the run of it, as the command's report.
pub fn execute(ctx: &Context, work: Work) -> anyhow::Result<JobsReport> {
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
    run.deadline = match (run.deadline, ctx.deadline) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if dry_run {
        let mut plan = Vec::new();
        for (level, jobs) in scheduler.planned_order() {
            for i in jobs {
                let j = scheduler.job(i);
                let (schema, name) = crate::sql::quote::split_qualified(&j.relation);
                plan.push(PlannedJob {
                    level: level + 1,
                    relation: j.relation.clone(),
                    schema,
                    name,
                    reason: j.reason.clone(),
                    statement: j.statement.clone(),
                });
            }
        }
        // What the run would leave alone, and why, is part of what it would do.
        let skipped = skipped
            .into_iter()
            .map(|o| SkippedJob {
                relation: o.relation,
                schema: o.schema,
                name: o.name,
                status: o.status,
                reason: o.reason,
            })
            .collect();
        return Ok(JobsReport {
            command,
            work: JobsWork::Plan(JobsPlan {
                dry_run: true,
                session: connect.session_statements(),
                plan,
                skipped,
            }),
        });
    }
    let server = target
        .hosts
        .first()
        .map(|h| h.describe())
        .unwrap_or_default();
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
    let seconds = if outcomes.is_empty() {
        0.0
    } else {
        started.elapsed().as_secs_f64()
    };
    Ok(JobsReport {
        command,
        work: JobsWork::Ran(RunReport {
            server,
            status: status_of(&outcomes),
            seconds,
            outcomes,
        }),
    })
}
