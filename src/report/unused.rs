//! Unused indexes: no scan since the statistics began, summed over the primary and any standbys
//! given (usage on a read replica is invisible on the primary). Indexes that back a primary key,
//! unique or exclusion constraint, or the replica identity are never proposed; unique indexes and
//! those that support a foreign key are listed for review instead.

use chrono::{DateTime, Utc};

use super::{drop_index, index_finding, IndexRow, Section};
use crate::outcome::Status;
use crate::units::{format_bytes, format_duration};

/// How long usage has been counted.
#[derive(Debug, Clone)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub now: DateTime<Utc>,
    /// What the start is: "statistics reset", "server start".
    pub since: &'static str,
}

impl Window {
    /// PostgreSQL up to 14 lost statistics on every restart; from 15 only on a crash or a reset.
    pub fn new(
        stats_reset: Option<DateTime<Utc>>,
        started_at: DateTime<Utc>,
        version_num: i32,
        now: DateTime<Utc>,
    ) -> Window {
        let (start, since) = match stats_reset {
            Some(reset) if version_num >= 150000 || reset > started_at => {
                (reset, "statistics reset")
            }
            _ => (started_at, "server start"),
        };
        Window { start, now, since }
    }

    pub fn length(&self) -> std::time::Duration {
        (self.now - self.start).to_std().unwrap_or_default()
    }
}

pub fn evaluate(
    rows: &[IndexRow],
    window: &Window,
    min_window: std::time::Duration,
    min_bytes: i64,
    replicas: usize,
) -> Section {
    let mut s = Section::new("unused-indexes");
    let premature = window.length() < min_window;
    let observed = format!(
        "since {} {} ({}{})",
        window.since,
        window.start.format("%Y-%m-%d %H:%M UTC"),
        format_duration(window.length()),
        if replicas > 0 {
            format!(", summed over the primary and {replicas} standby(s)")
        } else {
            String::new()
        }
    );
    s.notes.push(format!("usage counted {observed}"));
    if premature {
        s.notes.push(format!(
            "premature: only {} of statistics, less than --min-window {}; an index used weekly or monthly may look unused",
            format_duration(window.length()),
            format_duration(min_window)
        ));
    }
    if replicas == 0 {
        s.notes.push(
            "usage on standbys is not counted: add --replica CONNINFO for each read replica".into(),
        );
    }
    let candidates: Vec<&IndexRow> = rows
        .iter()
        .filter(|ix| {
            ix.is_valid && !ix.build_in_progress && ix.idx_scan == 0 && ix.bytes >= min_bytes
        })
        .filter(|ix| {
            ix.constraint.is_none() && !ix.is_primary && !ix.is_exclusion && !ix.is_replica_identity
        })
        // Judged through its parent: PostgreSQL refuses to drop an attached partition's index.
        .filter(|ix| !ix.attached)
        .collect();
    // Copies and indexes serving one foreign key are always on one table: compared within it, so
    // the cost follows the indexes per table, not the catalog squared.
    let mut by_table: std::collections::HashMap<(&str, &str), Vec<&IndexRow>> =
        std::collections::HashMap::new();
    for ix in &candidates {
        by_table
            .entry((ix.schema.as_str(), ix.table.as_str()))
            .or_default()
            .push(ix);
    }
    for ix in &candidates {
        let same_table = &by_table[&(ix.schema.as_str(), ix.table.as_str())];
        let last = match ix.last_idx_scan {
            Some(t) => format!("; last scan {}", t.format("%Y-%m-%d")),
            None => String::new(),
        };
        let evidence = format!(
            "0 scans {observed}; {} tuples read{last}; {} on a {} table",
            ix.idx_tup_read,
            format_bytes(ix.bytes),
            format_bytes(ix.table_bytes)
        );
        // Of unused copies of one index, or of unused indexes serving one foreign key, one stays:
        // dropping all of them would lose what one of them gives.
        let duplicates: Vec<&&IndexRow> = same_table
            .iter()
            .filter(|other| other.oid != ix.oid && super::duplicates::exact(ix, other))
            .collect();
        let same_fk: Vec<&&IndexRow> = match &ix.supports_fk {
            Some(fk) => same_table
                .iter()
                .filter(|o| {
                    o.oid != ix.oid
                        && o.schema == ix.schema
                        && o.table == ix.table
                        && o.supports_fk.as_deref() == Some(fk.as_str())
                })
                .collect(),
            None => vec![],
        };
        let kept_duplicate = duplicates
            .iter()
            .copied()
            .chain(std::iter::once(ix))
            .max_by_key(|d| super::duplicates::keep_rank(d));
        // The index kept for a foreign key: the smallest that serves it (ties: the older).
        let kept_for_fk = same_fk
            .iter()
            .copied()
            .chain(std::iter::once(ix))
            .min_by_key(|d| (d.bytes, d.oid));
        let (category, fix, why) = if !duplicates.is_empty()
            && kept_duplicate.is_some_and(|k| k.oid != ix.oid)
        {
            let kept = kept_duplicate.expect("checked above");
            (
                "unused, exact duplicate",
                Some(drop_index(ix)),
                format!(
                    "; an exact duplicate of {}, which is kept",
                    kept.qualified()
                ),
            )
        } else if !duplicates.is_empty() {
            (
                "unused, its duplicate dropped: review",
                None,
                format!(
                    "; its exact duplicate(s) {} are proposed for dropping, so this copy stays: judge it after",
                    duplicates.iter().map(|d| d.qualified()).collect::<Vec<_>>().join(", ")
                ),
            )
        } else if ix.is_unique {
            ("unused unique: review", None, String::new())
        } else if !same_fk.is_empty() && kept_for_fk.is_some_and(|k| k.oid != ix.oid) {
            let kept = kept_for_fk.expect("checked above");
            (
                if premature {
                    "unused (premature), another serves its foreign key"
                } else {
                    "unused, another serves its foreign key"
                },
                Some(drop_index(ix)),
                format!(
                    "; {} serves the same foreign key and is smaller, and is kept",
                    kept.qualified()
                ),
            )
        } else if ix.supports_fk.is_some() {
            (
                "unused, supports a foreign key: review",
                None,
                if same_fk.is_empty() {
                    String::new()
                } else {
                    "; kept for the foreign key: the smallest of the unused indexes serving it"
                        .into()
                },
            )
        } else if premature {
            ("unused (premature)", Some(drop_index(ix)), String::new())
        } else {
            ("unused", Some(drop_index(ix)), String::new())
        };
        let evidence = format!("{evidence}{why}");
        let evidence = if ix.partitioned {
            format!("{evidence}; a partitioned index: scans and size summed over its partitions' indexes; PostgreSQL cannot drop it CONCURRENTLY, so DROP INDEX holds an ACCESS EXCLUSIVE lock on the table and each partition while it runs (briefly)")
        } else {
            evidence
        };
        let evidence = match (&ix.supports_fk, ix.is_unique) {
            (_, true) => format!("{evidence}; unique: dropping it removes a uniqueness guarantee"),
            (Some(fk), false) if fix.is_none() => format!(
                "{evidence}; it serves foreign key {}: without it, deletes on the referenced table scan this one",
                crate::sql::quote::quote_ident(fk)
            ),
            _ => evidence,
        };
        let level = if fix.is_some() {
            Status::Warning
        } else {
            Status::Ok
        };
        s.findings
            .push(index_finding(ix, category, level, evidence, fix));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::testing::index;
    use super::*;
    use chrono::TimeZone;

    fn window(days: i64) -> Window {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
        Window::new(
            Some(now - chrono::Duration::days(days)),
            now - chrono::Duration::days(400),
            160000,
            now,
        )
    }

    #[test]
    fn only_droppable_indexes_get_a_drop() {
        let plain = index("plain_idx", &[2]);
        let mut used = index("used_idx", &[3]);
        used.idx_scan = 5;
        let mut pk = index("t_pkey", &[1]);
        pk.is_primary = true;
        pk.is_unique = true;
        pk.constraint = Some("t_pkey".into());
        let mut uniq = index("uniq_idx", &[4]);
        uniq.is_unique = true;
        let mut fk = index("fk_idx", &[5]);
        fk.supports_fk = Some("t_parent_fkey".into());
        let mut ri = index("ri_idx", &[6]);
        ri.is_replica_identity = true;
        let s = evaluate(
            &[plain, used, pk, uniq, fk, ri],
            &window(30),
            std::time::Duration::from_secs(7 * 86400),
            0,
            0,
        );
        let got: Vec<(&str, &str, bool)> = s
            .findings
            .iter()
            .map(|f| {
                (
                    f.index.as_deref().unwrap(),
                    f.category.as_str(),
                    f.fix.is_some(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("plain_idx", "unused", true),
                ("uniq_idx", "unused unique: review", false),
                ("fk_idx", "unused, supports a foreign key: review", false),
            ]
        );
        assert_eq!(
            s.findings[0].fix.as_deref(),
            Some("DROP INDEX CONCURRENTLY IF EXISTS public.plain_idx;")
        );
    }

    #[test]
    fn a_short_window_is_premature() {
        let s = evaluate(
            &[index("plain_idx", &[2])],
            &window(2),
            std::time::Duration::from_secs(7 * 86400),
            0,
            0,
        );
        assert_eq!(s.findings[0].category, "unused (premature)");
        assert!(s.notes.iter().any(|n| n.starts_with("premature")));
        assert_eq!(s.worst(), Status::Warning);
    }

    #[test]
    fn windows_follow_the_version() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
        let reset = now - chrono::Duration::days(30);
        let start = now - chrono::Duration::days(2);
        assert_eq!(
            Window::new(Some(reset), start, 140000, now).since,
            "server start",
            "14 loses stats on restart"
        );
        assert_eq!(
            Window::new(Some(reset), start, 150000, now).since,
            "statistics reset"
        );
        assert_eq!(Window::new(None, start, 160000, now).start, start);
    }
}
