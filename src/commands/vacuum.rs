//! `pgtune vacuum`: a maintenance-window freeze (the tables with the oldest transaction IDs first, above
//! a minimum age, within a time budget: no table starts after it, and the running one is stopped at its
//! end), so anti-wraparound autovacuum does not fire at peak; and plain VACUUM (ANALYZE) of the tables
//! autovacuum has fallen behind on.

use std::time::Instant;

use anyhow::bail;

use super::maintenance;
use crate::cli::VacuumArgs;
use crate::context::Context;
use crate::db;
use crate::jobs::{run::RunOptions, Job, Scheduler};
use crate::model::jobs::JobsReport;
use crate::report::qualified;
use crate::scope::Filter;

pub fn run(ctx: &Context, args: &VacuumArgs) -> anyhow::Result<JobsReport> {
    if args.freeze == args.dead {
        bail!("say which vacuum: --freeze (oldest transaction IDs first, within --budget) or --dead (tables behind on dead tuples)");
    }
    let budget = args.budget.as_ref().map(|b| b.value);
    if args.min_age < 0 {
        bail!(
            "invalid --min-age {}: expected a number of transactions, 0 or more",
            args.min_age
        );
    }
    let connect = maintenance::session(ctx, &args.run.locking.lock_timeout);
    let target = ctx.target()?;
    let filter = Filter::new(&args.scope);
    let jobs: Vec<Job> = db::runtime()?.block_on(async {
        let reader = db::connect(&target, &ctx.read_only()).await?;
        maintenance::check_scope(
            &reader,
            &args.scope,
            &["r", "m"],
            "table or materialized view",
        )
        .await?;
        anyhow::Ok(if args.freeze {
            db::maintain::freeze_candidates(&reader, &filter, args.min_age)
                .await?
                .into_iter()
                .map(|c| {
                    let name = qualified(&c.schema, &c.name);
                    Job {
                        statement: crate::sql::statement::vacuum_freeze(&name),
                        relation: name,
                        reason: format!(
                            "oldest transaction ID {} old, multixact {}",
                            c.xid_age, c.mxid_age
                        ),
                        bytes: c.bytes,
                        priority: c.xid_age.max(c.mxid_age),
                        after: Vec::new(),
                    }
                })
                .collect()
        } else {
            db::maintain::dead_candidates(&reader, &filter)
                .await?
                .into_iter()
                .map(|c| {
                    let name = qualified(&c.schema, &c.name);
                    Job {
                        statement: crate::sql::statement::vacuum_analyze_skip_locked(&name),
                        relation: name,
                        reason: format!(
                            "{} dead tuples, over its threshold of {:.0}",
                            c.dead, c.threshold
                        ),
                        bytes: c.bytes,
                        priority: c.bytes,
                        after: Vec::new(),
                    }
                })
                .collect()
        })
    })?;
    let run = RunOptions {
        jobs: usize::from(args.run.jobs),
        lock_retries: 0,
        deadline: budget.map(|b| Instant::now() + b),
        progress: !ctx.output.quiet,
    };
    maintenance::execute(
        ctx,
        maintenance::Work {
            command: "vacuum",
            target,
            connect,
            scheduler: Scheduler::new(jobs),
            run,
            dry_run: args.run.change.dry_run,
            after_run: None,
            skipped: Vec::new(),
        },
    )
}
