//! The database side of `maintain`, `history`, `snapshot`, `trends` and `purge`: the run record, the
//! snapshot tables, the trend queries and the purge batches.

use chrono::{DateTime, Utc};

use super::{Db, QueryError};
use crate::sql::{self, Sql};

/// Whether pgtune's record table exists; a table this role may not read is an error that says
/// which privilege is missing.
async fn present(db: &Db, sql: &Sql) -> Result<bool, QueryError> {
    let row = db.query_one(sql, &[]).await?;
    let (present, readable, role, role_ident): (bool, bool, String, String) = (
        row.get("present"),
        row.get("readable"),
        row.get("role"),
        row.get("role_ident"),
    );
    if present && !readable {
        return Err(db.refusal(
            sql,
            "42501",
            format!(
                "role {role} may not read pgtune's records in schema pgtune; as their owner run \
                 GRANT USAGE ON SCHEMA pgtune TO {role_ident}; GRANT SELECT ON ALL TABLES IN SCHEMA pgtune TO {role_ident};"
            ),
        ));
    }
    Ok(present)
}

/// Creates the run record tables unless they exist.
pub async fn ensure_runs(db: &Db) -> Result<(), QueryError> {
    if !present(db, &sql::PLAYBOOK_EXISTS).await? {
        db.execute_script(&sql::PLAYBOOK_CREATE).await?;
    }
    Ok(())
}

pub async fn runs_exist(db: &Db) -> Result<bool, QueryError> {
    present(db, &sql::PLAYBOOK_EXISTS).await
}

/// Records the runs a lost connection or a killed process left "running" as failed; their ids.
pub async fn close_interrupted(db: &Db) -> Result<Vec<i64>, QueryError> {
    let rows = db.query(&sql::PLAYBOOK_CLOSE_INTERRUPTED, &[]).await?;
    Ok(rows.iter().map(|r| r.get("id")).collect())
}

pub async fn run_start(db: &Db, playbook: &str, client: &str) -> Result<i64, QueryError> {
    Ok(db
        .query_one(&sql::PLAYBOOK_RUN_START, &[&playbook, &client])
        .await?
        .get("id"))
}

pub async fn run_end(
    db: &Db,
    id: i64,
    status: &str,
    summary: Option<&str>,
    error: Option<&str>,
) -> Result<(), QueryError> {
    db.query(&sql::PLAYBOOK_RUN_END, &[&id, &status, &summary, &error])
        .await
        .map(|_| ())
}

pub async fn step_start(
    db: &Db,
    run: i64,
    position: i32,
    name: &str,
    step: &str,
    command: &str,
) -> Result<i64, QueryError> {
    Ok(db
        .query_one(
            &sql::PLAYBOOK_STEP_START,
            &[&run, &position, &name, &step, &command],
        )
        .await?
        .get("id"))
}

pub async fn step_end(
    db: &Db,
    id: i64,
    status: &str,
    summary: Option<&str>,
    error: Option<&str>,
) -> Result<(), QueryError> {
    db.query(&sql::PLAYBOOK_STEP_END, &[&id, &status, &summary, &error])
        .await
        .map(|_| ())
}

/// The run in progress: playbook, start, client.
pub async fn in_progress(db: &Db) -> Result<Option<(String, DateTime<Utc>, String)>, QueryError> {
    if !runs_exist(db).await? {
        return Ok(None);
    }
    let rows = db.query(&sql::PLAYBOOK_IN_PROGRESS, &[]).await?;
    Ok(rows
        .first()
        .map(|r| (r.get("playbook"), r.get("started_at"), r.get("client"))))
}

#[derive(Debug, serde::Serialize)]
pub struct RecordedRun {
    pub id: i64,
    pub playbook: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub status: String,
    pub client: String,
    pub summary: Option<serde_json::Value>,
    pub error: Option<String>,
    pub steps: serde_json::Value,
    /// Recorded as running, but no run holds the runner lock: it ended without recording how (its
    /// process killed, its connection lost); the next run records it as failed.
    pub ended_unrecorded: bool,
}

pub async fn history(
    db: &Db,
    limit: i64,
    playbook: Option<&str>,
) -> Result<Vec<RecordedRun>, QueryError> {
    let rows = db
        .query(&sql::PLAYBOOK_HISTORY, &[&limit, &playbook])
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let summary: Option<String> = r.get("summary");
            let steps: String = r.get("steps");
            RecordedRun {
                id: r.get("id"),
                playbook: r.get("playbook"),
                started_at: r.get("started_at"),
                ended_at: r.get("ended_at"),
                status: r.get("status"),
                client: r.get("client"),
                summary: summary.and_then(|s| serde_json::from_str(&s).ok()),
                error: r.get("error"),
                steps: serde_json::from_str(&steps).unwrap_or_default(),
                ended_unrecorded: false,
            }
        })
        .collect())
}

/// playbook -> when it last ended without a failure (Unix seconds).
pub async fn last_success(db: &Db) -> Result<Vec<(String, f64)>, QueryError> {
    let rows = db.query(&sql::PLAYBOOK_LAST_SUCCESS, &[]).await?;
    Ok(rows
        .iter()
        .map(|r| (r.get("playbook"), r.get("at")))
        .collect())
}

pub async fn ensure_snapshots(db: &Db) -> Result<(), QueryError> {
    if !present(db, &sql::SNAPSHOT_EXISTS).await? {
        db.execute_script(&sql::SNAPSHOT_CREATE).await?;
    }
    Ok(())
}

pub async fn snapshots_exist(db: &Db) -> Result<bool, QueryError> {
    present(db, &sql::SNAPSHOT_EXISTS).await
}

/// Takes a snapshot: (id, tables, indexes).
pub async fn take_snapshot(db: &Db) -> Result<(i64, i64, i64), QueryError> {
    let r = db.query_one(&sql::SNAPSHOT_TAKE, &[]).await?;
    Ok((r.get("id"), r.get("tables"), r.get("indexes")))
}

pub async fn expire_snapshots(db: &Db, older_than_secs: f64) -> Result<i64, QueryError> {
    Ok(db
        .query_one(&sql::SNAPSHOT_RETENTION, &[&older_than_secs])
        .await?
        .get("deleted"))
}

pub struct SnapshotPair {
    pub latest_id: i64,
    pub latest_at: DateTime<Utc>,
    pub earlier_id: i64,
    pub earlier_at: DateTime<Utc>,
    pub latest_bytes: i64,
    pub earlier_bytes: i64,
    pub hit: i64,
    pub read: i64,
    pub hit_before: i64,
    pub read_before: i64,
    /// Non-default settings at each snapshot, name to value as text.
    pub latest_settings: std::collections::BTreeMap<String, String>,
    pub earlier_settings: std::collections::BTreeMap<String, String>,
    pub snapshots: i64,
}

pub async fn snapshot_pair(db: &Db, since_secs: f64) -> Result<Option<SnapshotPair>, QueryError> {
    let rows = db.query(&sql::TRENDS_PAIR, &[&since_secs]).await?;
    let settings = |s: String| match serde_json::from_str(&s) {
        Ok(serde_json::Value::Object(m)) => m
            .into_iter()
            .map(|(k, v)| {
                let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                (k, text)
            })
            .collect(),
        _ => Default::default(),
    };
    Ok(rows.first().map(|r| SnapshotPair {
        latest_id: r.get("latest_id"),
        latest_at: r.get("latest_at"),
        earlier_id: r.get("earlier_id"),
        earlier_at: r.get("earlier_at"),
        latest_bytes: r.get("latest_bytes"),
        earlier_bytes: r.get("earlier_bytes"),
        hit: r.get::<_, Option<i64>>("hit").unwrap_or(0),
        read: r.get::<_, Option<i64>>("read").unwrap_or(0),
        hit_before: r.get::<_, Option<i64>>("hit_before").unwrap_or(0),
        read_before: r.get::<_, Option<i64>>("read_before").unwrap_or(0),
        latest_settings: settings(r.get("latest_settings")),
        earlier_settings: settings(r.get("earlier_settings")),
        snapshots: r.get("snapshots"),
    }))
}

pub struct TableChange {
    pub schema: String,
    pub table: String,
    pub before_bytes: i64,
    pub after_bytes: i64,
    pub dead_before: i64,
    pub dead_after: i64,
    pub is_new: bool,
}

pub async fn table_changes(
    db: &Db,
    earlier: i64,
    latest: i64,
) -> Result<Vec<TableChange>, QueryError> {
    let rows = db.query(&sql::TRENDS_GROWERS, &[&earlier, &latest]).await?;
    Ok(rows
        .iter()
        .map(|r| TableChange {
            schema: r.get("schema_name"),
            table: r.get("table_name"),
            before_bytes: r.get("before_bytes"),
            after_bytes: r.get("after_bytes"),
            dead_before: r.get("dead_before"),
            dead_after: r.get("dead_after"),
            is_new: r.get("is_new"),
        })
        .collect())
}

pub struct UnusedInWindow {
    pub schema: String,
    pub table: String,
    pub index: String,
    pub bytes: i64,
    pub newly: bool,
}

pub async fn unused_in_window(
    db: &Db,
    earlier: i64,
    latest: i64,
) -> Result<Vec<UnusedInWindow>, QueryError> {
    let rows = db.query(&sql::TRENDS_UNUSED, &[&earlier, &latest]).await?;
    Ok(rows
        .iter()
        .map(|r| UnusedInWindow {
            schema: r.get("schema_name"),
            table: r.get("table_name"),
            index: r.get("index_name"),
            bytes: r.get("bytes"),
            newly: r.get("newly"),
        })
        .collect())
}

/// The cumulative block counters of the snapshot before `id`: (hit, read).
pub async fn previous_counters(db: &Db, id: i64) -> Result<Option<(i64, i64)>, QueryError> {
    let rows = db.query(&sql::TRENDS_PREVIOUS_WINDOW, &[&id]).await?;
    Ok(rows.first().map(|r| {
        (
            r.get::<_, Option<i64>>("blks_hit").unwrap_or(0),
            r.get::<_, Option<i64>>("blks_read").unwrap_or(0),
        )
    }))
}

/// Size series: (schema, table) — both None for the database — and (unix seconds, bytes) points.
pub async fn size_series(
    db: &Db,
    top: i64,
) -> Result<Vec<(Option<String>, Option<String>, f64, i64)>, QueryError> {
    let rows = db.query(&sql::TRENDS_SERIES, &[&top]).await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect())
}

pub async fn data_directory(db: &Db) -> Result<Option<String>, QueryError> {
    Ok(db
        .query_one(&sql::TRENDS_DATA_DIRECTORY, &[])
        .await?
        .get("data_directory"))
}

/// The purge target as resolved: (schema, table, type of the column or None when it has no such column).
pub async fn purge_target(
    db: &Db,
    table: &str,
    column: &str,
) -> Result<Option<(String, String, Option<String>)>, QueryError> {
    let rows = db.query(&sql::PURGE_COLUMN, &[&table, &column]).await?;
    Ok(rows
        .first()
        .map(|r| (r.get("schema"), r.get("name"), r.get("column_type"))))
}

/// Whether `older_than` is an interval PostgreSQL reads, reaching into the past; why not, if not.
pub async fn purge_interval_refusal(
    db: &Db,
    older_than: &str,
) -> Result<Option<String>, QueryError> {
    match db.query_one(&sql::PURGE_INTERVAL, &[&older_than]).await {
        Ok(row) if row.get::<_, bool>("positive") => Ok(None),
        Ok(_) => Ok(Some(format!(
            "\"{older_than}\" is not a positive interval: purge deletes rows older than now minus it"
        ))),
        Err(e) if e.code.as_deref().is_some_and(|c| c.starts_with("22")) => Ok(Some(format!(
            "\"{older_than}\" is not an interval PostgreSQL reads (e.g. 90 days, 2 weeks, 1 year)"
        ))),
        Err(e) => Err(e),
    }
}

fn purge_text(sql: &Sql, schema: &str, table: &str, column: &str) -> String {
    Sql::with_identifier(&sql.with_relation("table", schema, table), "column", column)
}

pub async fn purge_count(
    db: &Db,
    schema: &str,
    table: &str,
    column: &str,
    older_than: &str,
) -> Result<i64, QueryError> {
    let text = purge_text(&sql::PURGE_COUNT, schema, table, column);
    let rows = db
        .query_text(&sql::PURGE_COUNT, &text, &[&older_than])
        .await?;
    Ok(rows.first().map(|r| r.get("rows")).unwrap_or(0))
}

/// The statement one purge batch runs (for --dry-run and for the run).
pub fn purge_statement(schema: &str, table: &str, column: &str) -> String {
    purge_text(&sql::PURGE_BATCH, schema, table, column)
}

pub async fn purge_batch(
    db: &Db,
    statement: &str,
    older_than: &str,
    batch: i64,
) -> Result<u64, QueryError> {
    super::runner::Runner::once(db, "purge")
        .run_bound(&sql::PURGE_BATCH, statement, &[&older_than, &batch])
        .await
        .map_err(|stopped| stopped.into_error(db, "purge"))
}

/// A session of an earlier maintenance run, still working.
#[derive(Debug)]
pub struct EarlierRunSession {
    pub pid: i32,
    pub application: String,
    pub state: String,
    pub seconds: f64,
    pub query: String,
}

/// Sessions of other maintenance runs still working in this database (`own`: this run's
/// application_name).
pub async fn earlier_run_sessions(
    db: &Db,
    own: &str,
) -> Result<Vec<EarlierRunSession>, QueryError> {
    Ok(db
        .query(&sql::PLAYBOOK_EARLIER_RUN_SESSIONS, &[&own])
        .await?
        .iter()
        .map(|r| EarlierRunSession {
            pid: r.get("pid"),
            application: r.get("application"),
            state: r.get("state"),
            seconds: r.get("seconds"),
            query: r.get("query"),
        })
        .collect())
}

/// Cancels the active statements of every session named `application`; how many.
pub async fn cancel_application(db: &Db, application: &str) -> Result<i64, QueryError> {
    Ok(db
        .query_one(&sql::PLAYBOOK_CANCEL_APPLICATION, &[&application])
        .await?
        .get("cancelled"))
}
