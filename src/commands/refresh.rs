//! `pgtune refresh`: refresh materialized views in dependency order (a view waits for the materialized
//! views it reads, directly or through plain views), independent ones in parallel. CONCURRENTLY when
//! the view is populated and has a usable unique index (auto), under lock_timeout with retries; a
//! failed view skips its dependents only.

use std::collections::HashMap;

use super::maintenance;
use crate::cli::{Concurrently, RefreshArgs};
use crate::context::Context;
use crate::db;
use crate::jobs::{run::RunOptions, Job, Scheduler};
use crate::model::jobs::JobsReport;
use crate::report::qualified;
use crate::scope::Filter;

pub fn run(ctx: &Context, args: &RefreshArgs) -> anyhow::Result<JobsReport> {
    let connect = maintenance::session(ctx, &args.run.locking.lock_timeout);
    let target = ctx.target()?;
    let filter = Filter::new(&args.scope);
    let views = db::runtime()?.block_on(async {
        let reader = db::connect(&target, &ctx.read_only()).await?;
        maintenance::check_scope(&reader, &args.scope, &["m"], "materialized view").await?;
        anyhow::Ok(db::maintain::materialized_views(&reader, &filter).await?)
    })?;
    let position: HashMap<i64, usize> = views.iter().enumerate().map(|(i, v)| (v.oid, i)).collect();
    let jobs: Vec<Job> = views
        .iter()
        .map(|v| {
            let name = qualified(&v.schema, &v.name);
            let concurrent_possible = v.populated && v.has_unique_index;
            let (concurrently, why) = match args.concurrently {
                Concurrently::Never => (false, "plain (--concurrently never)".to_string()),
                Concurrently::Always => (true, "concurrently (--concurrently always)".to_string()),
                Concurrently::Auto if concurrent_possible => (
                    true,
                    "concurrently: populated, with a unique index".to_string(),
                ),
                Concurrently::Auto if !v.populated => {
                    (false, "plain: not populated yet".to_string())
                }
                Concurrently::Auto => (
                    false,
                    "plain: no unique index usable for CONCURRENTLY".to_string(),
                ),
            };
            // Only the selected views order each other; a view outside the scope is not refreshed.
            let after: Vec<usize> = v
                .reads
                .iter()
                .filter_map(|oid| position.get(oid).copied())
                .collect();
            let reads: Vec<String> = after
                .iter()
                .map(|&i| qualified(&views[i].schema, &views[i].name))
                .collect();
            let reason = if reads.is_empty() {
                why
            } else {
                format!("{why}; after {}", reads.join(", "))
            };
            Job {
                statement: crate::sql::statement::refresh_materialized_view(&name, concurrently),
                relation: name,
                reason,
                bytes: v.bytes,
                priority: v.bytes,
                after,
            }
        })
        .collect();
    let run = RunOptions {
        jobs: usize::from(args.run.jobs),
        lock_retries: args.retries,
        deadline: None,
        progress: !ctx.output.quiet,
    };
    maintenance::execute(
        ctx,
        maintenance::Work {
            command: "refresh",
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
