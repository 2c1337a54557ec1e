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
    let mut jobs: Vec<Job> = Vec::new();
    let mut ancestors_of: Vec<(usize, Vec<String>)> = Vec::new();
    for c in &candidates {
        let reason = match (&c.stale_reason, args.all) {
            (Some(r), _) => r.clone(),
            (None, true) => "--all".to_string(),
            (None, false) => continue,
        };
        let name = qualified(&c.schema, &c.name);
        ancestors_of.push((jobs.len(), c.ancestors.clone()));
        jobs.push(Job {
            statement: format!("ANALYZE (SKIP_LOCKED) {name}"),
            relation: name,
            reason,
            bytes: c.bytes,
            priority: c.bytes,
            after: Vec::new(),
        });
    }
    // A partition analyzed now changes what its partitioned ancestors' statistics should say:
    // each follows all of its partitions analyzed in this run, so no second run is needed for it.
    let narrowed = !(args.scope.schemas.is_empty()
        && args.scope.exclude_schemas.is_empty()
        && args.scope.tables.is_empty());
    for (leaf, ancestors) in ancestors_of {
        let mut below = leaf;
        for ancestor in ancestors {
            let at = match jobs.iter().position(|j| j.relation == ancestor) {
                Some(at) => at,
                // Narrowed by --schema/--table: only what the scope names is analyzed.
                None if narrowed => break,
                None => {
                    jobs.push(Job {
                        statement: format!("ANALYZE (SKIP_LOCKED) {ancestor}"),
                        relation: ancestor.clone(),
                        reason: "its partitions are analyzed in this run (autovacuum never analyzes partitioned tables)".into(),
                        bytes: 0,
                        priority: 0,
                        after: Vec::new(),
                    });
                    jobs.len() - 1
                }
            };
            if !jobs[at].after.contains(&below) {
                jobs[at].after.push(below);
            }
            below = at;
        }
    }
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
