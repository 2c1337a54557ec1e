//! `pgtune analyze`: ANALYZE what needs it. By default the stale: changes since the last ANALYZE over
//! the table's autovacuum threshold, never analyzed, and partitioned parents (which autovacuum never
//! analyzes) whose partitions changed. Largest first over --jobs connections, SKIP_LOCKED and
//! lock_timeout so a locked table is skipped rather than waited for.

use super::maintenance;
use crate::cli::AnalyzeArgs;
use crate::context::Context;
use crate::db;
use crate::jobs::{run::RunOptions, Job, Scheduler};
use crate::model::jobs::JobsReport;
use crate::report::qualified;
use crate::scope::Filter;

pub fn run(ctx: &Context, args: &AnalyzeArgs) -> anyhow::Result<JobsReport> {
    let connect = maintenance::session(ctx, &args.run.locking.lock_timeout);
    let target = ctx.target()?;
    let filter = Filter::new(&args.scope);
    let (candidates, version_num) = db::runtime()?.block_on(async {
        // Selection only reads; the work runs on fresh connections.
        let reader = db::connect(&target, &ctx.read_only()).await?;
        maintenance::check_scope(
            &reader,
            &args.scope,
            &["r", "m", "p"],
            "table, materialized view or partitioned table",
        )
        .await?;
        let window = db::report::usage_window(&reader).await?;
        anyhow::Ok((
            db::maintain::analyze_candidates(&reader, &filter, args.all, window.is_superuser)
                .await?,
            window.version_num,
        ))
    })?;
    // PostgreSQL 18 analyzes a partitioned table alone with ANALYZE ONLY; before, an ANALYZE of
    // a partitioned table analyzes every partition in its tree too.
    let analyze_only = version_num >= 180000;
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
            statement: statement(&name, c.partitioned && analyze_only),
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
    for (leaf, ancestors) in ancestors_of.clone() {
        let mut below = leaf;
        for ancestor in ancestors {
            let at = match jobs.iter().position(|j| j.relation == ancestor) {
                Some(at) => at,
                // Narrowed by --schema/--table: only what the scope names is analyzed.
                None if narrowed => break,
                None => {
                    jobs.push(Job {
                        statement: statement(&ancestor, analyze_only),
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
    if !analyze_only {
        jobs = covered_by_their_trees(jobs, &ancestors_of);
    }
    let run = RunOptions {
        jobs: usize::from(args.run.jobs),
        lock_retries: 0,
        deadline: None,
        progress: !ctx.output.quiet,
    };
    maintenance::execute(
        ctx,
        maintenance::Work {
            command: "analyze",
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

/// ANALYZE of a relation; `only` for a partitioned table on PostgreSQL 18+, where its partitions
/// are analyzed as jobs of their own.
fn statement(name: &str, only: bool) -> String {
    crate::sql::statement::analyze(name, true, only)
}

/// Before PostgreSQL 18 an ANALYZE of a partitioned table analyzes every partition in its tree:
/// a partition whose ancestor is analyzed in this run needs no job of its own (it would be
/// analyzed twice, or three times under two levels); the topmost ancestor analyzed covers all, and
/// says which of them needed it.
fn covered_by_their_trees(jobs: Vec<Job>, ancestors_of: &[(usize, Vec<String>)]) -> Vec<Job> {
    let planned: std::collections::HashSet<String> =
        jobs.iter().map(|j| j.relation.clone()).collect();
    // Each covered relation, with the topmost planned ancestor that covers it.
    let mut covered_by: Vec<(String, String)> = Vec::new();
    for (job, ancestors) in ancestors_of {
        let Some(top) = ancestors.iter().rposition(|a| planned.contains(a)) else {
            continue;
        };
        covered_by.push((jobs[*job].relation.clone(), ancestors[top].clone()));
        for below in &ancestors[..top] {
            covered_by.push((below.clone(), ancestors[top].clone()));
        }
    }
    let covered: std::collections::HashSet<&str> =
        covered_by.iter().map(|(c, _)| c.as_str()).collect();
    let why: std::collections::HashMap<&str, &str> = jobs
        .iter()
        .map(|j| (j.relation.as_str(), j.reason.as_str()))
        .collect();
    jobs.iter()
        .filter(|j| !covered.contains(j.relation.as_str()))
        .map(|j| {
            let mut j = j.clone();
            // Each kept job covers its whole tree: none waits for another (and `after` held
            // indexes into the list before filtering).
            j.after.clear();
            let mut below: Vec<String> = covered_by
                .iter()
                .filter(|(c, top)| *top == j.relation && why.contains_key(c.as_str()))
                .filter(|(c, _)| !why[c.as_str()].starts_with("its partitions are analyzed in this run"))
                .map(|(c, _)| format!("{c} ({})", why[c.as_str()]))
                .collect();
            below.sort();
            below.dedup();
            if !below.is_empty() {
                let own = if j.reason.starts_with("its partitions are analyzed in this run") {
                    String::new()
                } else {
                    format!("{}; ", j.reason)
                };
                j.reason = format!(
                    "{own}an ANALYZE of a partitioned table analyzes each of its partitions too (there is no ANALYZE ONLY before PostgreSQL 18), so this one also covers {}",
                    below.join(", ")
                );
            }
            j
        })
        .collect()
}
