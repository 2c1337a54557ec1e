//! What `pgtune advise indexes` asks the server: the workload from pg_stat_statements, generic plans
//! of its statements, hypothetical indexes (HypoPG, this session only), and the catalog facts that
//! order and price candidates. The session is read-only; a hypothetical index is backend memory.

use std::collections::HashMap;

use super::{Db, QueryError};
use crate::advise::plan::{Explained, PlanNode};
use crate::advise::{ColumnFacts, CostSettings, ExistingIndex, Statement, TableFacts};
use crate::sql;

/// What the database offers for advice.
#[derive(Debug, Clone)]
pub struct Server {
    pub version_num: i32,
    pub database: String,
    pub hypopg_schema: Option<String>,
    pub hypopg_available: bool,
    pub pg_stat_statements_schema: Option<String>,
    /// In shared_preload_libraries: CREATE EXTENSION is all it takes.
    pub pg_stat_statements_loaded: bool,
    pub pg_trgm_schema: Option<String>,
    pub stats_seconds: f64,
    pub costs: CostSettings,
}

pub async fn server(db: &Db) -> Result<Server, QueryError> {
    let r = db.query_one(&sql::ADVISE_SERVER, &[]).await?;
    Ok(Server {
        version_num: r.get("version_num"),
        database: r.get("database"),
        hypopg_schema: r.get("hypopg_schema"),
        hypopg_available: r.get("hypopg_available"),
        pg_stat_statements_schema: r.get("pg_stat_statements_schema"),
        pg_stat_statements_loaded: r.get("pg_stat_statements_loaded"),
        pg_trgm_schema: r.get("pg_trgm_schema"),
        stats_seconds: r.get("stats_seconds"),
        costs: CostSettings {
            seq_page_cost: r.get("seq_page_cost"),
            random_page_cost: r.get("random_page_cost"),
            cpu_tuple_cost: r.get("cpu_tuple_cost"),
            cpu_index_tuple_cost: r.get("cpu_index_tuple_cost"),
            cpu_operator_cost: r.get("cpu_operator_cost"),
        },
    })
}

/// This database's statements with at least `min_calls` calls, the costliest first.
pub async fn statements(
    db: &Db,
    schema: &str,
    min_calls: i64,
) -> Result<Vec<Statement>, QueryError> {
    let text =
        sql::ADVISE_STATEMENTS.with_relation("pg_stat_statements", schema, "pg_stat_statements");
    db.query_map(&sql::ADVISE_STATEMENTS, &text, &[&min_calls], |r| {
        Statement {
            query: r.get("query"),
            calls: r.get("calls"),
            mean_ms: r.get("mean_ms"),
            at: None,
        }
    })
    .await
}

/// Seconds the pg_stat_statements counters cover.
pub async fn statements_window(db: &Db, schema: &str, version_num: i32) -> Result<f64, QueryError> {
    let (sql, text) = if version_num >= 140000 {
        let text = sql::ADVISE_STATEMENTS_WINDOW_14.with_relation(
            "pg_stat_statements_info",
            schema,
            "pg_stat_statements_info",
        );
        (&sql::ADVISE_STATEMENTS_WINDOW_14, text)
    } else {
        (
            &sql::ADVISE_STATEMENTS_WINDOW_13,
            sql::ADVISE_STATEMENTS_WINDOW_13.text.to_string(),
        )
    };
    let rows = db.query_text(sql, &text, &[]).await?;
    Ok(rows
        .first()
        .and_then(|r| r.get::<_, Option<f64>>("seconds"))
        .unwrap_or(0.0))
}

/// The generic plan of `statement` (its parameters unknown, as `EXPLAIN (GENERIC_PLAN)` plans on
/// PostgreSQL 16+): prepared under `plan_cache_mode = force_generic_plan` (a session setting),
/// explained with each parameter NULL, deallocated. Prepared afresh each time, as a cached plan
/// would not see a hypothetical index made since. Err is the server's reason it cannot be planned.
pub async fn generic_plan(
    db: &Db,
    statement: &str,
) -> Result<Result<PlanNode, String>, QueryError> {
    // A lost session ends the run; any other failure is this statement's reason.
    let reason = |e: QueryError| {
        if e.is_connection_lost() {
            Err(e)
        } else {
            Ok(e.message)
        }
    };
    let prepare = sql::ADVISE_PREPARE.preparing(statement);
    if let Err(e) = db
        .execute_statement(sql::ADVISE_PREPARE.name, &prepare)
        .await
    {
        return reason(e).map(Err);
    }
    let planned = async {
        let parameters: i32 = db
            .query_one(&sql::ADVISE_PARAMETER_COUNT, &[])
            .await?
            .get("parameters");
        let explain = sql::ADVISE_EXPLAIN.executing_with_nulls(parameters.max(0) as usize);
        db.query_statement(sql::ADVISE_EXPLAIN.name, &explain).await
    }
    .await;
    db.execute_statement(
        sql::ADVISE_DEALLOCATE.name,
        sql::ADVISE_DEALLOCATE.text.trim_end(),
    )
    .await?;
    let rows = match planned {
        Ok(rows) => rows,
        Err(e) => return reason(e).map(Err),
    };
    let Some(row) = rows.first() else {
        return Ok(Err("EXPLAIN returned no plan".to_string()));
    };
    Ok(match row.try_get::<_, LossyText>(0) {
        Ok(LossyText(text)) => serde_json::from_str(&text)
            .map_err(|e| format!("unexpected EXPLAIN output: {e}"))
            .and_then(from_value),
        Err(e) => Err(format!("unexpected EXPLAIN output: {e}")),
    })
}

/// A text or JSON value as its bytes, invalid UTF-8 replaced: HypoPG cuts a hypothetical index's
/// name at 63 bytes, in the middle of a character when the table's name is not ASCII, and plans
/// print that name.
struct LossyText(String);

impl<'a> tokio_postgres::types::FromSql<'a> for LossyText {
    fn from_sql(
        ty: &tokio_postgres::types::Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        // jsonb's binary form starts with a version byte; json and text are the text itself.
        let raw = if *ty == tokio_postgres::types::Type::JSONB {
            raw.get(1..).unwrap_or_default()
        } else {
            raw
        };
        Ok(LossyText(String::from_utf8_lossy(raw).into_owned()))
    }

    fn accepts(ty: &tokio_postgres::types::Type) -> bool {
        use tokio_postgres::types::Type;
        [Type::JSON, Type::JSONB, Type::TEXT, Type::BYTEA, Type::NAME].contains(ty)
    }
}

/// A plan from EXPLAIN (FORMAT JSON)'s text.
#[cfg(test)]
pub fn parse_plan(json: &str) -> Result<PlanNode, String> {
    from_value(serde_json::from_str(json).map_err(|e| e.to_string())?)
}

fn from_value(json: serde_json::Value) -> Result<PlanNode, String> {
    let mut explained: Vec<Explained> =
        serde_json::from_value(json).map_err(|e| format!("unexpected EXPLAIN output: {e}"))?;
    if explained.is_empty() {
        return Err("EXPLAIN returned no plan".into());
    }
    Ok(explained.remove(0).plan)
}

/// HypoPG's functions, schema-qualified.
pub struct Hypopg {
    schema: String,
}

/// A hypothetical index: HypoPG's oid for it, and the name plans show.
#[derive(Debug, Clone)]
pub struct Hypothetical {
    pub oid: i64,
    pub name: String,
}

impl Hypopg {
    pub fn new(schema: &str) -> Hypopg {
        Hypopg {
            schema: schema.to_string(),
        }
    }

    /// Makes the index `create_index` (a CREATE INDEX statement) describes, for this session only.
    pub async fn create(&self, db: &Db, create_index: &str) -> Result<Hypothetical, QueryError> {
        let text = sql::ADVISE_HYPOTHETICAL_CREATE.with_relation(
            "hypopg_create_index",
            &self.schema,
            "hypopg_create_index",
        );
        let rows = db
            .query_text(&sql::ADVISE_HYPOTHETICAL_CREATE, &text, &[&create_index])
            .await?;
        let r = rows.first().ok_or_else(|| {
            db.refusal(
                &sql::ADVISE_HYPOTHETICAL_CREATE,
                "XX000",
                "HypoPG made no index".into(),
            )
        })?;
        Ok(Hypothetical {
            oid: r.get("oid"),
            name: r.get::<_, LossyText>("name").0,
        })
    }

    pub async fn size(&self, db: &Db, index: &Hypothetical) -> Result<i64, QueryError> {
        let text = sql::ADVISE_HYPOTHETICAL_SIZE.with_relation(
            "hypopg_relation_size",
            &self.schema,
            "hypopg_relation_size",
        );
        let rows = db
            .query_text(&sql::ADVISE_HYPOTHETICAL_SIZE, &text, &[&index.oid])
            .await?;
        Ok(rows.first().map_or(0, |r| r.get("bytes")))
    }

    pub async fn drop(&self, db: &Db, index: &Hypothetical) -> Result<(), QueryError> {
        let text = sql::ADVISE_HYPOTHETICAL_DROP.with_relation(
            "hypopg_drop_index",
            &self.schema,
            "hypopg_drop_index",
        );
        db.query_text(&sql::ADVISE_HYPOTHETICAL_DROP, &text, &[&index.oid])
            .await?;
        Ok(())
    }
}

/// Facts about the tables (schema, name) the plans scan, with their columns' statistics.
pub async fn tables(
    db: &Db,
    tables: &[(String, String)],
) -> Result<HashMap<(String, String), TableFacts>, QueryError> {
    let (schemas, names): (Vec<String>, Vec<String>) = tables.iter().cloned().unzip();
    let mut out: HashMap<(String, String), TableFacts> = db
        .query(&sql::ADVISE_TABLES, &[&schemas, &names])
        .await?
        .iter()
        .map(|r| {
            (
                (r.get("schema"), r.get("name")),
                TableFacts {
                    kind: r.get("kind"),
                    is_partition: r.get("is_partition"),
                    tuples: r.get("tuples"),
                    pages: r.get("pages"),
                    index_writes: r.get("index_writes"),
                    columns: HashMap::new(),
                },
            )
        })
        .collect();
    for r in db.query(&sql::ADVISE_COLUMNS, &[&schemas, &names]).await? {
        let key: (String, String) = (r.get("schema"), r.get("table_name"));
        if let Some(table) = out.get_mut(&key) {
            table.columns.insert(
                r.get("column_name"),
                ColumnFacts {
                    n_distinct: r.get::<_, Option<f64>>("n_distinct").unwrap_or(0.0),
                    avg_width: r.get::<_, Option<f64>>("avg_width").unwrap_or(0.0),
                    type_name: r.get("type_name"),
                },
            );
        }
    }
    Ok(out)
}

/// The valid indexes those tables have.
pub async fn indexes(
    db: &Db,
    tables: &[(String, String)],
) -> Result<Vec<ExistingIndex>, QueryError> {
    let (schemas, names): (Vec<String>, Vec<String>) = tables.iter().cloned().unzip();
    Ok(db
        .query(&sql::ADVISE_INDEXES, &[&schemas, &names])
        .await?
        .iter()
        .map(|r| ExistingIndex {
            schema: r.get("schema"),
            table: r.get("table_name"),
            name: r.get("name"),
            method: r.get("method"),
            keys: r.get("keys"),
            predicate: r.get("predicate"),
        })
        .collect())
}
