//! `pgtune report`: index and bloat reports. Read-only, one catalog query per report, a short
//! lock_timeout so a locked catalog never hangs it; findings carry the SQL that would fix them.

use std::collections::HashMap;

use anyhow::bail;

use crate::cli::{FailOn, ReportArgs, ReportKind};
use crate::context::Context;
use crate::db::{self, ConnectOptions, Db};
use crate::health::thresholds::Thresholds;
use crate::model::report::ReportOutput;
use crate::outcome::Status;
use crate::report::{self, bloat, duplicates, fk, unused, Section};
use crate::scope::Filter;

pub fn run(ctx: &Context, args: &ReportArgs) -> anyhow::Result<ReportOutput> {
    let min_bytes = args.min_size.as_ref().map_or(0, |s| s.bytes);
    let min_window = args.min_window.value;
    let thresholds = match &args.using.profile {
        Some(p) => crate::profile::load(p)?.thresholds,
        None => Thresholds::default(),
    };
    let filter = Filter::new(&args.scope);
    let env = crate::conninfo::Env::from_process();
    let replica_targets = args
        .replicas
        .iter()
        .map(|r| {
            let conn = crate::cli::ConnArgs {
                dbname: Some(r.clone()),
                ..ctx.conn.clone()
            };
            crate::conninfo::resolve(&conn, &env).map_err(|e| anyhow::anyhow!("--replica: {e}"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;

    let target = ctx.target()?;
    let opts = ctx.read_only_within(std::time::Duration::from_secs(300));
    let kinds: Vec<ReportKind> = match args.kind {
        ReportKind::All => vec![
            ReportKind::UnusedIndexes,
            ReportKind::DuplicateIndexes,
            ReportKind::InvalidIndexes,
            ReportKind::FkWithoutIndex,
            ReportKind::Bloat,
        ],
        k => vec![k],
    };
    let output = db::runtime()?.block_on(async {
        let db = db::connect(&target, &opts).await?;
        // A --schema or --table that matches nothing is a mistake (exit 3), never a clean report:
        // in a CI gate a typo would pass.
        super::maintenance::check_scope(
            &db,
            &args.scope,
            &["r", "p", "m"],
            "table, partitioned table or materialized view",
        )
        .await?;
        let window = db::report::usage_window(&db).await?;
        let needs_indexes = kinds.iter().any(|k| {
            matches!(
                k,
                ReportKind::UnusedIndexes
                    | ReportKind::DuplicateIndexes
                    | ReportKind::InvalidIndexes
            )
        });
        let mut indexes = if needs_indexes {
            // A report alone reads only what its findings can come from.
            let selection = match kinds.as_slice() {
                [ReportKind::InvalidIndexes] => db::report::IndexSelection::Invalid,
                [ReportKind::DuplicateIndexes] => db::report::IndexSelection::SharingALeadingKey,
                // Scans on a standby are added to the primary's: the primary's unscanned ones are
                // still the only candidates (a standby's scans can only take some away).
                [ReportKind::UnusedIndexes] => db::report::IndexSelection::Unscanned,
                _ => db::report::IndexSelection::All,
            };
            db::report::indexes(&db, &filter, window.version_num, selection).await?
        } else {
            Vec::new()
        };
        if kinds.contains(&ReportKind::DuplicateIndexes) {
            // Column names only for the indexes a duplicate finding can name.
            let involved = duplicates::involved(&indexes);
            db::report::index_column_names(&db, &mut indexes, &involved).await?;
        }
        let mut sections = Vec::new();
        for kind in &kinds {
            sections.push(match kind {
                ReportKind::UnusedIndexes => {
                    let w = unused::Window::new(
                        window.stats_reset,
                        window.started_at,
                        window.version_num,
                        chrono::Utc::now(),
                    );
                    // A copy only when standbys' scans are added (the other reports judge the
                    // primary's own): at 400,000 indexes the copy is most of the memory.
                    if replica_targets.is_empty() {
                        unused::evaluate(&indexes, &w, min_window, min_bytes, 0)
                    } else {
                        let mut rows = indexes.clone();
                        add_replica_usage(&mut rows, &replica_targets, &opts).await?;
                        unused::evaluate(&rows, &w, min_window, min_bytes, replica_targets.len())
                    }
                }
                ReportKind::DuplicateIndexes => duplicates::evaluate(&indexes, min_bytes),
                ReportKind::InvalidIndexes => {
                    let prefixes = report::invalid_name_prefixes(&indexes);
                    report::invalid(&indexes, db::report::taken_names(&db, &prefixes).await?)
                }
                ReportKind::FkWithoutIndex => {
                    let mut keys = db::report::fk_without_index(&db, &filter).await?;
                    let unknown: Vec<i64> = keys
                        .iter()
                        .filter(|k| !k.size_known)
                        .map(|k| k.oid)
                        .collect();
                    if let Some(sizes) = db::report::disk_sizes(&db, &unknown).await? {
                        for k in keys.iter_mut().filter(|k| !k.size_known) {
                            k.table_bytes = sizes.get(&k.oid).copied().unwrap_or(0);
                        }
                    }
                    let taken = db::report::taken_names(&db, &fk::name_prefixes(&keys)).await?;
                    fk::evaluate(&keys, min_bytes, taken)
                }
                ReportKind::Bloat => {
                    bloat_section(&db, &filter, args.exact, &window, &thresholds, min_bytes).await?
                }
                ReportKind::All => unreachable!("expanded above"),
            });
        }
        let rebuilt: Vec<(String, String)> = sections
            .iter()
            .filter(|s| s.report == "bloat")
            .flat_map(|s| s.findings.iter())
            .filter_map(|f| f.index.clone().map(|i| (f.schema.clone(), i)))
            .collect();
        let ancestors = db::report::index_ancestors(&db, &rebuilt).await?;
        agree_across_sections(&mut sections, &ancestors);
        let database = target.dbname.clone();
        anyhow::Ok(ReportOutput {
            server: db.server.clone(),
            database,
            status: sections
                .iter()
                .map(Section::worst)
                .max()
                .unwrap_or(Status::Ok),
            sections,
            fail_on_critical: args.fail_on == FailOn::Critical,
        })
    })?;
    Ok(output)
}

async fn bloat_section(
    db: &Db,
    f: &Filter,
    exact: bool,
    window: &db::report::UsageWindow,
    t: &Thresholds,
    min_bytes: i64,
) -> anyhow::Result<Section> {
    let version_num = window.version_num;
    let rows = if exact {
        let Some(schema) = db::report::pgstattuple_schema(db).await? else {
            bail!("pgtune report bloat --exact needs the pgstattuple extension in this database: CREATE EXTENSION pgstattuple");
        };
        db::report::bloat_exact(db, f, &schema, min_bytes).await.map_err(|e| {
            if e.is_privilege() {
                anyhow::anyhow!("pgtune report bloat --exact needs superuser or the pg_stat_scan_tables role: {}", e.message)
            } else {
                e.into()
            }
        })?
    } else {
        let mut rows = db::report::bloat_estimate(db, f, window.is_superuser).await?;
        measure_unknown(db, &mut rows).await?;
        rows
    };
    Ok(bloat::evaluate(&rows, exact, version_num, t, min_bytes))
}

/// The sections of one run give one plan: an index another section proposes to drop gets no
/// REINDEX from bloat (rebuilding what is about to go is wasted work), only a note saying so; nor
/// does a partition of one (`ancestors`: which partitioned indexes each is a partition of), which
/// the drop takes with it, so its REINDEX would fail once the fixes run in order.
fn agree_across_sections(sections: &mut [Section], ancestors: &[db::report::Ancestry]) {
    let dropped: std::collections::HashSet<(String, String)> = sections
        .iter()
        .filter(|s| s.report != "bloat")
        .flat_map(|s| s.findings.iter())
        .filter(|f| {
            f.fix
                .as_deref()
                .is_some_and(crate::sql::statement::is_drop_index)
        })
        .filter_map(|f| f.index.clone().map(|i| (f.schema.clone(), i)))
        .collect();
    for s in sections.iter_mut().filter(|s| s.report == "bloat") {
        for f in s.findings.iter_mut() {
            let Some(index) = &f.index else { continue };
            let key = (f.schema.clone(), index.clone());
            if dropped.contains(&key) {
                f.fix = None;
                f.evidence
                    .push_str("; another report in this run proposes dropping it: drop it rather than rebuild it");
            } else if let Some((_, (schema, parent))) = ancestors
                .iter()
                .find(|(of, above)| *of == key && dropped.contains(above))
            {
                f.fix = None;
                f.evidence.push_str(&format!(
                    "; another report in this run proposes dropping {}, which it is a partition of and which takes it along: nothing to rebuild",
                    crate::report::qualified(schema, parent)
                ));
            }
        }
    }
}

/// A relation never vacuumed nor analyzed gets its size on disk, so "no statistics yet" says how
/// much is unknown (and --min-size can judge it).
async fn measure_unknown(db: &Db, rows: &mut [bloat::BloatRow]) -> anyhow::Result<()> {
    let unknown = |r: &bloat::BloatRow| {
        r.not_estimated
            .as_deref()
            .is_some_and(|n| n.starts_with("no statistics yet"))
    };
    let oids: Vec<i64> = rows.iter().filter(|r| unknown(r)).map(|r| r.oid).collect();
    if let Some(sizes) = db::report::disk_sizes(db, &oids).await? {
        for r in rows.iter_mut().filter(|r| unknown(r)) {
            if let Some(&bytes) = sizes.get(&r.oid) {
                r.actual_bytes = bytes;
                r.not_estimated = Some(format!(
                    "no statistics yet (never vacuumed or analyzed; {} on disk): run ANALYZE",
                    crate::units::format_bytes(bytes)
                ));
            }
        }
    }
    Ok(())
}

/// Adds each standby's index scans to the primary's, matched by schema and index name.
async fn add_replica_usage(
    rows: &mut [report::IndexRow],
    replicas: &[crate::conninfo::Target],
    opts: &ConnectOptions,
) -> anyhow::Result<()> {
    for target in replicas {
        let db = db::connect(target, opts)
            .await
            .map_err(|e| anyhow::anyhow!("--replica: {e}"))?;
        let usage: HashMap<(String, String), i64> = db::report::replica_usage(&db).await?;
        for ix in rows.iter_mut() {
            if let Some(scans) = usage.get(&(ix.schema.clone(), ix.name.clone())) {
                ix.idx_scan += scans;
            }
        }
    }
    Ok(())
}
