//! `pgtune purge`: deletes a log table's old rows in batches, each its own short transaction, so it
//! never holds long locks, never bloats the table in one go, and skips rows other sessions have locked.

use std::time::Instant;

use super::maintenance;
use crate::cli::PurgeArgs;
use crate::context::Context;
use crate::db::{self, playbook as dbp};
use crate::model::purge::{PurgeOutcome, PurgeReport};
use crate::outcome::Status;

pub fn run(ctx: &Context, args: &PurgeArgs) -> anyhow::Result<PurgeReport> {
    let targets: Vec<(String, String, String, i64)> =
        match (&args.table, &args.column, &args.older_than) {
            (Some(t), Some(c), Some(o)) => vec![(t.clone(), c.clone(), o.clone(), args.batch_size)],
            _ => match &args.using.profile {
                Some(p) => crate::profile::load(p)?
                    .purge
                    .into_iter()
                    .map(|p| {
                        (
                            p.table,
                            p.column,
                            p.older_than,
                            p.batch_size.unwrap_or(args.batch_size),
                        )
                    })
                    .collect(),
                None => vec![],
            },
        };
    let mut report = PurgeReport {
        dry_run: args.change.dry_run,
        rows: 0,
        targets: vec![],
        status: Status::Ok,
        interrupted: false,
    };
    if !targets.is_empty() {
        let connect = maintenance::session(ctx, &args.locking.lock_timeout);
        let target = ctx.target()?;
        let from_profile = args.table.is_none();
        let (targets, interrupted) = db::runtime()?.block_on(async {
            let db = db::connect(&target, &connect).await?;
            // Every target is checked before anything is deleted: a typo is bad input (exit 3),
            // not a finding, and never leaves half the purges done.
            for (table, column, older_than, _) in &targets {
                if let Some(why) = target_refusal(&db, table, column, older_than).await? {
                    let origin = if from_profile {
                        format!(" ([[purge]] of profile {})", args.using.profile.as_deref().unwrap_or_default())
                    } else {
                        String::new()
                    };
                    anyhow::bail!("cannot purge {table}{origin}: {why}");
                }
            }
            let pid = db::schema::backend_pid(&db).await?;
            let interrupt = db::cancel::Interrupt::install()?;
            let work = async {
                let mut outcomes = Vec::new();
                for (table, column, older_than, batch) in targets {
                    if interrupt.raised() {
                        break;
                    }
                    let mut outcome =
                        purge_one(&db, &table, &column, &older_than, batch, args.change.dry_run, ctx.deadline).await;
                    if interrupt.raised() {
                        outcome.status = Status::Critical;
                        outcome.detail = Some(format!(
                            "interrupted: its running batch was cancelled; {} rows deleted in {} committed batches before",
                            outcome.rows, outcome.batches
                        ));
                    }
                    outcomes.push(outcome);
                    if db.is_closed() {
                        anyhow::bail!("lost the connection to {} while purging {table}", db.server);
                    }
                }
                anyhow::Ok(outcomes)
            };
            let outcomes =
                db::cancel::on_interrupt(&target, &connect, &[pid], &interrupt, || {}, work).await?;
            anyhow::Ok((outcomes, interrupt.raised()))
        })?;
        report.targets = targets;
        report.interrupted = interrupted;
    }
    report.status = report
        .targets
        .iter()
        .map(|t| t.status)
        .max()
        .unwrap_or(Status::Ok);
    report.rows = report.targets.iter().map(|t| t.rows).sum();
    Ok(report)
}

/// Why a purge target cannot be purged: no such table, no such column, not a timestamp, or an
/// interval PostgreSQL does not read.
async fn target_refusal(
    db: &db::Db,
    table: &str,
    column: &str,
    older_than: &str,
) -> anyhow::Result<Option<String>> {
    let found = match dbp::purge_target(db, table, column).await {
        Err(e) if e.code.as_deref() == Some("42602") => {
            return Ok(Some(crate::db::NAME_SYNTAX_HINT.into()))
        }
        Err(e) if e.code.as_deref().is_some_and(|c| c.starts_with("42")) => {
            return Ok(Some(e.message))
        }
        other => other?,
    };
    let why = match found {
        None => Some(format!(
            "no such table{}",
            crate::db::unquoted_name_hint(table)
        )),
        Some((_, _, None)) => Some(format!("it has no column {column}")),
        Some((s, n, Some(kind))) if !(kind.starts_with("timestamp") || kind == "date") => Some(
            format!("column {column} of {s}.{n} is {kind}, not a timestamp or date"),
        ),
        Some(_) => dbp::purge_interval_refusal(db, older_than).await?,
    };
    Ok(why)
}

async fn purge_one(
    db: &db::Db,
    table: &str,
    column: &str,
    older_than: &str,
    batch: i64,
    dry_run: bool,
    // A playbook step's deadline: no batch starts after it.
    deadline: Option<Instant>,
) -> PurgeOutcome {
    let started = Instant::now();
    let mut outcome = PurgeOutcome {
        table: table.to_string(),
        schema: None,
        table_name: None,
        column: column.to_string(),
        older_than: older_than.to_string(),
        batch_size: batch,
        rows: 0,
        batches: 0,
        seconds: 0.0,
        status: Status::Ok,
        detail: None,
        statement: String::new(),
    };
    let fail = |mut o: PurgeOutcome, why: String| {
        o.status = Status::Critical;
        o.detail = Some(why);
        o.seconds = started.elapsed().as_secs_f64();
        o
    };
    let (schema, name) = match dbp::purge_target(db, table, column).await {
        Err(e) => return fail(outcome, e.message),
        Ok(None) => return fail(outcome, format!("table {table} does not exist")),
        Ok(Some((_, _, None))) => {
            return fail(outcome, format!("table {table} has no column {column}"))
        }
        Ok(Some((s, n, Some(kind)))) if !(kind.starts_with("timestamp") || kind == "date") => {
            return fail(
                outcome,
                format!(
                    "column {column} of {}.{} is {kind}, not a timestamp or date",
                    s, n
                ),
            )
        }
        Ok(Some((s, n, Some(_)))) => (s, n),
    };
    outcome.table = crate::report::qualified(&schema, &name);
    outcome.schema = Some(schema.clone());
    outcome.table_name = Some(name.clone());
    outcome.statement = dbp::purge_statement(&schema, &name, column);
    if dry_run {
        return match dbp::purge_count(db, &schema, &name, column, older_than).await {
            Ok(rows) => PurgeOutcome {
                rows,
                seconds: started.elapsed().as_secs_f64(),
                ..outcome
            },
            Err(e) => fail(outcome, e.message),
        };
    }
    loop {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            outcome.status = Status::Warning;
            outcome.detail =
                Some("stopped at the step's timeout; the rest is left for the next run".into());
            break;
        }
        match dbp::purge_batch(db, &outcome.statement, older_than, batch).await {
            Ok(deleted) => {
                outcome.batches += 1;
                outcome.rows += deleted as i64;
                if (deleted as i64) < batch {
                    break;
                }
            }
            // As analyze, vacuum and reindex do: a table another session holds is skipped after
            // one lock_timeout (a warning), and left for the next run.
            Err(e) if e.is_lock_timeout() => {
                outcome.status = Status::Warning;
                outcome.detail = Some(format!(
                    "skipped: locked by another session ({}); {} rows deleted in {} batches before, the rest is left for the next run",
                    e.message, outcome.rows, outcome.batches
                ));
                break;
            }
            Err(e) => {
                let done = format!(
                    "{} rows deleted in {} batches before: {}",
                    outcome.rows, outcome.batches, e.message
                );
                return fail(outcome, done);
            }
        }
    }
    outcome.seconds = started.elapsed().as_secs_f64();
    outcome
}
