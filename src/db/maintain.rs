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
    /// For a partition: its partitioned ancestors (quoted, qualified), nearest first.
    pub ancestors: Vec<String>,
    pub partitioned: bool,
}

/// The relations in scope that need ANALYZE, with why; with `all`, every relation in scope.
/// `superuser`: whether a relation has statistics is read from pg_statistic, by oid.
pub async fn analyze_candidates(
    db: &Db,
    f: &Filter,
    all: bool,
    superuser: bool,
) -> Result<Vec<AnalyzeCandidate>, QueryError> {
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 4] =
        [&f.schemas, &f.exclude_schemas, &f.tables, &all];
    let (own, inherited) = if superuser {
        (
            &sql::ANALYZE_STATISTICS_OWN_PG_STATISTIC,
            &sql::ANALYZE_STATISTICS_INHERITED_PG_STATISTIC,
        )
    } else {
        (
            &sql::ANALYZE_STATISTICS_OWN_PG_STATS,
            &sql::ANALYZE_STATISTICS_INHERITED_PG_STATS,
        )
    };
    let text = sql::ANALYZE_CANDIDATES.with_fragments(&[
        ("never_measured", &sql::REPORT_NEVER_MEASURED),
        ("own_statistics", own),
        ("inherited_statistics", inherited),
        ("partition_leaves", &sql::REPORT_PARTITION_LEAVES),
    ]);
    db.query_map(&sql::ANALYZE_CANDIDATES, &text, &params, |r| {
        AnalyzeCandidate {
            schema: r.get("schema"),
            name: r.get("name"),
            bytes: r.get("bytes"),
            stale_reason: r.get("stale_reason"),
            ancestors: r.get("ancestors"),
            partitioned: r.get::<_, String>("relkind") == "p",
        }
    })
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

#[derive(Debug, Clone)]
pub struct FreezeCandidate {
    pub schema: String,
    pub name: String,
    pub xid_age: i64,
    pub mxid_age: i64,
    pub bytes: i64,
}

pub async fn freeze_candidates(
    db: &Db,
    f: &Filter,
    min_age: i64,
) -> Result<Vec<FreezeCandidate>, QueryError> {
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 4] =
        [&f.schemas, &f.exclude_schemas, &f.tables, &min_age];
    db.query_map(
        &sql::FREEZE_CANDIDATES,
        sql::FREEZE_CANDIDATES.text,
        &params,
        |r| FreezeCandidate {
            schema: r.get("schema"),
            name: r.get("name"),
            xid_age: r.get("xid_age"),
            mxid_age: r.get("mxid_age"),
            bytes: r.get("bytes"),
        },
    )
    .await
}

#[derive(Debug, Clone)]
pub struct DeadCandidate {
    pub schema: String,
    pub name: String,
    pub dead: i64,
    pub threshold: f64,
    pub bytes: i64,
}

pub async fn dead_candidates(db: &Db, f: &Filter) -> Result<Vec<DeadCandidate>, QueryError> {
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 3] =
        [&f.schemas, &f.exclude_schemas, &f.tables];
    db.query_map(
        &sql::DEAD_CANDIDATES,
        sql::DEAD_CANDIDATES.text,
        &params,
        |r| DeadCandidate {
            schema: r.get("schema"),
            name: r.get("name"),
            dead: r.get("dead"),
            threshold: r.get("threshold"),
            bytes: r.get("bytes"),
        },
    )
    .await
}

/// Sizes of these indexes (schema-qualified, quoted names) in bytes; None for one that is gone.
pub async fn index_sizes(
    db: &Db,
    names: &[String],
) -> Result<Vec<(String, Option<i64>)>, QueryError> {
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&names];
    db.query_map(&sql::INDEX_SIZES, sql::INDEX_SIZES.text, &params, |r| {
        (r.get("name"), r.get("bytes"))
    })
    .await
}

/// Which of `names` (qualified, quoted) back an exclusion constraint.
pub async fn exclusion_indexes(db: &Db, names: &[String]) -> Result<Vec<String>, QueryError> {
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&names];
    db.query_map(
        &sql::EXCLUSION_INDEXES,
        sql::EXCLUSION_INDEXES.text,
        &params,
        |r| r.get("name"),
    )
    .await
}

/// The invalid `_ccnew` copies a failed `REINDEX INDEX CONCURRENTLY` of `index` (qualified, quoted;
/// `bare` its unquoted name) left on its table, as (schema, name).
pub async fn reindex_leftovers(
    db: &Db,
    index: &str,
    bare: &str,
) -> Result<Vec<(String, String)>, QueryError> {
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&index, &bare];
    db.query_map(
        &sql::REINDEX_LEFTOVERS,
        sql::REINDEX_LEFTOVERS.text,
        &params,
        |r| (r.get("schema"), r.get("name")),
    )
    .await
}

/// `--index` names resolved by the server: (given, Some((schema, name))) or (given, None).
pub async fn resolve_indexes(
    db: &Db,
    given: &[String],
) -> Result<Vec<(String, Option<(String, String)>)>, QueryError> {
    let params: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&given];
    db.query_map(
        &sql::RESOLVE_INDEXES,
        sql::RESOLVE_INDEXES.text,
        &params,
        |r| {
            let schema: Option<String> = r.get("schema");
            let name: Option<String> = r.get("name");
            (r.get("given"), schema.zip(name))
        },
    )
    .await
}

/// What the runner's sessions `pids` are doing: (pid, "building index: scanning table 40%").
pub async fn progress(db: &Db, pids: &[i32]) -> Result<Vec<(i32, String)>, QueryError> {
    Ok(db
        .query(&crate::sql::MAINTAIN_PROGRESS, &[&pids])
        .await?
        .iter()
        .map(|r| {
            let (done, total): (Option<f64>, Option<f64>) = (r.get("done"), r.get("total"));
            let share = match (done, total) {
                (Some(d), Some(t)) if t > 0.0 => format!(" {:.0}%", d * 100.0 / t),
                _ => String::new(),
            };
            (
                r.get("pid"),
                format!("{}{share}", r.get::<_, String>("phase")),
            )
        })
        .collect())
}

/// The `--schema` / `--table` globs of `scope` that match no relation of `kinds` (pg_class.relkind
/// letters), as the user typed them: ("--table", "nosuch").
pub async fn unmatched_patterns(
    db: &Db,
    scope: &crate::cli::ScopeArgs,
    kinds: &[&str],
) -> Result<Vec<(&'static str, String)>, QueryError> {
    let filter = crate::scope::Filter::new(scope);
    let kinds: Vec<String> = kinds.iter().map(|k| k.to_string()).collect();
    Ok(db
        .query(
            &crate::sql::MAINTAIN_UNMATCHED_PATTERNS,
            &[&filter.schemas, &filter.tables, &kinds],
        )
        .await?
        .iter()
        .filter_map(|r| {
            let position = usize::try_from(r.get::<_, i32>("position"))
                .ok()?
                .checked_sub(1)?;
            match r.get::<_, String>("flag").as_str() {
                "schema" => Some(("--schema", scope.schemas.get(position)?.clone())),
                _ => Some(("--table", scope.tables.get(position)?.clone())),
            }
        })
        .collect())
}
