//! Duplicate and redundant indexes, from structured catalog data (method, key columns, operator
//! classes, collations, ordering options, expressions, predicate, INCLUDE columns), never from
//! `pg_get_indexdef` text:
//! - an exact duplicate has all of those equal to another index on the same table;
//! - a redundant index is a B-tree whose keys are a leading prefix of another compatible B-tree's (same
//!   predicate, same per-column opclass, collation and ordering), and which is not unique.
//!
//! Which to keep: the one backing a constraint, else the unique one, else the older one.

use super::{drop_index, index_finding, IndexRow, Section};
use crate::outcome::Status;
use crate::sql::quote::quote_ident;

fn key<T: Clone>(v: &[T], n: usize) -> Vec<T> {
    v[..n.min(v.len())].to_vec()
}

fn same_shape(a: &IndexRow, b: &IndexRow) -> bool {
    a.table == b.table
        && a.schema == b.schema
        && a.method == b.method
        && a.predicate == b.predicate
        && a.is_valid
        && b.is_valid
}

pub(crate) fn exact(a: &IndexRow, b: &IndexRow) -> bool {
    same_shape(a, b)
        && a.key_count == b.key_count
        && a.columns == b.columns
        && a.opclasses == b.opclasses
        && a.collations == b.collations
        && a.options == b.options
        && a.expressions == b.expressions
}

/// `a`'s keys lead `b`'s, column by column.
fn prefix(a: &IndexRow, b: &IndexRow) -> bool {
    let n = a.key_count;
    same_shape(a, b)
        && a.method == "btree"
        && n < b.key_count
        && a.expressions.is_empty()
        && b.expressions.is_empty()
        && !a.columns[..n].contains(&0)
        && key(&a.columns, n) == key(&b.columns, n)
        && key(&a.opclasses, n) == key(&b.opclasses, n)
        && key(&a.collations, n) == key(&b.collations, n)
        && key(&a.options, n) == key(&b.options, n)
        // a's INCLUDE columns must all be somewhere in b, or a answers index-only scans b cannot.
        && a.columns[n..].iter().all(|c| b.columns.contains(c))
}

/// Rank for keeping: constraint, primary, unique, then older.
pub(crate) fn keep_rank(ix: &IndexRow) -> (bool, bool, bool, i64) {
    (
        ix.constraint.is_some(),
        ix.is_primary,
        ix.is_unique,
        -ix.oid,
    )
}

/// Indexes grouped by table: they are only ever compared within their table.
fn by_table(rows: &[IndexRow]) -> std::collections::BTreeMap<(&str, &str), Vec<&IndexRow>> {
    let mut tables: std::collections::BTreeMap<(&str, &str), Vec<&IndexRow>> =
        std::collections::BTreeMap::new();
    // A partition's index attached to a parent's is compared (and dropped) through the parent.
    for ix in rows.iter().filter(|ix| !ix.attached) {
        tables
            .entry((ix.schema.as_str(), ix.table.as_str()))
            .or_default()
            .push(ix);
    }
    tables
}

pub fn evaluate(rows: &[IndexRow], min_bytes: i64) -> Section {
    let mut s = Section::new("duplicate-indexes");
    for table in by_table(rows).values() {
        compare_table(table, min_bytes, &mut s);
    }
    s
}

/// The oids of every index that is an exact duplicate or a prefix of another, or has one: the only
/// ones a finding names, so the only ones whose column names are fetched.
pub fn involved(rows: &[IndexRow]) -> Vec<i64> {
    let mut oids = Vec::new();
    for table in by_table(rows).values() {
        for (i, a) in table.iter().enumerate() {
            for b in &table[i + 1..] {
                if exact(a, b) || prefix(a, b) || prefix(b, a) {
                    oids.push(a.oid);
                    oids.push(b.oid);
                }
            }
        }
    }
    oids.sort_unstable();
    oids.dedup();
    oids
}

fn compare_table(rows: &[&IndexRow], min_bytes: i64, s: &mut Section) {
    let mut reported: Vec<i64> = Vec::new();
    for (i, a) in rows.iter().enumerate() {
        for b in &rows[i + 1..] {
            if !exact(a, b) {
                continue;
            }
            let (keep, drop) = if keep_rank(a) >= keep_rank(b) {
                (a, b)
            } else {
                (b, a)
            };
            if reported.contains(&drop.oid) || drop.bytes < min_bytes {
                continue;
            }
            reported.push(drop.oid);
            let evidence = format!(
                "same definition as {} {} on {}; keep {}{}",
                keep.qualified(),
                keep.columns_label(),
                drop.table_qualified(),
                keep.qualified(),
                keep.constraint
                    .as_ref()
                    .map(|c| format!(" (it backs constraint {})", quote_ident(c)))
                    .unwrap_or_default()
            );
            let fix = match &drop.constraint {
                Some(c) => {
                    let evidence = format!(
                        "{evidence}; {} itself backs constraint {}: drop the constraint's duplicate by hand",
                        drop.qualified(),
                        quote_ident(c)
                    );
                    s.findings.push(index_finding(
                        drop,
                        "exact duplicate",
                        Status::Warning,
                        evidence,
                        None,
                    ));
                    continue;
                }
                None => Some(drop_index(drop)),
            };
            s.findings.push(index_finding(
                drop,
                "exact duplicate",
                Status::Warning,
                evidence,
                fix,
            ));
        }
    }
    for a in rows {
        if a.is_unique || a.constraint.is_some() || reported.contains(&a.oid) || a.bytes < min_bytes
        {
            continue;
        }
        if let Some(b) = rows.iter().find(|b| b.oid != a.oid && prefix(a, b)) {
            reported.push(a.oid);
            let evidence = format!(
                "{} {} is a leading prefix of {} {}: every query it serves, the longer one serves; keep {}",
                a.qualified(),
                a.columns_label(),
                b.qualified(),
                b.columns_label(),
                b.qualified()
            );
            s.findings.push(index_finding(
                a,
                "redundant prefix",
                Status::Warning,
                evidence,
                Some(drop_index(a)),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::index;
    use super::*;

    #[test]
    fn exact_duplicates_keep_the_constraint() {
        let mut pk = index("t_pkey", &[1]);
        pk.oid = 10;
        pk.is_primary = true;
        pk.is_unique = true;
        pk.constraint = Some("t_pkey".into());
        let mut copy = index("t_id_idx", &[1]);
        copy.oid = 20;
        copy.is_unique = true;
        let s = evaluate(&[pk, copy], 0);
        assert_eq!(s.findings.len(), 1);
        assert_eq!(s.findings[0].index.as_deref(), Some("t_id_idx"));
        assert_eq!(
            s.findings[0].fix.as_deref(),
            Some("DROP INDEX CONCURRENTLY IF EXISTS public.t_id_idx;")
        );
        assert!(s.findings[0]
            .evidence
            .contains("keep public.t_pkey (it backs constraint t_pkey)"));
    }

    #[test]
    fn only_indexes_in_a_duplicate_or_prefix_pair_are_involved() {
        let a = index("a_idx", &[1]);
        let ab = index("ab_idx", &[1, 2]);
        let c = index("c_idx", &[3]);
        let mut desc = index("a_desc_idx", &[1]);
        desc.options = vec![3];
        let oids = |rows: &[IndexRow]| rows.iter().map(|r| r.oid).collect::<Vec<_>>();
        let (want, c_oid) = (oids(&[a.clone(), ab.clone()]), c.oid);
        let mut got = involved(&[a, ab, c, desc]);
        got.sort_unstable();
        let mut want = want;
        want.sort_unstable();
        assert_eq!(got, want);
        assert!(!got.contains(&c_oid));
    }

    #[test]
    fn prefix_needs_compatible_columns() {
        let a = index("a_idx", &[1]);
        let ab = index("ab_idx", &[1, 2]);
        let mut desc = index("a_desc_idx", &[1]);
        desc.options = vec![3];
        let mut partial = index("a_partial_idx", &[1]);
        partial.predicate = "(x > 0)".into();
        let mut gin = index("a_gin_idx", &[1]);
        gin.method = "gin".into();
        let s = evaluate(&[a, ab, desc, partial, gin], 0);
        let dropped: Vec<(&str, &str)> = s
            .findings
            .iter()
            .map(|f| (f.index.as_deref().unwrap(), f.category.as_str()))
            .collect();
        assert_eq!(
            dropped,
            [("a_idx", "redundant prefix")],
            "descending, partial and GIN indexes are not prefixes"
        );
    }

    #[test]
    fn a_unique_index_is_kept_over_its_plain_twin_and_never_a_prefix() {
        let a = index("a_idx", &[1]);
        let mut uniq = index("a_uniq_idx", &[1]);
        uniq.is_unique = true;
        let ab = index("ab_idx", &[1, 2]);
        let s = evaluate(&[a, uniq, ab], 0);
        let dropped: Vec<(&str, &str)> = s
            .findings
            .iter()
            .map(|f| (f.index.as_deref().unwrap(), f.category.as_str()))
            .collect();
        assert_eq!(
            dropped,
            [("a_idx", "exact duplicate")],
            "the unique one enforces something: keep it"
        );
    }

    #[test]
    fn include_columns_and_expressions_count() {
        let mut a = index("a_inc_idx", &[1, 9]);
        a.key_count = 1;
        let ab = index("ab_idx", &[1, 2]);
        let mut e1 = index("lower_idx", &[0]);
        e1.expressions = "lower(email)".into();
        let mut e2 = index("upper_idx", &[0]);
        e2.expressions = "upper(email)".into();
        let s = evaluate(&[a, ab, e1, e2], 0);
        assert!(s.findings.is_empty(), "{:?}", s.findings);
    }
}
