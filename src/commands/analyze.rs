//! `pgtune analyze`: ANALYZE what needs it. By default the stale: changes since the last ANALYZE over
//! the table's autovacuum threshold, never analyzed, and partitioned parents (which autovacuum never
//! analyzes) whose partitions changed. Largest first over --jobs connections, SKIP_LOCKED and
//! lock_timeout so a locked table is skipped rather than waited for.

use std::io::Write;

use super::maintenance;
use crate::cli::{AnalyzeArgs, Cli};
use crate::db;
use crate::jobs::{run::RunOptions, Job, Scheduler};
use crate::outcome::Status;
use crate::report::qualified;
use crate::scope::Filter;

pub fn run(cli: &Cli, args: &AnalyzeArgs, out: &mut impl Write) -> anyhow::Result<Status> {
    let connect = maintenance::session(cli, &args.run.lock_timeout)?;
    let target = super::connect_target(cli)?;
    let filter = Filter::new(&args.scope);
    let candidates = db::runtime()?.block_on(async {
        // Selection only reads; the work runs on fresh connections.
        let reader = db::connect(&target, &super::read_only(cli)).await?;
        maintenance::check_scope(
            &reader,
            &args.scope,
            &["r", "m", "p"],
            "table, materialized view or partitioned table",
        )
        .await?;
        anyhow::Ok(db::maintain::analyze_candidates(&reader, &filter, args.all).await?)
    })?;
    let jobs: Vec<Job> = candidates
        .into_iter()
        .filter_map(|c| {
            let reason = match (c.stale_reason, args.all) {
                (Some(r), _) => r,
                (None, true) => "--all".to_string(),
                (None, false) => return None,
            };
            let name = qualified(&c.schema, &c.name);
            Some(Job {
                statement: format!("ANALYZE (SKIP_LOCKED) {name}"),
                relation: name,
                reason,
                bytes: c.bytes,
                priority: c.bytes,
                after: Vec::new(),
            })
        })
        .collect();
    let run = RunOptions {
        jobs: args.run.jobs.max(1),
        lock_retries: 0,
        deadline: None,
        progress: !cli.output.quiet,
    };
    maintenance::execute(
        cli,
        maintenance::Work {
            command: "analyze",
            target,
            connect,
            scheduler: Scheduler::new(jobs),
            run,
            dry_run: args.run.dry_run,
            after_run: None,
            skipped: Vec::new(),
        },
        out,
    )
}
