//! Bloat of tables and B-tree indexes: estimated from the catalog (default) or measured with
//! pgstattuple (`--exact`). Both give wasted bytes and percent; a relation is a warning or critical
//! only when both its percentage and its absolute waste pass the thresholds, so tiny tables with scary
//! percentages stay quiet. What the estimate cannot judge is listed with the reason.

use super::{qualified, Finding, NotEstimated, Section};
use crate::health::thresholds::Thresholds;
use crate::outcome::Status;
use crate::units::format_bytes;

/// A row of bloat_estimate.sql or bloat_exact.sql.
#[derive(Debug, Clone)]
pub struct BloatRow {
    /// "table" or "index".
    pub kind: String,
    pub oid: i64,
    pub schema: String,
    pub table: String,
    pub index: Option<String>,
    pub actual_bytes: i64,
    /// Estimated: what a freshly packed relation would take. Measured: None.
    pub expected_bytes: Option<i64>,
    /// Measured: what pgstattuple counts as free or dead. Estimated: None.
    pub measured_waste: Option<i64>,
    pub not_estimated: Option<String>,
}

pub fn evaluate(
    rows: &[BloatRow],
    exact: bool,
    version_num: i32,
    t: &Thresholds,
    min_bytes: i64,
) -> Section {
    let mut s = Section::new("bloat");
    s.notes.push(if exact {
        "measured with pgstattuple: pgstattuple_approx for tables, pgstatindex for B-tree indexes".into()
    } else {
        "estimated from statistics (run ANALYZE first for fresh numbers); --exact measures with pgstattuple".into()
    });
    let mut too_small = 0i64;
    for r in rows {
        if r.kind == "too-small" {
            too_small += r.actual_bytes;
            continue;
        }
        // Below --min-size, unless its size is not known at all (never vacuumed or analyzed):
        // that one is listed with why, never left out silently.
        let size_unknown = r
            .not_estimated
            .as_deref()
            .is_some_and(|n| n.starts_with("no statistics yet"));
        if r.actual_bytes < min_bytes && !size_unknown {
            continue;
        }
        let mut reason = r.not_estimated.clone();
        let wasted = match (r.measured_waste, r.expected_bytes) {
            (Some(w), _) => w,
            (None, Some(expected)) => {
                if r.kind == "index"
                    && version_num >= 130000
                    && expected as f64 > r.actual_bytes as f64 * 1.1
                {
                    reason = Some("smaller than the estimate allows: B-tree deduplication (PostgreSQL 13+) packs duplicates tighter than it assumes".into());
                }
                (r.actual_bytes - expected).max(0)
            }
            (None, None) => 0,
        };
        if let Some(reason) = reason {
            // Counted, not listed: on a catalog of many small tenants these are most of the
            // relations, and a list of them says nothing a count does not.
            if reason.starts_with("too small to judge") {
                too_small += 1;
                continue;
            }
            s.not_estimated.push(NotEstimated {
                schema: r.schema.clone(),
                table: r.table.clone(),
                index: r.index.clone(),
                reason,
            });
            continue;
        }
        let percent = if r.actual_bytes > 0 {
            wasted as f64 / r.actual_bytes as f64
        } else {
            0.0
        };
        if t.status("bloat_percent", percent) == Status::Ok {
            continue;
        }
        // Both the share and the absolute waste must pass a level.
        let level = t
            .status("bloat_percent", percent)
            .min(t.status("bloat_bytes", wasted as f64));
        let name = match &r.index {
            Some(i) => qualified(&r.schema, i),
            None => qualified(&r.schema, &r.table),
        };
        let how = if exact { "measured" } else { "estimated" };
        let (category, fix, tail) = match &r.index {
            Some(_) => (
                format!("index bloat ({how})"),
                format!("{};", crate::sql::statement::reindex_index(&name, true)),
                String::new(),
            ),
            None => (
                format!("table bloat ({how})"),
                format!("{};", crate::sql::statement::vacuum_full_analyze(&name)),
                "; VACUUM FULL blocks reads and writes while it rewrites the table (pg_repack does it online)".to_string(),
            ),
        };
        s.findings.push(Finding {
            category,
            level,
            schema: r.schema.clone(),
            table: r.table.clone(),
            index: r.index.clone(),
            bytes: r.actual_bytes,
            size: format_bytes(r.actual_bytes),
            evidence: format!(
                "{} of {} {how} wasted ({:.0}%){}{tail}",
                format_bytes(wasted),
                format_bytes(r.actual_bytes),
                percent * 100.0,
                if level == Status::Ok {
                    " (below the size that makes it worth acting on)"
                } else {
                    ""
                }
            ),
            fix: Some(fix),
            wasted_bytes: Some(wasted),
            wasted_percent: Some((percent * 1000.0).round() / 10.0),
        });
    }
    if too_small > 0 {
        s.notes.push(format!(
            "{too_small} relation(s) under 10 pages not judged: too small for an estimate to mean anything"
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(kind: &str, actual: i64, expected: Option<i64>, reason: Option<&str>) -> BloatRow {
        BloatRow {
            oid: 0,
            kind: kind.into(),
            schema: "public".into(),
            table: "t".into(),
            index: (kind == "index").then(|| "t_idx".to_string()),
            actual_bytes: actual,
            expected_bytes: expected,
            measured_waste: None,
            not_estimated: reason.map(Into::into),
        }
    }

    #[test]
    fn levels_need_share_and_size() {
        let t = Thresholds::default();
        const MB: i64 = 1024 * 1024;
        let s = evaluate(
            &[
                row("table", 100 * MB, Some(40 * MB), None),
                row("table", MB, Some(MB / 4), None),
                row("table", 100 * MB, Some(90 * MB), None),
                row("index", 10 * MB, Some(30 * MB), None),
                row(
                    "index",
                    10 * MB,
                    None,
                    Some("a gin index: only B-tree indexes are estimated"),
                ),
            ],
            false,
            160000,
            &t,
            0,
        );
        let got: Vec<(Status, Option<f64>)> = s
            .findings
            .iter()
            .map(|f| (f.level, f.wasted_percent))
            .collect();
        // 60% is past the critical share, but 60MB is only past the warning size.
        assert_eq!(
            got,
            vec![(Status::Warning, Some(60.0)), (Status::Ok, Some(75.0))]
        );
        assert_eq!(s.not_estimated.len(), 2, "deduplicated index and GIN index");
        assert!(s.not_estimated[0].reason.contains("deduplication"));
    }
}
