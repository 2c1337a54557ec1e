//! `pgtune reindex`: rebuild indexes without blocking writes. Bloated B-tree indexes (estimated, then
//! confirmed: measured with pgstatindex when pgstattuple is installed, else re-estimated after a fresh
//! ANALYZE), invalid indexes, and named ones, each with REINDEX INDEX CONCURRENTLY; sizes before and
//! after. A plain, blocking REINDEX only with --allow-blocking.

use std::collections::BTreeMap;

use anyhow::bail;

use super::maintenance;
use crate::cli::ReindexArgs;
use crate::context::Context;
use crate::db::{self, Db};
use crate::health::thresholds::{parse_value, Kind};
use crate::jobs::{self, run::RunOptions, Job, JobStatus, Scheduler};
use crate::model::jobs::JobsReport;
use crate::report::qualified;
use crate::scope::Filter;
use crate::units::format_bytes;

/// An index to rebuild and why.
struct Pick {
    schema: String,
    name: String,
    reason: String,
    /// A failed REINDEX CONCURRENTLY's leftover: dropped, not rebuilt.
    drop: bool,
}

pub fn run(ctx: &Context, args: &ReindexArgs) -> anyhow::Result<JobsReport> {
    if !args.bloated && !args.invalid && args.indexes.is_empty() {
        bail!("say what to rebuild: --bloated, --invalid, or --index NAME");
    }
    let bloat_share = parse_value(Kind::Ratio, &args.bloat_percent)
        .map_err(|e| anyhow::anyhow!("invalid --bloat-percent: {e}"))?;
    let min_bytes = args.min_size.bytes;
    let connect = maintenance::session(ctx, &args.run.locking.lock_timeout);
    let target = ctx.target()?;
    let filter = Filter::new(&args.scope);
    let rt = db::runtime()?;
    let (picks, exclusion, sizes, skipped) = rt.block_on(async {
        let reader = db::connect(&target, &ctx.read_only()).await?;
        maintenance::check_scope(&reader, &args.scope, &["r", "m", "p"], "table").await?;
        let window = db::report::usage_window(&reader).await?;
        // Only invalid indexes are judged from the index list (--invalid, and an invalid
        // partitioned one named with --index); the bloated come from the estimate, and what the
        // picks are beyond that is asked of them alone below.
        let rows = db::report::indexes(
            &reader,
            &filter,
            window.version_num,
            db::report::IndexSelection::Invalid,
        )
        .await?;
        let mut picks: Vec<Pick> = Vec::new();
        let mut skipped = Vec::new();
        if args.invalid {
            for ix in rows
                .iter()
                .filter(|ix| !ix.is_valid && !ix.build_in_progress)
            {
                // REINDEX cannot make it valid: its partitions need their indexes attached.
                if ix.partitioned {
                    skipped.push(Skipped {
                        index: qualified(&ix.schema, &ix.name),
                        reason: PARTITIONED_INVALID.into(),
                        status: JobStatus::SkippedNotApplicable,
                    });
                    continue;
                }
                let leftover = ix.name.contains("_ccnew") || ix.name.ends_with("_ccold");
                // A unique build fails mostly on duplicate keys: a rebuild meets them again and
                // fails. Said, with the way out, rather than run to fail.
                if ix.is_unique && !leftover {
                    skipped.push(Skipped {
                        index: qualified(&ix.schema, &ix.name),
                        reason: "a unique index whose build failed: a rebuild meets the duplicate keys it failed on, unless they were removed; pgtune report invalid-indexes gives the drop and the rebuild (--index NAME rebuilds it anyway)".into(),
                        status: JobStatus::SkippedNotApplicable,
                    });
                    continue;
                }
                picks.push(Pick {
                    schema: ix.schema.clone(),
                    name: ix.name.clone(),
                    reason: if leftover {
                        "leftover of a failed REINDEX CONCURRENTLY".into()
                    } else {
                        "invalid (a failed concurrent build)".into()
                    },
                    drop: leftover,
                });
            }
        }
        if !args.indexes.is_empty() {
            let resolved = match db::maintain::resolve_indexes(&reader, &args.indexes).await {
                // One name PostgreSQL cannot parse fails them all: find it, and say how to write it.
                Err(e) if e.code.as_deref() == Some("42602") => {
                    for given in &args.indexes {
                        if db::maintain::resolve_indexes(&reader, std::slice::from_ref(given))
                            .await
                            .is_err()
                        {
                            bail!("--index {given}: {}", db::NAME_SYNTAX_HINT);
                        }
                    }
                    return Err(e.into());
                }
                other => other?,
            };
            for (given, found) in resolved {
                let Some((schema, name)) = found else {
                    bail!("--index {given}: no such index{}", db::unquoted_name_hint(&given))
                };
                // Named or not, REINDEX cannot make an invalid partitioned index valid.
                if rows
                    .iter()
                    .any(|ix| ix.schema == schema && ix.name == name && ix.partitioned && !ix.is_valid)
                {
                    skipped.push(Skipped {
                        index: qualified(&schema, &name),
                        reason: PARTITIONED_INVALID.into(),
                        status: JobStatus::SkippedNotApplicable,
                    });
                    continue;
                }
                picks.push(Pick {
                    schema,
                    name,
                    reason: "named with --index".into(),
                    drop: false,
                });
            }
        }
        if args.bloated {
            let (bloated, locked) = bloated(
                &reader,
                &filter,
                window.is_superuser,
                bloat_share,
                min_bytes,
                args.run.change.dry_run,
            )
            .await?;
            picks.extend(bloated);
            skipped.extend(locked);
        }
        // One job per index, whatever picked it.
        let mut seen = std::collections::HashSet::new();
        picks.retain(|p| seen.insert((p.schema.clone(), p.name.clone())));
        let names: Vec<String> = picks
            .iter()
            .map(|p| qualified(&p.schema, &p.name))
            .collect();
        let sizes: BTreeMap<String, Option<i64>> = db::maintain::index_sizes(&reader, &names)
            .await?
            .into_iter()
            .collect();
        let exclusion: std::collections::HashSet<String> =
            db::maintain::exclusion_indexes(&reader, &names)
                .await?
                .into_iter()
                .collect();
        anyhow::Ok((picks, exclusion, sizes, skipped))
    })?;

    let mut jobs = Vec::new();
    let mut bare_names: BTreeMap<String, String> = BTreeMap::new();
    for p in picks {
        let name = qualified(&p.schema, &p.name);
        bare_names.insert(name.clone(), p.name.clone());
        let before = sizes.get(&name).copied().flatten().unwrap_or(0);
        let statement = if p.drop {
            crate::sql::statement::drop_index(&name, true, false)
        } else if exclusion.contains(&name) {
            // PostgreSQL cannot rebuild an exclusion constraint's index concurrently.
            if !args.allow_blocking {
                tracing::warn!("{name} backs an exclusion constraint and cannot be rebuilt concurrently: left alone (--allow-blocking rebuilds it, blocking writes)");
                continue;
            }
            crate::sql::statement::reindex_index(&name, false)
        } else {
            crate::sql::statement::reindex_index(&name, true)
        };
        jobs.push(Job {
            statement,
            relation: name,
            reason: format!("{}; {}", p.reason, format_bytes(before)),
            bytes: before,
            priority: before,
            after: Vec::new(),
        });
    }
    let names: Vec<String> = jobs.iter().map(|j| j.relation.clone()).collect();
    let after_target = target.clone();
    let after_connect = ctx.read_only();
    let cleanup_connect = connect.clone();
    let after_run: maintenance::AfterRun = Box::new(move |outcomes| {
        let rt = db::runtime()?;
        // A failed concurrent rebuild (cancelled, timed out, its session ended) leaves an invalid
        // copy behind: dropped now, so a run never leaves anything half-done.
        let failed: Vec<usize> = (0..outcomes.len())
            .filter(|&i| {
                outcomes[i].status != JobStatus::Done
                    && crate::sql::statement::is_concurrent_reindex(&outcomes[i].statement)
            })
            .collect();
        if !failed.is_empty() {
            rt.block_on(async {
                let db = db::connect(&after_target, &cleanup_connect).await?;
                for i in failed {
                    let o = &mut outcomes[i];
                    let bare = bare_names.get(&o.relation).cloned().unwrap_or_default();
                    let note = drop_leftovers(&db, &o.relation, &bare).await;
                    if !note.is_empty() {
                        o.detail = Some(match o.detail.take() {
                            Some(d) => format!("{d}; {note}"),
                            None => note,
                        });
                    }
                }
                anyhow::Ok(())
            })?;
        }
        let after: BTreeMap<String, Option<i64>> = rt.block_on(async {
            let db = db::connect(&after_target, &after_connect).await?;
            anyhow::Ok(
                db::maintain::index_sizes(&db, &names)
                    .await?
                    .into_iter()
                    .collect(),
            )
        })?;
        // Sizes say what a rebuild did; one that did not run has nothing to say.
        for o in outcomes.iter_mut().filter(|o| o.status == JobStatus::Done) {
            let was = sizes.get(&o.relation).copied().flatten();
            let now = after.get(&o.relation).copied().flatten();
            let change = match (was, now) {
                (Some(b), Some(a)) => format!("{} -> {}", format_bytes(b), format_bytes(a)),
                (Some(b), None) => format!("{} -> dropped", format_bytes(b)),
                _ => continue,
            };
            o.detail = Some(match o.detail.take() {
                Some(d) => format!("{change}; {d}"),
                None => change,
            });
        }
        Ok(())
    });
    let run = RunOptions {
        jobs: usize::from(args.run.jobs),
        lock_retries: 0,
        deadline: None,
        progress: !ctx.output.quiet,
    };
    maintenance::execute(
        ctx,
        maintenance::Work {
            command: "reindex",
            target,
            connect,
            scheduler: Scheduler::new(jobs),
            run,
            dry_run: args.run.change.dry_run,
            after_run: Some(after_run),
            skipped: skipped
                .into_iter()
                .map(|s| {
                    jobs::Outcome::new(
                        &s.index,
                        &crate::sql::statement::reindex_index(&s.index, true),
                        &s.reason,
                        s.status,
                    )
                })
                .collect(),
        },
    )
}

/// Drops the invalid copies a failed `REINDEX INDEX CONCURRENTLY` of `index` left, each with `DROP
/// INDEX CONCURRENTLY` under the session's lock_timeout; says what it did (empty when nothing was left).
async fn drop_leftovers(db: &Db, index: &str, bare: &str) -> String {
    let leftovers = match db::maintain::reindex_leftovers(db, index, bare).await {
        Ok(l) => l,
        Err(e) => return format!("could not look for its invalid leftover: {}", e.message),
    };
    let mut notes = Vec::new();
    for (schema, name) in leftovers {
        let leftover = qualified(&schema, &name);
        let statement = crate::sql::statement::drop_index(&leftover, true, false);
        match db::runner::Runner::once(db, "reindex cleanup")
            .run(&[statement])
            .await
        {
            Ok(_) => notes.push(format!("its invalid leftover {leftover} was dropped")),
            Err(e) => notes.push(format!(
                "its invalid leftover {leftover} is still there ({}): pgtune reindex --invalid drops it",
                e.message()
            )),
        }
    }
    notes.join("; ")
}

/// B-tree indexes past the bloat share and size: estimated, then confirmed.
async fn bloated(
    db: &Db,
    filter: &Filter,
    superuser: bool,
    share: f64,
    min_bytes: i64,
    dry_run: bool,
) -> anyhow::Result<(Vec<Pick>, Vec<Skipped>)> {
    let over = |rows: &[crate::report::bloat::BloatRow]| -> Vec<(String, String, String, f64)> {
        rows.iter()
            .filter(|r| {
                r.kind == "index" && r.not_estimated.is_none() && r.actual_bytes >= min_bytes
            })
            .filter_map(|r| {
                let wasted = r
                    .measured_waste
                    .or_else(|| r.expected_bytes.map(|e| (r.actual_bytes - e).max(0)))?;
                let pct = wasted as f64 / r.actual_bytes.max(1) as f64;
                (pct >= share).then(|| {
                    (
                        r.schema.clone(),
                        r.table.clone(),
                        r.index.clone().unwrap_or_default(),
                        pct,
                    )
                })
            })
            .collect()
    };
    let estimated = over(&db::report::bloat_estimate(db, filter, superuser).await?);
    if estimated.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let mut locked: Vec<(String, String)> = Vec::new();
    // Confirm on just the candidates' tables.
    let only = Filter {
        schemas: Vec::new(),
        exclude_schemas: filter.exclude_schemas.clone(),
        tables: estimated
            .iter()
            .map(|(_, t, _, _)| format!("^{}$", regex_escape(t)))
            .collect(),
    };
    let (confirmed, how) = match db::report::pgstattuple_schema(db).await? {
        Some(schema) => (
            over(&db::report::bloat_exact(db, &only, &schema, min_bytes).await?),
            "measured with pgstatindex",
        ),
        // A dry run changes nothing, not even statistics: it shows the estimate unconfirmed.
        None if dry_run => {
            return Ok((estimated
                .into_iter()
                .map(|(s, _, i, pct)| Pick {
                    schema: s,
                    name: i,
                    reason: format!(
                        "{:.0}% bloat, estimated (a real run confirms it after an ANALYZE of the table)",
                        pct * 100.0
                    ),
                    drop: false,
                })
                .collect(), Vec::new()))
        }
        None => {
            // Fresh statistics first, so the estimate is not working from stale row counts. A
            // table locked elsewhere is skipped (the server warns), and so are its candidates.
            let mut analyzed = std::collections::HashSet::new();
            for (s, t, _, _) in &estimated {
                if !analyzed.insert((s, t)) {
                    continue;
                }
                db.take_notices();
                let analyze = crate::sql::statement::analyze(&qualified(s, t), true, false);
                db::runner::Runner::once(db, "analyze").run(&[analyze]).await?;
                if db
                    .take_notices()
                    .iter()
                    .any(|n| n.contains("skipping analyze"))
                {
                    locked.push((s.clone(), t.clone()));
                }
            }
            (
                over(&db::report::bloat_estimate(db, &only, superuser).await?),
                "estimated after a fresh ANALYZE",
            )
        }
    };
    let skipped = estimated
        .iter()
        .filter(|(s, t, _, _)| locked.iter().any(|(ls, lt)| ls == s && lt == t))
        .map(|(s, t, i, pct)| Skipped {
            status: JobStatus::SkippedLocked,
            index: qualified(s, i),
            reason: format!(
                "{:.0}% bloat, estimated; not confirmed: ANALYZE (SKIP_LOCKED) skipped its table {}, locked by another session",
                pct * 100.0,
                qualified(s, t)
            ),
        })
        .collect();
    let picks = estimated
        .into_iter()
        .filter_map(|(s, t, i, _)| {
            let (_, _, _, pct) = confirmed
                .iter()
                .find(|(cs, ct, ci, _)| *cs == s && *ct == t && *ci == i)?;
            Some(Pick {
                schema: s,
                name: i,
                reason: format!("{:.0}% bloat, {how}", pct * 100.0),
                drop: false,
            })
        })
        .collect();
    Ok((picks, skipped))
}

/// A candidate left alone before the run, and why.
/// Why an invalid partitioned index is left alone.
const PARTITIONED_INVALID: &str = "a partitioned index with partitions lacking an attached index: REINDEX cannot make it valid; pgtune report invalid-indexes gives the statements that build and attach them";

struct Skipped {
    index: String,
    reason: String,
    status: JobStatus,
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if "\\.+*?()[]{}|^$".contains(c) {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
}
