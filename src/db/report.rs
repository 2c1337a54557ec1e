//! Reads what `pgtune report` judges: one catalog query per report, rows into the plain structs of
//! `report`. Filters are bound as parameters (anchored regular expressions).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{Db, QueryError};
use crate::report::bloat::BloatRow;
use crate::report::fk::ForeignKey;
use crate::report::IndexRow;
use crate::sql;

pub use crate::scope::Filter;

/// Which indexes a report needs read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexSelection {
    All,
    /// invalid-indexes, reindex --invalid.
    Invalid,
    /// duplicate-indexes: those sharing their table and first key with another.
    SharingALeadingKey,
    /// unused-indexes: valid ones without a scan that back no constraint, the only ones it judges.
    Unscanned,
}

/// The indexes in scope that `selection` takes, without column names (`index_column_names` fills
/// those for the few that need them).
pub async fn indexes(
    db: &Db,
    f: &Filter,
    version_num: i32,
    selection: IndexSelection,
) -> Result<Vec<IndexRow>, QueryError> {
    let only_invalid = selection == IndexSelection::Invalid;
    let sharing = selection == IndexSelection::SharingALeadingKey;
    let unscanned = selection == IndexSelection::Unscanned;
    let last_scan = if version_num >= 160000 {
        &sql::REPORT_LAST_IDX_SCAN_16
    } else {
        &sql::REPORT_LAST_IDX_SCAN_NONE
    };
    let text = sql::REPORT_INDEXES.with_fragments(&[
        ("last_idx_scan", last_scan),
        ("serves_fk", &sql::REPORT_SERVES_FK),
        ("partition_tree", &sql::REPORT_PARTITION_TREE),
        ("partition_leaves", &sql::REPORT_PARTITION_LEAVES),
    ]);
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 6] = [
        &f.schemas,
        &f.exclude_schemas,
        &f.tables,
        &only_invalid,
        &sharing,
        &unscanned,
    ];
    db.query_map(&sql::REPORT_INDEXES, &text, &params, |r| IndexRow {
        oid: r.get("index_oid"),
        schema: r.get("schema"),
        table: r.get("table_name"),
        name: r.get("index_name"),
        method: r.get("method"),
        is_unique: r.get("is_unique"),
        is_primary: r.get("is_primary"),
        is_exclusion: r.get("is_exclusion"),
        is_replica_identity: r.get("is_replica_identity"),
        is_valid: r.get("is_valid"),
        constraint: r.get("constraint_name"),
        supports_fk: r.get("supports_fk"),
        key_count: r.get::<_, i32>("key_count") as usize,
        columns: r.get("columns"),
        opclasses: r.get("opclasses"),
        collations: r.get("collations"),
        options: r.get("options"),
        expressions: r.get("expressions"),
        predicate: r.get("predicate"),
        column_names: Vec::new(),
        bytes: r.get("index_bytes"),
        table_bytes: r.get("table_bytes"),
        idx_scan: r.get("idx_scan"),
        idx_tup_read: r.get("idx_tup_read"),
        last_idx_scan: r.get("last_idx_scan"),
        build_in_progress: r.get("build_in_progress"),
        definition: r.get("definition"),
        partitioned: r.get("partitioned"),
        attached: r.get("attached"),
        unattached_partitions: r
            .get::<_, Option<serde_json::Value>>("unattached_partitions")
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default(),
    })
    .await
}

/// Fills in the column names of the indexes whose oids are in `oids`.
pub async fn index_column_names(
    db: &Db,
    rows: &mut [IndexRow],
    oids: &[i64],
) -> Result<(), QueryError> {
    if oids.is_empty() {
        return Ok(());
    }
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&oids];
    let names: std::collections::HashMap<i64, Vec<String>> = db
        .query_map(
            &sql::REPORT_INDEX_COLUMN_NAMES,
            sql::REPORT_INDEX_COLUMN_NAMES.text,
            &params,
            |r| {
                (
                    r.get("index_oid"),
                    r.get::<_, Option<Vec<String>>>("column_names")
                        .unwrap_or_default(),
                )
            },
        )
        .await?
        .into_iter()
        .collect();
    for row in rows {
        if let Some(n) = names.get(&row.oid) {
            row.column_names = n.clone();
        }
    }
    Ok(())
}

pub struct UsageWindow {
    pub stats_reset: Option<DateTime<Utc>>,
    pub started_at: DateTime<Utc>,
    pub version_num: i32,
    pub is_superuser: bool,
}

pub async fn usage_window(db: &Db) -> Result<UsageWindow, QueryError> {
    let r = db.query_one(&sql::REPORT_USAGE_WINDOW, &[]).await?;
    Ok(UsageWindow {
        stats_reset: r.get("stats_reset"),
        started_at: r.get("started_at"),
        version_num: r.get("version_num"),
        is_superuser: r.get("is_superuser"),
    })
}

/// Index scans on a standby, by (schema, index).
pub async fn replica_usage(db: &Db) -> Result<HashMap<(String, String), i64>, QueryError> {
    Ok(db
        .query(&sql::REPORT_REPLICA_USAGE, &[])
        .await?
        .iter()
        .map(|r| {
            (
                (r.get("schema"), r.get("index_name")),
                r.get::<_, Option<i64>>("idx_scan").unwrap_or(0),
            )
        })
        .collect())
}

pub async fn fk_without_index(db: &Db, f: &Filter) -> Result<Vec<ForeignKey>, QueryError> {
    let text = sql::REPORT_FK_WITHOUT_INDEX.with_fragments(&[
        ("serves_fk", &sql::REPORT_SERVES_FK),
        ("never_measured", &sql::REPORT_NEVER_MEASURED),
        ("partition_tree", &sql::REPORT_PARTITION_TREE),
        ("partition_leaves", &sql::REPORT_PARTITION_LEAVES),
    ]);
    let rows = db
        .query_text(
            &sql::REPORT_FK_WITHOUT_INDEX,
            &text,
            &[&f.schemas, &f.exclude_schemas, &f.tables],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| ForeignKey {
            oid: r.get("table_oid"),
            schema: r.get("schema"),
            table: r.get("table_name"),
            constraint: r.get("constraint_name"),
            columns: r
                .get::<_, Option<Vec<String>>>("column_names")
                .unwrap_or_default(),
            referenced_schema: r.get("referenced_schema"),
            referenced_table: r.get("referenced_table"),
            table_bytes: r.get("table_bytes"),
            table_rows: r.get("table_rows"),
            size_known: r.get("size_known"),
            partitions: r
                .get::<_, Option<serde_json::Value>>("partitions")
                .and_then(|v| serde_json::from_value(v).ok())
                .unwrap_or_default(),
        })
        .collect())
}

/// The size on disk of each relation in `oids` (ones the statistics know nothing of): None when a
/// lock held on one of them made the lookup wait past lock_timeout.
pub async fn disk_sizes(db: &Db, oids: &[i64]) -> Result<Option<HashMap<i64, i64>>, QueryError> {
    if oids.is_empty() {
        return Ok(Some(HashMap::new()));
    }
    let oids: Vec<u32> = oids.iter().map(|&o| o as u32).collect();
    match db.query(&sql::REPORT_DISK_SIZES, &[&oids]).await {
        Ok(rows) => Ok(Some(
            rows.iter()
                .map(|r| (r.get("oid"), r.get("bytes")))
                .collect(),
        )),
        Err(e) if e.is_lock_timeout() => Ok(None),
        Err(e) => Err(e),
    }
}

/// An index (schema, name) and a partitioned index it is a partition of (schema, name).
pub type Ancestry = ((String, String), (String, String));

/// For each of `indexes` (schema, name) that is a partition of a partitioned index, those it is a
/// partition of, at every level.
pub async fn index_ancestors(
    db: &Db,
    indexes: &[(String, String)],
) -> Result<Vec<Ancestry>, QueryError> {
    if indexes.is_empty() {
        return Ok(vec![]);
    }
    let (schemas, names): (Vec<String>, Vec<String>) = indexes.iter().cloned().unzip();
    Ok(db
        .query(&sql::REPORT_INDEX_ANCESTORS, &[&schemas, &names])
        .await?
        .iter()
        .map(|r| {
            (
                (r.get("schema"), r.get("name")),
                (r.get("ancestor_schema"), r.get("ancestor")),
            )
        })
        .collect())
}

/// The relation names in each schema that begin with one of `prefixes` (schema, prefix pairs).
pub async fn taken_names(
    db: &Db,
    prefixes: &[(String, String)],
) -> Result<std::collections::HashSet<(String, String)>, QueryError> {
    if prefixes.is_empty() {
        return Ok(Default::default());
    }
    let (schemas, starts): (Vec<String>, Vec<String>) = prefixes.iter().cloned().unzip();
    Ok(db
        .query(&sql::REPORT_TAKEN_NAMES, &[&schemas, &starts])
        .await?
        .iter()
        .map(|r| (r.get("schema"), r.get("name")))
        .collect())
}

/// `superuser`: read column statistics from pg_statistic rather than the much slower pg_stats.
pub async fn bloat_estimate(
    db: &Db,
    f: &Filter,
    superuser: bool,
) -> Result<Vec<BloatRow>, QueryError> {
    let stats = if superuser {
        &sql::REPORT_COLUMN_STATS_PG_STATISTIC
    } else {
        &sql::REPORT_COLUMN_STATS_PG_STATS
    };
    let text = sql::REPORT_BLOAT_ESTIMATE.with_fragments(&[
        ("column_stats", stats),
        ("never_measured", &sql::REPORT_NEVER_MEASURED),
    ]);
    // Streamed: rows become BloatRows as they arrive. The 'too-small' row carries a count.
    db.query_map(
        &sql::REPORT_BLOAT_ESTIMATE,
        &text,
        &[&f.schemas, &f.exclude_schemas, &f.tables],
        |r| BloatRow {
            kind: r.get("kind"),
            oid: r.get::<_, Option<i64>>("oid").unwrap_or(0),
            schema: r.get::<_, Option<String>>("schema").unwrap_or_default(),
            table: r.get::<_, Option<String>>("table_name").unwrap_or_default(),
            index: r.get("index_name"),
            actual_bytes: r.get("actual_bytes"),
            expected_bytes: r.get("expected_bytes"),
            measured_waste: None,
            not_estimated: r.get("not_estimated"),
        },
    )
    .await
}

/// The schema pgstattuple is installed in, if it is.
pub async fn pgstattuple_schema(db: &Db) -> Result<Option<String>, QueryError> {
    Ok(db
        .query(&sql::REPORT_PGSTATTUPLE, &[])
        .await?
        .first()
        .map(|r| r.get("schema")))
}

pub async fn bloat_exact(
    db: &Db,
    f: &Filter,
    schema: &str,
    min_bytes: i64,
) -> Result<Vec<BloatRow>, QueryError> {
    let text = sql::REPORT_BLOAT_EXACT.with_names(&[
        ("pgstattuple_approx", schema, "pgstattuple_approx"),
        ("pgstatindex", schema, "pgstatindex"),
    ]);
    let rows = db
        .query_text(
            &sql::REPORT_BLOAT_EXACT,
            &text,
            &[&f.schemas, &f.exclude_schemas, &f.tables, &min_bytes],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| BloatRow {
            kind: r.get("kind"),
            schema: r.get("schema"),
            table: r.get("table_name"),
            index: r.get("index_name"),
            actual_bytes: r.get("actual_bytes"),
            oid: 0,
            expected_bytes: None,
            measured_waste: r.get("wasted_bytes"),
            not_estimated: r.get("not_measured"),
        })
        .collect())
}
