//! Catalog facts for `pgtune schema`, the shadow builds that let PostgreSQL normalise declared index
//! definitions, and the small statements `apply` needs around its changes (runner lock, journal,
//! progress, cancellation).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::{Db, QueryError};
use crate::schema::plan::{ExtensionFacts, LiveIndex, Refusal, TableRef};
use crate::schema::shape::{IndexShape, KeyColumn};
use crate::sql::{self, Sql};

pub struct ServerFacts {
    pub in_recovery: bool,
    pub can_temp: bool,
    pub role: String,
    pub database: String,
    pub version_num: i32,
}

pub async fn server(db: &Db) -> Result<ServerFacts, QueryError> {
    let row = db.query_one(&sql::SCHEMA_SERVER, &[]).await?;
    Ok(ServerFacts {
        in_recovery: row.get("in_recovery"),
        can_temp: row.get("can_temp"),
        role: row.get("role"),
        database: row.get("database"),
        version_num: row.get("version_num"),
    })
}

pub async fn extensions(db: &Db, names: &[String]) -> Result<Vec<ExtensionFacts>, QueryError> {
    let rows = db.query(&sql::SCHEMA_EXTENSIONS, &[&names]).await?;
    Ok(rows
        .iter()
        .map(|r| {
            let schema: Option<String> = r.get("installed_schema");
            let version: Option<String> = r.get("installed_version");
            ExtensionFacts {
                name: r.get("name"),
                installed: schema.zip(version),
                available: r.get("available"),
                default_version: r.get("default_version"),
            }
        })
        .collect())
}

/// Each name (quoted, as SQL text) resolved as PostgreSQL would, in order.
pub async fn resolve_tables(
    db: &Db,
    given: &[String],
) -> Result<Vec<Option<TableRef>>, QueryError> {
    let text = sql::SCHEMA_RESOLVE_TABLES
        .with_fragments(&[("partition_tree", &sql::REPORT_PARTITION_TREE)]);
    let rows = db
        .query_text(&sql::SCHEMA_RESOLVE_TABLES, &text, &[&given])
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let oid: Option<u32> = r.get("oid");
            oid.map(|oid| TableRef {
                oid,
                schema: r.get("schema"),
                name: r.get("name"),
                partitioned: r.get("partitioned"),
                partitions: r
                    .get::<_, Option<serde_json::Value>>("partitions")
                    .and_then(|v| serde_json::from_value(v).ok())
                    .unwrap_or_default(),
                partition_key: r.get("partition_key"),
            })
        })
        .collect())
}

/// Another session's ACCESS EXCLUSIVE lock on a declared table (held, or queued for).
#[derive(Debug, Clone)]
pub struct TableLock {
    pub table_oid: u32,
    pub pid: Option<i32>,
    pub granted: bool,
    pub role: String,
    pub application: String,
    pub state: String,
    pub seconds: f64,
}

impl TableLock {
    /// "pid 42 (role alice, application \"psql\", idle in transaction for 3s) holds it in ACCESS EXCLUSIVE mode"
    pub fn describe(&self) -> String {
        let who = match self.pid {
            Some(pid) => {
                let mut parts = vec![];
                if !self.role.is_empty() {
                    parts.push(format!("role {}", self.role));
                }
                if !self.application.is_empty() {
                    parts.push(format!("application \"{}\"", self.application));
                }
                parts.push(format!(
                    "{} for {}",
                    self.state,
                    crate::units::format_duration(Duration::from_secs_f64(self.seconds.max(0.0)))
                ));
                format!("pid {pid} ({})", parts.join(", "))
            }
            None => "a prepared transaction".into(),
        };
        let how = if self.granted { "holds" } else { "waits for" };
        format!("{who} {how} an ACCESS EXCLUSIVE lock (AccessExclusiveLock) on it")
    }
}

/// Which of `tables` another session holds or waits for in ACCESS EXCLUSIVE mode.
pub async fn locked_tables(db: &Db, tables: &[u32]) -> Result<Vec<TableLock>, QueryError> {
    let rows = db.query(&sql::SCHEMA_LOCKED_TABLES, &[&tables]).await?;
    Ok(rows
        .iter()
        .map(|r| TableLock {
            table_oid: r.get("table_oid"),
            pid: r.get("pid"),
            granted: r.get("granted"),
            role: r.get("role"),
            application: r.get("application"),
            state: r.get("state"),
            seconds: r.get("seconds"),
        })
        .collect())
}

/// Every index on `tables`, and any index named `names[i]` in `schemas[i]`; the definitions of
/// indexes on `locked` tables are left empty (reading them would wait for the lock).
pub async fn indexes(
    db: &Db,
    tables: &[u32],
    schemas: &[String],
    names: &[String],
    locked: &[u32],
) -> Result<Vec<LiveIndex>, QueryError> {
    let rows = db
        .query(&sql::SCHEMA_INDEXES, &[&tables, &schemas, &names, &locked])
        .await?;
    Ok(rows
        .iter()
        .map(|r| LiveIndex {
            oid: r.get("oid"),
            schema: r.get("schema"),
            name: r.get("name"),
            table_oid: r.get("table_oid"),
            table: r.get("table_name"),
            table_name: r.get("table_relname"),
            valid: r.get("valid"),
            ready: r.get("ready"),
            definition: r.get("definition"),
            constraint: r.get("constraint_name"),
            owned_by_extension: r.get("owned_by_extension"),
            partition_child: r.get("partition_child"),
            partitioned: r.get("partitioned"),
        })
        .collect())
}

/// A declared index to build on an empty copy of its table.
pub struct ShadowRequest {
    pub declaration: usize,
    pub table_oid: u32,
    /// The copy of its table; made once per transaction for every request on that table.
    pub create_table: String,
    pub create_index: String,
    pub index_name: String,
    /// The shadow table's name and the table's, to name the table in PostgreSQL's refusal.
    pub shadow_table: String,
    pub table: String,
}

/// What the shadow builds found: the declared shapes (or PostgreSQL's error) by declaration, the
/// declarations whose build could not be tried and why, and the live indexes' shapes by oid.
#[derive(Default)]
pub struct ShadowResults {
    pub declared: HashMap<usize, Result<IndexShape, Refusal>>,
    pub not_compared: HashMap<usize, String>,
    pub live: HashMap<u32, IndexShape>,
}

/// Declarations per transaction: each holds a few locks (source table, temporary table, its index),
/// and a server with the default max_locks_per_transaction must not run out.
const SHADOWS_PER_TRANSACTION: usize = 50;

/// Builds each declared index on a temporary empty copy of its table, in transactions that are always
/// rolled back, and reads the catalog fields of both it and the live indexes with search_path pinned
/// to pg_catalog, so the server spells both the same way.
pub async fn shadow_shapes(
    db: &Db,
    version_num: i32,
    requests: &[ShadowRequest],
    live: &[u32],
) -> Result<ShadowResults, QueryError> {
    let mut results = ShadowResults::default();
    let mut live_left: &[u32] = live;
    let batches: Vec<&[ShadowRequest]> = if requests.is_empty() {
        vec![&[]]
    } else {
        requests.chunks(SHADOWS_PER_TRANSACTION).collect()
    };
    for batch in batches {
        db.execute_statement("schema/shadow", crate::sql::statement::BEGIN_READ_WRITE)
            .await?;
        let outcome = shadow_batch(db, version_num, batch, live_left, &mut results).await;
        // Always rolled back: nothing of a shadow build survives, whatever happened.
        let rollback = db
            .execute_statement("schema/shadow", crate::sql::statement::ROLLBACK)
            .await;
        outcome?;
        rollback?;
        live_left = &[];
    }
    Ok(results)
}

/// Builds the batch's shadow tables and indexes, recording each declaration's refusal; the ones
/// built. Optimistic first: every statement pipelined, no savepoints, in one round trip's time;
/// only when something failed is the batch rolled back and built again one by one, each statement
/// in a savepoint, to learn which declarations failed and why.
async fn build_shadows<'r>(
    db: &Db,
    batch: &'r [ShadowRequest],
    results: &mut ShadowResults,
) -> Result<Vec<&'r ShadowRequest>, QueryError> {
    let mut statements: Vec<&str> = Vec::new();
    let mut copied = std::collections::HashSet::new();
    for r in batch {
        if copied.insert(r.table_oid) {
            statements.push(&r.create_table);
        }
        statements.push(&r.create_index);
    }
    db.execute_statement(
        "schema/shadow",
        &crate::sql::statement::savepoint("pgtune_shadow_batch"),
    )
    .await?;
    let outcomes = db.execute_pipelined("schema/shadow", &statements).await;
    if outcomes.iter().all(Result::is_ok) {
        db.execute_statement(
            "schema/shadow",
            &crate::sql::statement::release_savepoint("pgtune_shadow_batch"),
        )
        .await?;
        return Ok(batch.iter().collect());
    }
    db.execute_statement(
        "schema/shadow",
        &crate::sql::statement::rollback_to_savepoint("pgtune_shadow_batch"),
    )
    .await?;
    build_shadows_one_by_one(db, batch, results).await
}

async fn build_shadows_one_by_one<'r>(
    db: &Db,
    batch: &'r [ShadowRequest],
    results: &mut ShadowResults,
) -> Result<Vec<&'r ShadowRequest>, QueryError> {
    let mut built = Vec::new();
    // Each table is copied once per transaction; why a copy failed applies to all its requests.
    let mut copies: HashMap<u32, Option<QueryError>> = HashMap::new();
    for r in batch {
        if let std::collections::hash_map::Entry::Vacant(copy) = copies.entry(r.table_oid) {
            copy.insert(in_savepoint(db, &r.create_table).await?.err());
        }
        let result = match &copies[&r.table_oid] {
            Some(e) => Err(e.clone()),
            None => in_savepoint(db, &r.create_index).await?,
        };
        match result {
            Ok(()) => built.push(r),
            Err(e) if e.is_lock_timeout() => {
                results.not_compared.insert(
                    r.declaration,
                    "its table is locked by another session".into(),
                );
            }
            Err(e) if e.code.as_deref() == Some("42501") => {
                // A monitoring role (pg_monitor) may not copy the table: the definition cannot
                // be judged, which is not the declaration's fault.
                results.not_compared.insert(
                    r.declaration,
                    format!(
                        "this role may not copy its table for the shadow build ({} is needed): {}",
                        if e.message.contains("for schema") {
                            "USAGE on its schema"
                        } else {
                            "SELECT on it"
                        },
                        e.message
                    ),
                );
            }
            Err(e) => {
                results.declared.insert(
                    r.declaration,
                    Err(Refusal {
                        message: e
                            .message
                            .replace(&format!("\"{}\"", r.shadow_table), &r.table),
                        sqlstate: e.code,
                    }),
                );
            }
        }
    }
    Ok(built)
}

/// Runs one statement inside a savepoint: its error (the inner result) is undone and returned; only
/// a failure of the savepoint itself is the outer error. One statement per message: a declared tail
/// that tries to end the transaction (or to smuggle in a second statement) is refused by the server,
/// and the savepoint is still ours.
async fn in_savepoint(db: &Db, statement: &str) -> Result<Result<(), QueryError>, QueryError> {
    db.execute_statement(
        "schema/shadow",
        &crate::sql::statement::savepoint("pgtune_shadow"),
    )
    .await?;
    match db.execute_statement("schema/shadow", statement).await {
        Ok(()) => {
            db.execute_statement(
                "schema/shadow",
                &crate::sql::statement::release_savepoint("pgtune_shadow"),
            )
            .await?;
            Ok(Ok(()))
        }
        Err(e) => {
            db.execute_statement(
                "schema/shadow",
                &crate::sql::statement::rollback_to_savepoint("pgtune_shadow"),
            )
            .await?;
            Ok(Err(e))
        }
    }
}

async fn shadow_batch(
    db: &Db,
    version_num: i32,
    batch: &[ShadowRequest],
    live: &[u32],
    results: &mut ShadowResults,
) -> Result<(), QueryError> {
    // Shadow indexes would land in temp_tablespaces and differ from the live ones in tablespace.
    db.execute_statement(
        "schema/shadow",
        &crate::sql::statement::set_local("temp_tablespaces", ""),
    )
    .await?;
    let built = build_shadows(db, batch, results).await?;
    db.execute_statement(
        "schema/shadow",
        &crate::sql::statement::set_local("search_path", "pg_catalog"),
    )
    .await?;
    let names: Vec<String> = built.iter().map(|r| r.index_name.clone()).collect();
    let rows = db.query(&sql::SCHEMA_SHADOW_OIDS, &[&names]).await?;
    let shadow_oids: HashMap<String, u32> = rows
        .iter()
        .filter_map(|r| Some((r.get::<_, String>("name"), r.get::<_, Option<u32>>("oid")?)))
        .collect();
    let mut oids: Vec<u32> = shadow_oids.values().copied().collect();
    oids.extend_from_slice(live);
    let mut shapes = index_shapes(db, version_num, &oids).await?;
    for r in built {
        if let Some(shape) = shadow_oids
            .get(&r.index_name)
            .and_then(|o| shapes.remove(o))
        {
            results.declared.insert(r.declaration, Ok(shape));
        }
    }
    for oid in live {
        if let Some(shape) = shapes.remove(oid) {
            results.live.insert(*oid, shape);
        }
    }
    Ok(())
}

async fn index_shapes(
    db: &Db,
    version_num: i32,
    oids: &[u32],
) -> Result<HashMap<u32, IndexShape>, QueryError> {
    let fragment: &Sql = if version_num >= 150000 {
        &sql::SCHEMA_NULLS_NOT_DISTINCT_15
    } else {
        &sql::SCHEMA_NULLS_NOT_DISTINCT_NONE
    };
    let text = sql::SCHEMA_INDEX_SHAPES.with_fragments(&[("nulls_not_distinct", fragment)]);
    let rows = db
        .query_text(&sql::SCHEMA_INDEX_SHAPES, &text, &[&oids])
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let keys: Vec<String> = r.get("keys");
            let opclasses: Vec<String> = r.get("opclasses");
            let opclass_options: Vec<String> = r.get("opclass_options");
            let collations: Vec<String> = r.get("collations");
            let key_options: Vec<i32> = r.get("key_options");
            let keys = keys
                .into_iter()
                .enumerate()
                .map(|(k, expression)| KeyColumn {
                    expression,
                    opclass: opclasses.get(k).cloned().unwrap_or_default(),
                    opclass_options: opclass_options.get(k).cloned().unwrap_or_default(),
                    collation: collations.get(k).cloned().unwrap_or_default(),
                    // pg_index.indoption: bit 0 DESC, bit 1 NULLS FIRST.
                    descending: key_options.get(k).is_some_and(|o| o & 1 != 0),
                    nulls_first: key_options.get(k).is_some_and(|o| o & 2 != 0),
                })
                .collect();
            (
                r.get::<_, u32>("oid"),
                IndexShape {
                    method: r.get("method"),
                    unique: r.get("is_unique"),
                    nulls_not_distinct: r.get("nulls_not_distinct"),
                    keys,
                    include: r.get("include"),
                    predicate: r.get("predicate"),
                    options: r.get("options"),
                    tablespace: r.get("tablespace"),
                },
            )
        })
        .collect())
}

/// pgtune's advisory lock key (`pgtu`), paired with the kind of runner.
const LOCK_KEY: i32 = 0x7067_7475;

#[derive(Debug, Clone, Copy)]
pub enum Runner {
    SchemaApply = 1,
    Maintain = 2,
}

pub async fn try_lock(db: &Db, runner: Runner) -> Result<bool, QueryError> {
    let row = db
        .query_one(&sql::LOCK_TRY, &[&LOCK_KEY, &(runner as i32)])
        .await?;
    Ok(row.get("locked"))
}

/// Takes a runner lock, polling `pg_try_advisory_lock` with a doubling pause (at most 2 s) for up to
/// `wait`; false when another session still holds it. Never `pg_advisory_lock`: blocking there would
/// deadlock with another runner's concurrent index build (it waits for our transaction, we for its lock).
pub async fn poll_lock(db: &Db, runner: Runner, wait: Duration) -> Result<bool, QueryError> {
    let deadline = Instant::now() + wait;
    let mut pause = Duration::from_millis(100);
    loop {
        if try_lock(db, runner).await? {
            return Ok(true);
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(false);
        }
        tokio::time::sleep(pause.min(deadline - now)).await;
        pause = (pause * 2).min(Duration::from_secs(2));
    }
}

pub async fn unlock(db: &Db, runner: Runner) -> Result<(), QueryError> {
    db.query_one(&sql::LOCK_RELEASE, &[&LOCK_KEY, &(runner as i32)])
        .await
        .map(|_| ())
}

/// Whoever holds a runner lock; what pg_stat_activity hides from this role is None.
pub struct LockHolder {
    pub pid: i32,
    pub role: Option<String>,
    pub application: Option<String>,
    pub client: Option<String>,
    pub since: Option<DateTime<Utc>>,
}

pub async fn lock_holder(db: &Db, runner: Runner) -> Result<Option<LockHolder>, QueryError> {
    let rows = db
        .query(&sql::LOCK_HOLDER, &[&LOCK_KEY, &(runner as i32)])
        .await?;
    Ok(rows.first().map(|r| LockHolder {
        pid: r.get("pid"),
        role: r.get("role"),
        application: r.get("application"),
        client: r.get("client"),
        since: r.get("backend_start"),
    }))
}

pub async fn backend_pid(db: &Db) -> Result<i32, QueryError> {
    Ok(db
        .query_one(&sql::SCHEMA_BACKEND_PID, &[])
        .await?
        .get("pid"))
}

pub async fn cancel(db: &Db, pid: i32) -> Result<(), QueryError> {
    db.query_one(&sql::SCHEMA_CANCEL, &[&pid]).await.map(|_| ())
}

pub struct OldTransaction {
    pub pid: i32,
    pub role: String,
    pub application: String,
    pub state: String,
    pub seconds: f64,
}

pub async fn old_transactions(
    db: &Db,
    older_than_secs: f64,
) -> Result<Vec<OldTransaction>, QueryError> {
    let rows = db
        .query(&sql::SCHEMA_OLD_TRANSACTIONS, &[&older_than_secs])
        .await?;
    Ok(rows
        .iter()
        .map(|r| OldTransaction {
            pid: r.get("pid"),
            role: r.get("role"),
            application: r.get("application"),
            state: r.get("state"),
            seconds: r.get("seconds"),
        })
        .collect())
}

/// An index's state: (valid, ready, bytes), or None when it does not exist.
/// An index attached below a partitioned index, on one of its table's partitions.
#[derive(Debug, Clone)]
pub struct AttachedIndex {
    pub schema: String,
    pub table: String,
    pub index: String,
    /// On a sub-partitioned partition (relkind 'I').
    pub partitioned: bool,
    pub valid: bool,
}

/// The indexes attached below the partitioned index `oid`, at every level.
pub async fn attached_indexes(db: &Db, oid: u32) -> Result<Vec<AttachedIndex>, QueryError> {
    let rows = db.query(&sql::SCHEMA_INDEX_TREE, &[&oid]).await?;
    Ok(rows
        .iter()
        .map(|r| AttachedIndex {
            schema: r.get("schema"),
            table: r.get("table_name"),
            index: r.get("index_name"),
            partitioned: r.get("partitioned"),
            valid: r.get("valid"),
        })
        .collect())
}

pub async fn index_state(
    db: &Db,
    schema: &str,
    name: &str,
) -> Result<Option<(bool, bool, i64)>, QueryError> {
    let rows = db
        .query(&sql::SCHEMA_INDEX_STATE, &[&schema, &name])
        .await?;
    Ok(rows
        .first()
        .map(|r| (r.get("valid"), r.get("ready"), r.get("bytes"))))
}

pub struct BuildProgress {
    pub phase: String,
    pub blocks_total: i64,
    pub blocks_done: i64,
    pub tuples_total: i64,
    pub tuples_done: i64,
}

pub async fn progress(db: &Db, pid: i32) -> Result<Option<BuildProgress>, QueryError> {
    let rows = db.query(&sql::SCHEMA_PROGRESS, &[&pid]).await?;
    Ok(rows.first().map(|r| BuildProgress {
        phase: r.get("phase"),
        blocks_total: r.get("blocks_total"),
        blocks_done: r.get("blocks_done"),
        tuples_total: r.get("tuples_total"),
        tuples_done: r.get("tuples_done"),
    }))
}

/// One change, as the journal records it.
pub struct JournalEntry<'a> {
    pub client: &'a str,
    pub object_kind: &'a str,
    pub object_name: &'a str,
    pub action: &'a str,
    pub statement: String,
    pub file: Option<String>,
    pub line: Option<i32>,
    pub checksum: Option<&'a str>,
    pub duration_ms: i64,
    pub outcome: &'a str,
    pub error: Option<&'a str>,
}

/// Creates pgtune.schema_journal unless it exists.
pub async fn ensure_journal(db: &Db) -> Result<(), QueryError> {
    let present: bool = db
        .query_one(&sql::SCHEMA_JOURNAL_EXISTS, &[])
        .await?
        .get("present");
    if !present {
        db.execute_script(&sql::SCHEMA_JOURNAL_CREATE).await?;
    }
    Ok(())
}

pub async fn record(db: &Db, e: &JournalEntry<'_>) -> Result<(), QueryError> {
    db.query(
        &sql::SCHEMA_JOURNAL_INSERT,
        &[
            &e.client,
            &e.object_kind,
            &e.object_name,
            &e.action,
            &e.statement,
            &e.file,
            &e.line,
            &e.checksum,
            &e.duration_ms,
            &e.outcome,
            &e.error,
        ],
    )
    .await
    .map(|_| ())
}
