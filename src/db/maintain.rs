//! Reads what the maintenance commands work on: tables that need ANALYZE, materialized views and
//! their dependencies.

use super::{Db, QueryError};
use crate::scope::Filter;
use crate::sql;

#[derive(Debug, Clone)]
pub struct AnalyzeCandidate {
    pub schema: String,
    pub name: String,
    pub bytes: i64,
    /// None: statistics are fresh.
    pub stale_reason: Option<String>,
}

pub async fn analyze_candidates(db: &Db, f: &Filter) -> Result<Vec<AnalyzeCandidate>, QueryError> {
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] =
        [&f.schemas, &f.exclude_schemas, &f.tables];
    db.query_map(
        &sql::ANALYZE_CANDIDATES,
        sql::ANALYZE_CANDIDATES.text,
        &params,
        |r| AnalyzeCandidate {
            schema: r.get("schema"),
            name: r.get("name"),
            bytes: r.get("bytes"),
            stale_reason: r.get("stale_reason"),
        },
    )
    .await
}

#[derive(Debug, Clone)]
pub struct MaterializedView {
    pub oid: i64,
    pub schema: String,
    pub name: String,
    pub populated: bool,
    pub bytes: i64,
    pub has_unique_index: bool,
    /// oids of the materialized views it reads, directly or through plain views.
    pub reads: Vec<i64>,
}

pub async fn materialized_views(db: &Db, f: &Filter) -> Result<Vec<MaterializedView>, QueryError> {
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] =
        [&f.schemas, &f.exclude_schemas, &f.tables];
    db.query_map(
        &sql::REFRESH_CANDIDATES,
        sql::REFRESH_CANDIDATES.text,
        &params,
        |r| MaterializedView {
            oid: r.get("oid"),
            schema: r.get("schema"),
            name: r.get("name"),
            populated: r.get("populated"),
            bytes: r.get("bytes"),
            has_unique_index: r.get("has_unique_index"),
            reads: r.get("reads"),
        },
    )
    .await
}
