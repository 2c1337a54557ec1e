//! `pgtune trends`: the latest snapshot against an earlier one (biggest growers, indexes unused in the
//! window, cache hit ratio, dead tuples, settings changed) and, with --capacity, a linear projection per
//! database and top tables over every snapshot, saying how many it rests on and how far to trust it.

use crate::cli::TrendsArgs;
use crate::context::Context;
use crate::db::{self, playbook as dbp};
use crate::model::trends::{
    Capacity, DeadChange, Growth, SettingChange, TrendsReport, UnusedIndex,
};
use crate::outcome::Status;
use crate::trends::project;

fn ratio(hit: i64, read: i64) -> Option<f64> {
    (hit + read > 0).then(|| 100.0 * hit as f64 / (hit + read) as f64)
}

pub fn run(ctx: &Context, args: &TrendsArgs) -> anyhow::Result<TrendsReport> {
    let since = args.since.value.as_secs_f64();
    let threshold = args
        .threshold
        .as_deref()
        .map(|t| {
            crate::guc::parse_memory_kb(t)
                .map(|kb| kb as i64 * 1024)
                .map_err(|e| anyhow::anyhow!("invalid --threshold \"{t}\": {e}"))
        })
        .transpose()?;
    let target = ctx.target()?;
    let report = db::runtime()?.block_on(async {
        let db = db::connect(&target, &ctx.read_only()).await?;
        let mut report = TrendsReport::default();
        let pair = if dbp::snapshots_exist(&db).await? { dbp::snapshot_pair(&db, since).await? } else { None };
        let Some(pair) = pair else {
            report.note = Some("fewer than two snapshots: `pgtune snapshot` (the daily playbook takes one) records them".into());
            return anyhow::Ok(report);
        };
        report.snapshots = pair.snapshots;
        report.from = Some(pair.earlier_at);
        report.to = Some(pair.latest_at);
        let window = (pair.latest_at - pair.earlier_at).num_seconds() as f64;
        if window < since {
            report.note = Some(format!(
                "the history covers {} of the {} asked for",
                crate::units::format_duration(std::time::Duration::from_secs_f64(window.max(0.0))),
                args.since
            ));
        }
        report.database_before_bytes = pair.earlier_bytes;
        report.database_after_bytes = pair.latest_bytes;
        let changes = dbp::table_changes(&db, pair.earlier_id, pair.latest_id).await?;
        report.dead_tuples_before = changes.iter().map(|c| c.dead_before).sum();
        report.dead_tuples_after = changes.iter().map(|c| c.dead_after).sum();
        let name = |c: &dbp::TableChange| crate::report::qualified(&c.schema, &c.table);
        let mut growers: Vec<&dbp::TableChange> = changes.iter().filter(|c| c.after_bytes > c.before_bytes).collect();
        growers.sort_by_key(|c| std::cmp::Reverse(c.after_bytes - c.before_bytes));
        report.growers = growers
            .into_iter()
            .take(args.top)
            .map(|c| Growth {
                table: name(c),
                schema: c.schema.clone(),
                table_name: c.table.clone(),
                before_bytes: c.before_bytes,
                after_bytes: c.after_bytes,
                growth_bytes: c.after_bytes - c.before_bytes,
                new: c.is_new,
            })
            .collect();
        let mut dead: Vec<&dbp::TableChange> = changes.iter().filter(|c| c.dead_after > c.dead_before).collect();
        dead.sort_by_key(|c| std::cmp::Reverse(c.dead_after - c.dead_before));
        report.dead_growers = dead
            .into_iter()
            .take(args.top)
            .map(|c| DeadChange {
                table: name(c),
                schema: c.schema.clone(),
                table_name: c.table.clone(),
                before: c.dead_before,
                after: c.dead_after,
            })
            .collect();
        report.unused_indexes = dbp::unused_in_window(&db, pair.earlier_id, pair.latest_id)
            .await?
            .into_iter()
            .take(args.top)
            .map(|u| UnusedIndex {
                index: crate::report::qualified(&u.schema, &u.index),
                table: crate::report::qualified(&u.schema, &u.table),
                schema: u.schema.clone(),
                index_name: u.index.clone(),
                table_name: u.table.clone(),
                bytes: u.bytes,
                newly: u.newly,
            })
            .collect();
        report.cache_hit_ratio = ratio(pair.hit, pair.read);
        if let Some((hit, read)) = dbp::previous_counters(&db, pair.earlier_id).await? {
            report.previous_cache_hit_ratio = ratio(pair.hit_before - hit, pair.read_before - read);
        }
        let mut names: Vec<&String> = pair.latest_settings.keys().chain(pair.earlier_settings.keys()).collect();
        names.sort();
        names.dedup();
        let text = |v: Option<&String>| v.cloned();
        report.settings_changed = names
            .into_iter()
            .filter(|n| pair.latest_settings.get(*n) != pair.earlier_settings.get(*n))
            .map(|n| SettingChange {
                name: n.clone(),
                before: text(pair.earlier_settings.get(n)),
                after: text(pair.latest_settings.get(n)),
            })
            .collect();
        if args.capacity {
            let disk = match (threshold, db.is_local()) {
                (Some(_), _) | (None, false) => None,
                (None, true) => dbp::data_directory(&db)
                    .await?
                    .and_then(|d| crate::sys::disk_space(std::path::Path::new(&d))),
            };
            report.capacity_limit = match (threshold, disk) {
                (Some(_), _) => args.threshold.clone(),
                (None, Some((total, _))) => Some(format!("the disk ({})", crate::units::format_bytes(total as i64))),
                (None, None) => None,
            };
            let series = dbp::size_series(&db, args.top as i64).await?;
            let mut groups: Vec<(String, Vec<(f64, i64)>)> = Vec::new();
            for (schema, table, at, bytes) in series {
                let key = match (schema, table) {
                    (Some(s), Some(t)) => crate::report::qualified(&s, &t),
                    _ => "database".to_string(),
                };
                match groups.last_mut() {
                    Some((k, points)) if *k == key => points.push((at, bytes)),
                    _ => groups.push((key, vec![(at, bytes)])),
                }
            }
            for (object, points) in groups {
                // The disk limits the database: its free space plus what the database holds now.
                let limit = match (threshold, disk) {
                    (Some(t), _) => Some(t),
                    (None, Some((_, available))) => {
                        let now = points.last().map(|p| p.1).unwrap_or(0);
                        Some(now + available as i64)
                    }
                    _ => None,
                };
                if let Some(projection) = project(&points, limit) {
                    // Too little history projects noise: no date, no warning.
                    let reaches_limit_on = projection
                        .days_to_limit
                        .filter(|_| projection.enough_history)
                        .map(|d| {
                            pair.latest_at
                                + chrono::Duration::seconds((d * 86_400.0).min(1e11) as i64)
                        });
                    if projection.enough_history
                        && projection.days_to_limit.is_some_and(|d| d <= 30.0)
                    {
                        report.status = Status::Warning;
                    }
                    let (schema, table_name) = if object == "database" {
                        (None, None)
                    } else {
                        let (s, t) = crate::sql::quote::split_qualified(&object);
                        (Some(s), Some(t))
                    };
                    report.capacity.push(Capacity {
                        object,
                        schema,
                        table_name,
                        projection,
                        reaches_limit_on,
                    });
                }
            }
        }
        anyhow::Ok(report)
    })?;
    Ok(report)
}
