//! Index and bloat reports as pure functions: catalog rows in, findings out, each with its evidence
//! and the exact SQL that would fix it. Built to be acted on without second-guessing: nothing that
//! backs a constraint or a foreign key is proposed for dropping, a short statistics window says so,
//! and what an estimate cannot judge is listed with the reason instead of a made-up number.

pub mod bloat;
pub mod duplicates;
pub mod fk;
pub mod unused;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::outcome::Status;
use crate::pgname::{partition_catalog_prefix, IndexNames};

/// One index as indexes.sql returns it.
#[derive(Debug, Clone)]
pub struct IndexRow {
    pub oid: i64,
    pub schema: String,
    pub table: String,
    pub name: String,
    pub method: String,
    pub is_unique: bool,
    pub is_primary: bool,
    pub is_exclusion: bool,
    pub is_replica_identity: bool,
    pub is_valid: bool,
    pub constraint: Option<String>,
    /// The foreign key whose columns lead this index, if any.
    pub supports_fk: Option<String>,
    pub key_count: usize,
    /// Table column numbers, key columns then INCLUDE columns; 0 for an expression.
    pub columns: Vec<i32>,
    pub opclasses: Vec<i64>,
    pub collations: Vec<i64>,
    pub options: Vec<i32>,
    pub expressions: String,
    pub predicate: String,
    pub column_names: Vec<String>,
    pub bytes: i64,
    pub table_bytes: i64,
    pub idx_scan: i64,
    pub idx_tup_read: i64,
    pub last_idx_scan: Option<DateTime<Utc>>,
    pub build_in_progress: bool,
    pub definition: String,
    /// A partitioned index (relkind 'I'): usage and size are its partitions' indexes'.
    pub partitioned: bool,
    /// A partition's index attached to a partitioned index: never dropped on its own.
    pub attached: bool,
    /// An invalid partitioned index: the partitions that have no valid index attached to it.
    pub unattached_partitions: Vec<UnattachedPartition>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct UnattachedPartition {
    pub schema: String,
    pub name: String,
    pub partitioned: bool,
    /// A partitioned one's partitions at every level, parents first.
    #[serde(default)]
    pub partitions: Option<Vec<fk::Partition>>,
}

impl IndexRow {
    pub fn qualified(&self) -> String {
        qualified(&self.schema, &self.name)
    }

    pub fn table_qualified(&self) -> String {
        qualified(&self.schema, &self.table)
    }

    /// Key column names, then `INCLUDE (...)` (column names are fetched for the duplicates report).
    pub fn columns_label(&self) -> String {
        let keys = self.column_names[..self.key_count.min(self.column_names.len())].join(", ");
        let include = &self.column_names[self.key_count.min(self.column_names.len())..];
        if include.is_empty() {
            format!("({keys})")
        } else {
            format!("({keys}) INCLUDE ({})", include.join(", "))
        }
    }
}

pub use crate::sql::quote::qualified;

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub category: String,
    pub level: Status,
    pub schema: String,
    pub table: String,
    pub index: Option<String>,
    pub bytes: i64,
    pub size: String,
    pub evidence: String,
    /// The exact SQL that would fix it; None when nothing should be run (review only).
    pub fix: Option<String>,
    /// Bloat only: wasted bytes and their share of the relation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wasted_bytes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wasted_percent: Option<f64>,
}

/// A relation the bloat estimate cannot judge, and why.
#[derive(Debug, Clone, Serialize)]
pub struct NotEstimated {
    pub schema: String,
    pub table: String,
    pub index: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub report: &'static str,
    pub findings: Vec<Finding>,
    pub notes: Vec<String>,
    pub not_estimated: Vec<NotEstimated>,
}

impl Section {
    pub fn new(report: &'static str) -> Section {
        Section {
            report,
            findings: Vec::new(),
            notes: Vec::new(),
            not_estimated: Vec::new(),
        }
    }

    pub fn worst(&self) -> Status {
        self.findings
            .iter()
            .map(|f| f.level)
            .max()
            .unwrap_or(Status::Ok)
    }
}

/// A finding about one index.
pub fn index_finding(
    ix: &IndexRow,
    category: &str,
    level: Status,
    evidence: String,
    fix: Option<String>,
) -> Finding {
    Finding {
        category: category.to_string(),
        level,
        schema: ix.schema.clone(),
        table: ix.table.clone(),
        index: Some(ix.name.clone()),
        bytes: ix.bytes,
        size: crate::units::format_bytes(ix.bytes),
        evidence,
        fix,
        wasted_bytes: None,
        wasted_percent: None,
    }
}

/// IF EXISTS: two reports may propose dropping one index (an unused exact duplicate), and a DBA
/// runs the whole list.
pub fn drop_index(ix: &IndexRow) -> String {
    // PostgreSQL refuses DROP INDEX CONCURRENTLY of a partitioned index: the plain form drops it
    // with its partitions' indexes, locking the table and its partitions for that moment.
    format!(
        "{};",
        crate::sql::statement::drop_index(&ix.qualified(), !ix.partitioned, true)
    )
}

/// `pg_get_indexdef` text as the CONCURRENTLY build that does not block writes.
fn concurrent_definition(definition: &str) -> String {
    format!("{};", crate::sql::statement::concurrently(definition))
}

/// An invalid partitioned index is completed, not rebuilt: each partition lacking an index gets one
/// (concurrently on a leaf) and it is attached; the parent's becomes valid when every partition's is.
fn attach_missing(ix: &IndexRow, names: &mut IndexNames) -> (String, String) {
    // pg_get_indexdef: "CREATE [UNIQUE] INDEX name ON [ONLY] table USING method (...) [WHERE ...]".
    let tail = crate::sql::statement::indexdef_tail(&ix.definition);
    let create = |schema: &str, table: &str, index: &str, only: bool, concurrently: bool| {
        crate::sql::statement::CreateIndex {
            unique: ix.is_unique,
            concurrently,
            if_not_exists: true,
            name: Some(index),
            only,
            table: &qualified(schema, table),
            tail,
        }
        .text()
    };
    let mut lines = Vec::new();
    for p in &ix.unattached_partitions {
        let name = names.choose_for_partition(&p.schema, &p.name, &ix.name);
        // A sub-partitioned partition: ON ONLY it, its own tree built the same way, all attached
        // before it is attached here (a plain CREATE INDEX on it would lock every leaf).
        lines.push(create(
            &p.schema,
            &p.name,
            &name,
            p.partitioned,
            !p.partitioned,
        ));
        if p.partitioned {
            let below = crate::partition::index_partitions(
                (&p.schema, &p.name),
                &name,
                p.partitions.as_deref().unwrap_or_default(),
                &mut |schema, table| names.choose_for_partition(schema, table, &ix.name),
                &create,
            );
            lines.extend(below.iter().map(|s| s.text().to_string()));
        }
        lines.push(crate::sql::statement::attach_partition(
            &ix.qualified(),
            &qualified(&p.schema, &name),
        ));
    }
    let lines: Vec<String> = lines.into_iter().map(|l| format!("{l};")).collect();
    let missing: Vec<String> = ix
        .unattached_partitions
        .iter()
        .map(|p| qualified(&p.schema, &p.name))
        .collect();
    let evidence = if missing.is_empty() {
        format!(
            "{} is a partitioned index marked invalid although every partition has an index attached: one of theirs is invalid (pgtune report invalid-indexes lists it)",
            ix.qualified()
        )
    } else {
        format!(
            "{} is a partitioned index, not a failed build: {} ha{} no index attached to it (it was built ON ONLY, or a partition was attached without one); it becomes valid once each has: {}",
            ix.qualified(),
            missing.join(", "),
            if missing.len() == 1 { "s" } else { "ve" },
            ix.definition
        )
    };
    (evidence, lines.join("\n"))
}

/// How bad an invalid index is, the same in `report` and `check`: a unique one enforces nothing
/// (critical), any other costs writes and serves no read (warning).
pub fn invalid_index_level(unique: bool) -> Status {
    if unique {
        Status::Critical
    } else {
        Status::Warning
    }
}

/// (schema, prefix) of every name `invalid` may propose for a partition's missing index.
pub fn invalid_name_prefixes(rows: &[IndexRow]) -> Vec<(String, String)> {
    rows.iter()
        .filter(|ix| !ix.is_valid && ix.partitioned)
        .flat_map(|ix| {
            ix.unattached_partitions.iter().map(|p| {
                (
                    p.schema.clone(),
                    partition_catalog_prefix(&p.name, &ix.name),
                )
            })
        })
        .collect()
}

/// Invalid indexes: a failed concurrent build (maintained on every write, never used; an invalid
/// unique index enforces nothing), told apart from a build still running.
/// `taken`: relation names in use (see `invalid_name_prefixes`), which the completing indexes avoid.
pub fn invalid(rows: &[IndexRow], taken: std::collections::HashSet<(String, String)>) -> Section {
    let mut s = Section::new("invalid-indexes");
    let mut names = IndexNames::new(taken);
    for ix in rows.iter().filter(|ix| !ix.is_valid) {
        if ix.build_in_progress {
            s.findings.push(index_finding(
                ix,
                "build in progress",
                Status::Ok,
                "being built right now (pg_stat_progress_create_index): not a failure".into(),
                None,
            ));
            continue;
        }
        let leftover = ix.name.ends_with("_ccnew")
            || ix.name.contains("_ccnew")
            || ix.name.ends_with("_ccold");
        let (category, evidence, fix) = if ix.partitioned {
            let (evidence, fix) = attach_missing(ix, &mut names);
            ("partitioned, partitions missing", evidence, fix)
        } else if leftover {
            (
                "leftover of REINDEX CONCURRENTLY",
                format!(
                    "{} is what a failed REINDEX CONCURRENTLY leaves behind",
                    ix.qualified()
                ),
                drop_index(ix),
            )
        } else if ix.is_unique {
            // A unique build fails mostly on duplicate keys; REINDEX would fail on them again and
            // leave a second invalid copy, so the fix that always succeeds is the drop.
            (
                "invalid",
                format!(
                    "a failed CREATE UNIQUE INDEX CONCURRENTLY: maintained on every write, never used, and it enforces nothing; \
                     such a build fails mostly on duplicate keys, which a REINDEX would meet again: drop it, remove the duplicates, \
                     then build it again ({})",
                    concurrent_definition(&ix.definition)
                ),
                drop_index(ix),
            )
        } else {
            (
                "invalid",
                format!(
                    "a failed CREATE INDEX CONCURRENTLY: maintained on every write, never used; {}",
                    ix.definition
                ),
                format!(
                    "{};",
                    crate::sql::statement::reindex_index(&ix.qualified(), true)
                ),
            )
        };
        let level = invalid_index_level(ix.is_unique);
        s.findings
            .push(index_finding(ix, category, level, evidence, Some(fix)));
    }
    s
}

#[cfg(test)]
pub(crate) mod testing {
    use super::IndexRow;

    /// An index row with plain defaults, for tests to adjust.
    pub fn index(name: &str, columns: &[i32]) -> IndexRow {
        IndexRow {
            // Distinct per name, as real oids are.
            oid: name
                .bytes()
                .fold(7i64, |h, b| h.wrapping_mul(31).wrapping_add(b as i64)),
            schema: "public".into(),
            table: "t".into(),
            name: name.into(),
            method: "btree".into(),
            is_unique: false,
            is_primary: false,
            is_exclusion: false,
            is_replica_identity: false,
            is_valid: true,
            constraint: None,
            supports_fk: None,
            key_count: columns.len(),
            columns: columns.to_vec(),
            opclasses: columns.iter().map(|_| 1978).collect(),
            collations: columns.iter().map(|_| 0).collect(),
            options: columns.iter().map(|_| 0).collect(),
            expressions: String::new(),
            predicate: String::new(),
            column_names: columns.iter().map(|c| format!("c{c}")).collect(),
            bytes: 8192,
            table_bytes: 81920,
            idx_scan: 0,
            idx_tup_read: 0,
            last_idx_scan: None,
            build_in_progress: false,
            partitioned: false,
            attached: false,
            unattached_partitions: vec![],
            definition: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_unique_build_is_dropped_and_its_rebuild_shown() {
        assert_eq!(
            concurrent_definition("CREATE UNIQUE INDEX \"Bad Idx\" ON public.t USING btree (a)"),
            "CREATE UNIQUE INDEX CONCURRENTLY \"Bad Idx\" ON public.t USING btree (a);"
        );
    }

    #[test]
    fn invalid_unique_is_critical_and_in_progress_is_not_a_failure() {
        let mut bad = testing::index("Bad Idx", &[1]);
        bad.is_valid = false;
        bad.is_unique = true;
        bad.definition = "CREATE UNIQUE INDEX \"Bad Idx\" ON public.t USING btree (a)".into();
        let mut building = testing::index("new_idx", &[2]);
        building.is_valid = false;
        building.build_in_progress = true;
        let mut leftover = testing::index("t_a_idx_ccnew", &[1]);
        leftover.is_valid = false;
        let s = invalid(&[bad, building, leftover], Default::default());
        let got: Vec<(&str, Status, Option<&str>)> = s
            .findings
            .iter()
            .map(|f| (f.category.as_str(), f.level, f.fix.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "invalid",
                    Status::Critical,
                    Some("DROP INDEX CONCURRENTLY IF EXISTS public.\"Bad Idx\";")
                ),
                ("build in progress", Status::Ok, None),
                (
                    "leftover of REINDEX CONCURRENTLY",
                    Status::Warning,
                    Some("DROP INDEX CONCURRENTLY IF EXISTS public.t_a_idx_ccnew;")
                ),
            ]
        );
    }
}
