//! Reads what `pgtune check` judges: one query per check, rows turned into the plain facts of
//! `health`. Thresholds that bound a query's rows are passed as parameters, never spliced in.

use std::collections::HashMap;

use tokio_postgres::Row;

use super::{Db, QueryError};
use crate::health::audit::Current;
use crate::health::*;
use crate::sql::{self, Sql};

/// Who we are on this server and what it has.
#[derive(Debug, Clone)]
pub struct Privileges {
    pub version_num: i32,
    pub is_superuser: bool,
    pub has_pg_monitor: bool,
    pub can_read_files: bool,
    pub pg_stat_statements_schema: Option<String>,
    pub pg_stat_statements_loaded: bool,
}

pub async fn privileges(db: &Db) -> Result<Privileges, QueryError> {
    let r = db.query_one(&sql::CHECK_SERVER, &[]).await?;
    Ok(Privileges {
        version_num: r.get("version_num"),
        is_superuser: r.get("is_superuser"),
        has_pg_monitor: r.get("has_pg_monitor"),
        can_read_files: r.get("can_read_files"),
        pg_stat_statements_schema: r.get("pg_stat_statements_schema"),
        pg_stat_statements_loaded: r.get("pg_stat_statements_loaded"),
    })
}

/// The server's postgresql.conf, when this role may see where it is.
pub async fn config_file(db: &Db) -> Result<Option<String>, QueryError> {
    Ok(db
        .query_one(&sql::CHECK_CONFIG_FILE, &[])
        .await?
        .get("config_file"))
}

/// Why ALTER SYSTEM cannot set `names` here, if it cannot: the server forbids it, or the role may
/// not set some of them. One sentence, saying what would allow it.
pub async fn alter_system_refusal(
    db: &Db,
    version_num: i32,
    names: &[String],
) -> Result<Option<String>, QueryError> {
    let granted = if version_num >= 150000 {
        &sql::CHECK_ALTER_SYSTEM_GRANTED_15
    } else {
        &sql::CHECK_ALTER_SYSTEM_GRANTED_NONE
    };
    let text = sql::CHECK_ALTER_SYSTEM.with_fragments(&[("granted", granted)]);
    let row = db
        .query_text(&sql::CHECK_ALTER_SYSTEM, &text, &[&names])
        .await?;
    let Some(row) = row.first() else {
        return Ok(None);
    };
    let allowed: String = row.get("allow_alter_system");
    if allowed == "off" {
        return Ok(Some(
            "this server forbids ALTER SYSTEM (allow_alter_system = off)".into(),
        ));
    }
    let not_granted: Vec<String> = row.get("not_granted");
    if not_granted.is_empty() {
        return Ok(None);
    }
    let (role, role_ident): (String, String) = (row.get("role"), row.get("role_ident"));
    let how = if version_num >= 150000 {
        format!(
            "a superuser can, or {}",
            crate::sql::statement::grant_alter_system(&not_granted, &role_ident)
        )
    } else {
        "only a superuser can before PostgreSQL 15".into()
    };
    Ok(Some(format!(
        "role {role} may not ALTER SYSTEM {} ({how})",
        not_granted.join(", ")
    )))
}

/// The audited settings as a new session gets them (see `sql/check/settings.sql`); `can_read_files`:
/// this role may read pg_file_settings.
pub async fn settings(
    db: &Db,
    names: &[String],
    can_read_files: bool,
) -> Result<HashMap<String, Current>, QueryError> {
    let files = if can_read_files {
        &sql::CHECK_FILE_SETTINGS_READABLE
    } else {
        &sql::CHECK_FILE_SETTINGS_UNREADABLE
    };
    let text = sql::CHECK_SETTINGS.with_fragments(&[("file_settings", files)]);
    let rows = db
        .query_text(&sql::CHECK_SETTINGS, &text, &[&names])
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let setting: String = r.get("setting");
            let unit: Option<String> = r.get("unit");
            (
                r.get::<_, String>("name"),
                Current {
                    display: display(&setting, unit.as_deref()),
                    setting,
                    unit,
                    vartype: r.get("vartype"),
                    context: r.get("context"),
                    source: r.get("source"),
                    sourcefile: r.get("sourcefile"),
                    sourceline: r.get("sourceline"),
                    pending_restart: r.get("pending_restart"),
                },
            )
        })
        .collect())
}

/// A value as a DBA reads it: memory as PGTune prints it (`128MB`, `20164kB`), others with their unit.
fn display(setting: &str, unit: Option<&str>) -> String {
    let Some(unit) = unit else {
        return setting.to_string();
    };
    let kb_per_unit = if unit.starts_with(|c: char| c.is_ascii_digit()) {
        crate::guc::in_setting_units(unit, Some("kB"))
    } else {
        crate::guc::in_setting_units(&format!("1{unit}"), Some("kB"))
    };
    match (kb_per_unit, setting.parse::<f64>()) {
        (Some(per), Ok(n)) if n >= 0.0 && (n * per).fract() == 0.0 => {
            crate::tune::Value::Kb((n * per) as u64).render()
        }
        _ => format!("{setting}{unit}"),
    }
}

/// One file per configuration entry the server read, when this role may see them.
#[derive(Debug, Clone)]
pub struct FileSetting {
    pub sourcefile: Option<String>,
    pub sourceline: Option<i32>,
    pub name: Option<String>,
    pub error: Option<String>,
}

pub async fn file_settings(db: &Db) -> Result<Vec<FileSetting>, QueryError> {
    let rows = db.query(&sql::CHECK_FILE_SETTINGS, &[]).await?;
    Ok(rows
        .iter()
        .map(|r| FileSetting {
            sourcefile: r.get("sourcefile"),
            sourceline: r.get("sourceline"),
            name: r.get("name"),
            error: r.get("error"),
        })
        .collect())
}

/// Files of the server's machine, read by the server (missing ones are left out).
pub async fn read_files(db: &Db, paths: &[String]) -> Result<Vec<(String, String)>, QueryError> {
    let rows = db.query(&sql::CHECK_READ_FILES, &[&paths]).await?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            Some((
                r.get::<_, String>("path"),
                r.get::<_, Option<String>>("contents")?,
            ))
        })
        .collect())
}

async fn rows(
    db: &Db,
    q: &Sql,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<Vec<Row>, QueryError> {
    db.query(q, params).await
}

pub async fn cache_hit(db: &Db) -> Result<Vec<CacheHit>, QueryError> {
    Ok(rows(db, &sql::HEALTH_CACHE_HIT, &[])
        .await?
        .iter()
        .map(|r| CacheHit {
            datname: r.get("datname"),
            hits: r.get("hits"),
            reads: r.get("reads"),
            ratio: r.get("ratio"),
        })
        .collect())
}

pub async fn connections(db: &Db) -> Result<Connections, QueryError> {
    let r = db.query_one(&sql::HEALTH_CONNECTIONS, &[]).await?;
    Ok(Connections {
        used: r.get("used"),
        max_connections: r.get::<_, i32>("max_connections").into(),
        superuser_reserved: r.get::<_, i32>("superuser_reserved").into(),
        reserved: r.get::<_, i32>("reserved").into(),
    })
}

fn session(r: &Row) -> Session {
    Session {
        pid: r.get("pid"),
        datname: r.get("datname"),
        usename: r.get("usename"),
        seconds: r.get("seconds"),
        query: r.try_get("query").ok().flatten(),
        blocked_by: r.try_get("blocked_by").unwrap_or_default(),
        total: r.get("total"),
    }
}

/// Sessions of one kind at least `min_seconds` old.
pub async fn sessions(db: &Db, q: &Sql, min_seconds: f64) -> Result<Vec<Session>, QueryError> {
    Ok(rows(db, q, &[&min_seconds])
        .await?
        .iter()
        .map(session)
        .collect())
}

pub async fn database_stats(db: &Db) -> Result<Vec<DatabaseStats>, QueryError> {
    Ok(rows(db, &sql::HEALTH_DATABASE_STATS, &[])
        .await?
        .iter()
        .map(|r| DatabaseStats {
            datname: r.get("datname"),
            deadlocks: r.get("deadlocks"),
            temp_files: r.get("temp_files"),
            temp_bytes: r.get("temp_bytes"),
            stats_reset: r.get("stats_reset"),
        })
        .collect())
}

/// pg_stat_checkpointer from PostgreSQL 17, pg_stat_bgwriter before.
pub async fn checkpoints(db: &Db, version_num: i32) -> Result<Checkpoints, QueryError> {
    let q = if version_num >= 170000 {
        &sql::HEALTH_CHECKPOINTS_CHECKPOINTER
    } else {
        &sql::HEALTH_CHECKPOINTS_BGWRITER
    };
    let r = db.query_one(q, &[]).await?;
    Ok(Checkpoints {
        timed: r.get("timed"),
        requested: r.get("requested"),
        stats_reset: r.get("stats_reset"),
    })
}

pub async fn wraparound(db: &Db) -> Result<Vec<Wraparound>, QueryError> {
    Ok(rows(db, &sql::HEALTH_WRAPAROUND, &[])
        .await?
        .iter()
        .map(|r| Wraparound {
            datname: r.get("datname"),
            xid_age: r.get("xid_age"),
            mxid_age: r.get("mxid_age"),
            freeze_max_age: r.get("freeze_max_age"),
            multixact_freeze_max_age: r.get("multixact_freeze_max_age"),
        })
        .collect())
}

pub async fn dead_tuples(db: &Db, factor: f64) -> Result<DeadTuples, QueryError> {
    let rows = rows(db, &sql::HEALTH_DEAD_TUPLES, &[&factor]).await?;
    let stats_reset = db
        .query(&sql::HEALTH_STATS_RESET, &[])
        .await?
        .first()
        .and_then(|r| r.get("stats_reset"));
    let Some(first) = rows.first() else {
        return Ok(DeadTuples {
            stats_reset,
            ..DeadTuples::default()
        });
    };
    let (total, server_autovacuum) = (first.get("total"), first.get("server_autovacuum"));
    let xmin_holder = db
        .query(&sql::HEALTH_XMIN_HOLDER, &[])
        .await?
        .first()
        .map(|r| XminHolder {
            kind: r.get("kind"),
            who: r.get("who"),
            detail: r.get::<_, Option<String>>("detail").unwrap_or_default(),
            xmin_age: r.get::<_, Option<i64>>("xmin_age").unwrap_or(0),
            seconds: r.get("seconds"),
        });
    Ok(DeadTuples {
        stats_reset,
        tables: rows
            .iter()
            .map(|r| DeadTable {
                schema: r.get("schemaname"),
                table: r.get("relname"),
                dead_tuples: r.get("dead"),
                threshold: r.get("threshold"),
                autovacuum_enabled: !matches!(
                    r.get::<_, String>("autovacuum_enabled").as_str(),
                    "off" | "false"
                ),
                last_autovacuum: r.get("last_autovacuum"),
                rows: r.get("reltuples"),
                vacuuming_now: r.get("vacuuming_now"),
            })
            .collect(),
        total,
        server_autovacuum,
        xmin_holder,
    })
}

pub async fn stale_stats(db: &Db, factor: f64) -> Result<Vec<TableCount>, QueryError> {
    let text =
        sql::HEALTH_STALE_STATS.with_fragments(&[("never_measured", &sql::REPORT_NEVER_MEASURED)]);
    Ok(db
        .query_text(&sql::HEALTH_STALE_STATS, &text, &[&factor])
        .await?
        .iter()
        .map(|r| TableCount {
            schema: r.get("schemaname"),
            table: r.get("relname"),
            count: r.get("modified"),
            threshold: r.get("threshold"),
            never_analyzed: r.get("never_analyzed"),
            never_measured: r.get("never_measured"),
            total: r.get("total"),
        })
        .collect())
}

pub async fn invalid_indexes(db: &Db) -> Result<Vec<InvalidIndex>, QueryError> {
    Ok(rows(db, &sql::HEALTH_INVALID_INDEXES, &[])
        .await?
        .iter()
        .map(|r| InvalidIndex {
            schema: r.get("schemaname"),
            table: r.get("tablename"),
            index: r.get("indexname"),
            bytes: r.get("bytes"),
            unique: r.get("is_unique"),
            partitioned: r.get("partitioned"),
            total: r.get("total"),
        })
        .collect())
}

pub async fn sequences(db: &Db, min_used: f64) -> Result<(Vec<SequenceUse>, i64), QueryError> {
    let found = rows(db, &sql::HEALTH_SEQUENCES, &[&min_used])
        .await?
        .iter()
        .map(|r| SequenceUse {
            schema: r.get("schemaname"),
            name: r.get("sequencename"),
            last_value: r.get("last_value"),
            limit: r.get("limit_value"),
            used: r.get("used"),
            sequence_type: r.get("sequence_type"),
            column: r.get::<_, Option<String>>("column_name").map(|column| {
                crate::health::FedColumn {
                    schema: r.get("column_schema"),
                    table: r.get("column_table"),
                    column,
                }
            }),
            column_narrow: r.get("column_narrow"),
            total: r.get("total"),
        })
        .collect();
    let unreadable: i64 = db
        .query_one(&sql::HEALTH_UNREADABLE_SEQUENCES, &[])
        .await?
        .get("unreadable");
    Ok((found, unreadable))
}

pub async fn replication(db: &Db) -> Result<Vec<Replication>, QueryError> {
    Ok(rows(db, &sql::HEALTH_REPLICATION, &[])
        .await?
        .iter()
        .map(|r| Replication {
            role: r.get("role"),
            name: r.get("name"),
            lag_seconds: r.get("lag_seconds"),
            lag_bytes: r.get("lag_bytes"),
        })
        .collect())
}

pub async fn slots(db: &Db) -> Result<Vec<Slot>, QueryError> {
    Ok(rows(db, &sql::HEALTH_SLOTS, &[])
        .await?
        .iter()
        .map(|r| Slot {
            name: r.get("slot_name"),
            slot_type: r.get("slot_type"),
            active: r.get("active"),
            retained_bytes: r.get("retained_bytes"),
        })
        .collect())
}

/// The slowest statements not pgtune's own, and how many of pgtune's were left out.
pub async fn slow_statements(
    db: &Db,
    schema: &str,
) -> Result<(Vec<SlowStatement>, i64), QueryError> {
    let text = sql::HEALTH_SLOW_STATEMENTS.with_relation(
        "pg_stat_statements",
        schema,
        "pg_stat_statements",
    );
    let rows = db
        .query_text(&sql::HEALTH_SLOW_STATEMENTS, &text, &[])
        .await?;
    let mut left_out = rows.first().map_or(0, |r| r.get::<_, i64>("left_out"));
    let theirs: Vec<&Row> = rows
        .iter()
        .filter(|r| {
            !r.get::<_, Option<String>>("full_query")
                .is_some_and(|q| sql::is_pgtunes_own(&q))
        })
        .collect();
    // Rows with a statement (one row without is only the count).
    let with_statement = rows
        .iter()
        .filter(|r| r.get::<_, Option<String>>("queryid").is_some())
        .count();
    let theirs_with_statement = theirs
        .iter()
        .filter(|r| r.get::<_, Option<String>>("queryid").is_some())
        .count();
    left_out += (with_statement - theirs_with_statement) as i64;
    let statements = theirs
        .into_iter()
        .take(5)
        .filter_map(|r| {
            Some(SlowStatement {
                queryid: r.get::<_, Option<String>>("queryid")?,
                calls: r.get::<_, Option<i64>>("calls")?,
                mean_seconds: r.get::<_, Option<f64>>("mean_seconds")?,
                query: r.get::<_, Option<String>>("query").unwrap_or_default(),
            })
        })
        .collect();
    Ok((statements, left_out))
}

pub async fn pending_restart(db: &Db) -> Result<Vec<String>, QueryError> {
    Ok(rows(db, &sql::HEALTH_PENDING_RESTART, &[])
        .await?
        .iter()
        .map(|r| r.get("name"))
        .collect())
}
