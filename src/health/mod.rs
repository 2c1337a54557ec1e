//! Health checks as pure functions: the facts one catalog query returned, and the thresholds, in; a
//! finding out (ok / warning / critical, one line of evidence, one line of remedy, perfdata). The
//! database layer gathers the facts; the renderers show the findings.

pub mod audit;
pub mod thresholds;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::outcome::Status;
use crate::sql::quote::quote_ident;
use crate::units::{format_bytes, format_duration};
use thresholds::Thresholds;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    Ok,
    Warning,
    Critical,
    /// Not run: this role lacks the privilege, or the server lacks the feature.
    Skipped,
    /// The query hit statement_timeout; the other checks still ran.
    Timeout,
    /// The query failed for another reason.
    Error,
}

impl CheckStatus {
    pub fn from_status(s: Status) -> CheckStatus {
        match s {
            Status::Ok => CheckStatus::Ok,
            Status::Warning => CheckStatus::Warning,
            Status::Critical => CheckStatus::Critical,
        }
    }

    /// What this contributes to the exit code: a check that could not run is worth a warning.
    pub fn severity(self) -> Status {
        match self {
            CheckStatus::Ok | CheckStatus::Skipped => Status::Ok,
            CheckStatus::Warning | CheckStatus::Timeout | CheckStatus::Error => Status::Warning,
            CheckStatus::Critical => Status::Critical,
        }
    }
}

/// A Nagios performance datum.
#[derive(Debug, Clone, Serialize)]
pub struct Perf {
    pub label: String,
    pub value: f64,
    pub uom: &'static str,
    pub warning: Option<f64>,
    pub critical: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub check: &'static str,
    pub status: CheckStatus,
    pub evidence: String,
    pub remedy: Option<String>,
    pub perfdata: Vec<Perf>,
    /// Every object behind the finding (each table, session, sequence, slot), worst first, with raw
    /// names; the evidence names the worst.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<serde_json::Value>,
}

impl Finding {
    pub fn new(
        check: &'static str,
        status: Status,
        evidence: String,
        remedy: Option<&str>,
    ) -> Finding {
        Finding {
            check,
            status: CheckStatus::from_status(status),
            evidence,
            remedy: if status == Status::Ok {
                None
            } else {
                remedy.map(str::to_string)
            },
            perfdata: Vec::new(),
            objects: Vec::new(),
        }
    }

    /// The objects behind the finding, for JSON.
    fn with_objects<T: Serialize>(mut self, objects: &[T]) -> Finding {
        self.objects = objects
            .iter()
            .filter_map(|o| serde_json::to_value(o).ok())
            .collect();
        self
    }

    pub fn skipped(check: &'static str, why: String) -> Finding {
        Finding {
            check,
            status: CheckStatus::Skipped,
            evidence: why,
            remedy: None,
            perfdata: Vec::new(),
            objects: Vec::new(),
        }
    }

    /// A datum whose levels are not a threshold's own numbers (a count derived from a share).
    fn perf_levels(
        mut self,
        label: &str,
        value: f64,
        uom: &'static str,
        warning: Option<f64>,
        critical: Option<f64>,
    ) -> Finding {
        self.perfdata.push(Perf {
            label: label.to_string(),
            value,
            uom,
            warning,
            critical,
        });
        self
    }

    fn perf(
        self,
        label: &str,
        value: f64,
        uom: &'static str,
        t: Option<(&Thresholds, &str)>,
    ) -> Finding {
        let (warning, critical) = match t {
            Some((t, name)) => (Some(t.get(name).warning), t.get(name).critical),
            None => (None, None),
        };
        self.perf_levels(label, value, uom, warning, critical)
    }
}

// --- Facts, one struct per row of a check's query ---------------------------------------------

#[derive(Debug, Clone)]
pub struct CacheHit {
    pub datname: String,
    pub hits: i64,
    pub reads: i64,
    pub ratio: f64,
}

#[derive(Debug, Clone)]
pub struct Connections {
    pub used: i64,
    pub max_connections: i64,
    pub superuser_reserved: i64,
    pub reserved: i64,
}

/// A backend from pg_stat_activity.
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub pid: i32,
    pub datname: Option<String>,
    pub usename: Option<String>,
    pub seconds: f64,
    pub query: Option<String>,
    pub blocked_by: Vec<i32>,
    /// How many sessions matched in all (the query returns the first few).
    #[serde(skip)]
    pub total: i64,
}

#[derive(Debug, Clone)]
pub struct DatabaseStats {
    pub datname: String,
    pub deadlocks: i64,
    pub temp_files: i64,
    pub temp_bytes: i64,
    pub stats_reset: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct Checkpoints {
    pub timed: i64,
    pub requested: i64,
    pub stats_reset: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct Wraparound {
    pub datname: String,
    pub xid_age: i64,
    pub mxid_age: i64,
    pub freeze_max_age: i64,
    pub multixact_freeze_max_age: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableCount {
    pub schema: String,
    pub table: String,
    /// Dead tuples, or changes since the last ANALYZE.
    pub count: i64,
    pub threshold: f64,
    pub never_analyzed: bool,
    /// Never vacuumed nor analyzed either: its size is unknown (to the planner, and to pgtune).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub never_measured: bool,
    #[serde(skip)]
    pub total: i64,
}

/// A table behind on vacuum, with what its remedy follows from.
#[derive(Debug, Clone, Serialize)]
pub struct DeadTable {
    pub schema: String,
    pub table: String,
    pub dead_tuples: i64,
    pub threshold: f64,
    pub autovacuum_enabled: bool,
    pub last_autovacuum: Option<DateTime<Utc>>,
    pub rows: f64,
    pub vacuuming_now: bool,
}

/// What holds the xmin horizon back the most.
#[derive(Debug, Clone, Serialize)]
pub struct XminHolder {
    /// "session", "prepared transaction" or "replication slot".
    pub kind: String,
    /// The pid, the gid or the slot name.
    pub who: String,
    pub detail: String,
    pub xmin_age: i64,
    pub seconds: Option<f64>,
}

#[derive(Debug, Clone, Default)]
pub struct DeadTuples {
    pub tables: Vec<DeadTable>,
    pub total: i64,
    pub server_autovacuum: bool,
    pub xmin_holder: Option<XminHolder>,
    /// When the database's statistics were reset: dead tuples are counted from there.
    pub stats_reset: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InvalidIndex {
    pub schema: String,
    pub table: String,
    pub index: String,
    pub bytes: i64,
    pub unique: bool,
    pub partitioned: bool,
    #[serde(skip)]
    pub total: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SequenceUse {
    pub schema: String,
    pub name: String,
    /// Exact: a bigint sequence's values do not fit a float.
    pub last_value: i64,
    pub limit: i64,
    pub used: f64,
    /// The sequence's own type (`integer`, `bigint`).
    pub sequence_type: String,
    /// The narrowest column it feeds, if any: (schema, table, column).
    pub column: Option<FedColumn>,
    /// Whether that column is narrower than bigint.
    pub column_narrow: bool,
    #[serde(skip)]
    pub total: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FedColumn {
    pub schema: String,
    pub table: String,
    pub column: String,
}

#[derive(Debug, Clone)]
pub struct Replication {
    /// "primary": a row per standby; "standby": this server's own delay.
    pub role: String,
    pub name: Option<String>,
    pub lag_seconds: Option<f64>,
    pub lag_bytes: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Slot {
    pub name: String,
    pub slot_type: String,
    pub active: bool,
    pub retained_bytes: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SlowStatement {
    pub queryid: String,
    pub calls: i64,
    pub mean_seconds: f64,
    pub query: String,
}

// --- Evaluation ----------------------------------------------------------------------------------

use crate::sql::quote::qualified;

fn since(reset: Option<DateTime<Utc>>) -> String {
    match reset {
        Some(t) => format!("since {}", t.format("%Y-%m-%d %H:%M UTC")),
        None => "since statistics began".into(),
    }
}

fn secs(s: f64) -> String {
    format_duration(std::time::Duration::from_secs_f64(s.max(0.0)))
}

pub fn cache_hit(rows: &[CacheHit], t: &Thresholds) -> Finding {
    let Some(worst) = rows.first() else {
        return Finding::new(
            "cache_hit_ratio",
            Status::Ok,
            "no database has had enough reads to judge".into(),
            None,
        );
    };
    let status = t.status("cache_hit_ratio", worst.ratio);
    let evidence = format!(
        "lowest: {} at {:.2}% ({} of {} blocks from cache){}",
        quote_ident(&worst.datname),
        worst.ratio * 100.0,
        worst.hits,
        worst.hits + worst.reads,
        if rows.len() > 1 {
            format!("; {} databases judged", rows.len())
        } else {
            String::new()
        }
    );
    let mut f = Finding::new(
        "cache_hit_ratio",
        status,
        evidence,
        Some("reads miss the cache: raise shared_buffers (and RAM), or find the scans that read most (pg_stat_statements)"),
    );
    for r in rows {
        f = f.perf(
            &format!("cache_hit_{}", r.datname),
            r.ratio,
            "",
            Some((t, "cache_hit_ratio")),
        );
    }
    f
}

pub fn connections(c: &Connections, t: &Thresholds) -> Finding {
    let available = (c.max_connections - c.superuser_reserved - c.reserved).max(1);
    let share = c.used as f64 / available as f64;
    let status = t.status("connections", share);
    Finding::new(
        "connections",
        status,
        format!(
            "{} of {} connections in use ({:.0}%; max_connections {}, {} reserved for superusers)",
            c.used,
            available,
            share * 100.0,
            c.max_connections,
            c.superuser_reserved + c.reserved
        ),
        Some("put a connection pooler (PgBouncer) in front, or find idle sessions; raising max_connections costs memory"),
    )
    // Thresholds are shares of the connections ordinary roles may open; perfdata counts them.
    .perf_levels(
        "connections",
        c.used as f64,
        "",
        Some((t.get("connections").warning * available as f64).floor()),
        t.get("connections")
            .critical
            .map(|c| (c * available as f64).floor()),
    )
}

/// Sessions already filtered by the warning threshold, longest first.
fn sessions(
    check: &'static str,
    threshold: &str,
    rows: &[Session],
    t: &Thresholds,
    what: &str,
    remedy: &str,
) -> Finding {
    let Some(first) = rows.first() else {
        return Finding::new(
            check,
            Status::Ok,
            format!(
                "no session {what} for {} or longer",
                secs(t.get(threshold).warning)
            ),
            None,
        )
        .perf(check, 0.0, "s", Some((t, threshold)));
    };
    let status = t.status(threshold, first.seconds);
    let who = |s: &Session| {
        format!(
            "pid {} ({}@{}, {}{})",
            s.pid,
            s.usename.as_deref().unwrap_or("?"),
            s.datname.as_deref().unwrap_or("?"),
            secs(s.seconds),
            if s.blocked_by.is_empty() {
                String::new()
            } else {
                format!(
                    ", blocked by pid {}",
                    s.blocked_by
                        .iter()
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        )
    };
    let listed: Vec<String> = rows
        .iter()
        .take(3)
        .map(|s| match &s.query {
            Some(q) if !q.is_empty() => format!("{}: {q}", who(s)),
            _ => who(s),
        })
        .collect();
    let more = if first.total > listed.len() as i64 {
        format!(" and {} more", first.total - listed.len() as i64)
    } else {
        String::new()
    };
    Finding::new(
        check,
        status,
        format!(
            "{} session(s) {what}: {}{more}",
            first.total,
            listed.join("; ")
        ),
        Some(remedy),
    )
    .perf(check, first.seconds, "s", Some((t, threshold)))
    .with_objects(rows)
}

pub fn idle_in_transaction(rows: &[Session], t: &Thresholds) -> Finding {
    sessions(
        "idle_in_transaction",
        "idle_in_transaction",
        rows,
        t,
        "idle in transaction",
        "fix the application to commit or roll back; set idle_in_transaction_session_timeout; pg_terminate_backend(pid) ends one now",
    )
}

pub fn long_queries(rows: &[Session], t: &Thresholds) -> Finding {
    sessions(
        "long_queries",
        "long_query",
        rows,
        t,
        "running a query",
        "look at the query's plan; pg_cancel_backend(pid) cancels it; statement_timeout bounds them",
    )
}

pub fn lock_waits(rows: &[Session], t: &Thresholds) -> Finding {
    sessions(
        "lock_waits",
        "lock_wait",
        rows,
        t,
        "waiting for a lock",
        "find what the blocking pid is doing (pg_stat_activity); end it with pg_terminate_backend(pid) if it is stuck",
    )
}

pub fn deadlocks_and_temp_files(rows: &[DatabaseStats], t: &Thresholds) -> Vec<Finding> {
    let worst_dl = rows.iter().max_by_key(|r| r.deadlocks);
    let deadlocks = match worst_dl {
        Some(r) if r.deadlocks > 0 => Finding::new(
            "deadlocks",
            t.status("deadlocks", r.deadlocks as f64),
            format!("{} deadlock(s) in {} {}", r.deadlocks, quote_ident(&r.datname), since(r.stats_reset)),
            Some("the server log has each deadlock's queries: make transactions take locks in the same order"),
        ),
        _ => Finding::new("deadlocks", Status::Ok, "no deadlocks since the statistics were reset".into(), None),
    }
    .perf("deadlocks", rows.iter().map(|r| r.deadlocks).sum::<i64>() as f64, "c", Some((t, "deadlocks")));
    let worst_tmp = rows.iter().max_by_key(|r| r.temp_bytes);
    let temp = match worst_tmp {
        Some(r) if r.temp_files > 0 => Finding::new(
            "temp_files",
            t.status("temp_bytes", r.temp_bytes as f64),
            format!(
                "{} temporary file(s), {} written, in {} {}",
                r.temp_files,
                format_bytes(r.temp_bytes),
                quote_ident(&r.datname),
                since(r.stats_reset)
            ),
            Some("sorts and hashes spill to disk: log_temp_files finds the queries; raise work_mem for them"),
        ),
        _ => Finding::new("temp_files", Status::Ok, "no temporary files since the statistics were reset".into(), None),
    }
    .perf("temp_bytes", rows.iter().map(|r| r.temp_bytes).sum::<i64>() as f64, "B", Some((t, "temp_bytes")));
    vec![deadlocks, temp]
}

pub fn checkpoints(c: &Checkpoints, t: &Thresholds) -> Finding {
    let all = c.timed + c.requested;
    // A handful of checkpoints (initdb, CREATE DATABASE, a backup) says nothing about WAL sizing.
    if all < 10 {
        return Finding::new(
            "checkpoints",
            Status::Ok,
            format!(
                "{all} checkpoint(s) {}: too few to judge",
                since(c.stats_reset)
            ),
            None,
        );
    }
    let share = c.requested as f64 / all as f64;
    Finding::new(
        "checkpoints",
        t.status("requested_checkpoints", share),
        format!(
            "{} of {} checkpoints requested by WAL volume ({:.0}%) {}",
            c.requested,
            all,
            share * 100.0,
            since(c.stats_reset)
        ),
        Some("checkpoints come from WAL volume, not the timer: raise max_wal_size"),
    )
    .perf(
        "requested_checkpoints",
        share,
        "",
        Some((t, "requested_checkpoints")),
    )
}

pub fn wraparound(rows: &[Wraparound], t: &Thresholds) -> Finding {
    const LIMIT: f64 = 2_147_483_648.0;
    let Some(worst) = rows.first() else {
        return Finding::new("wraparound", Status::Ok, "no databases".into(), None);
    };
    let (age, kind, freeze) = if worst.xid_age >= worst.mxid_age {
        (worst.xid_age, "transaction ID", worst.freeze_max_age)
    } else {
        (
            worst.mxid_age,
            "multixact ID",
            worst.multixact_freeze_max_age,
        )
    };
    let share = age as f64 / LIMIT;
    let forced = if age > freeze {
        "; anti-wraparound autovacuum is due"
    } else {
        ""
    };
    Finding::new(
        "wraparound",
        t.status("wraparound", share),
        format!(
            "oldest {kind} age {} in {} ({:.1}% of the 2^31 limit; freeze max age {}){forced}",
            age,
            quote_ident(&worst.datname),
            share * 100.0,
            freeze
        ),
        Some("VACUUM (FREEZE) the oldest tables (pgtune vacuum --freeze); look for long transactions and stale replication slots holding it back"),
    )
    // The wraparound thresholds are shares of 2^31; perfdata gives the ages they mean.
    .perf_levels(
        "xid_age",
        worst.xid_age as f64,
        "",
        Some((t.get("wraparound").warning * LIMIT).floor()),
        t.get("wraparound").critical.map(|c| (c * LIMIT).floor()),
    )
}

/// A holder older than this is named as why VACUUM cannot keep up.
const XMIN_HOLDER_SECONDS: f64 = 600.0;

pub fn dead_tuples(facts: &DeadTuples, t: &Thresholds) -> Finding {
    let Some(worst) = facts.tables.first() else {
        // Dead tuples are counted from the last statistics reset: a recent one leaves the verdict
        // blind to what was dead before it.
        let recent_reset = facts
            .stats_reset
            .filter(|at| Utc::now().signed_duration_since(*at) < chrono::Duration::days(1));
        return Finding::new(
            "dead_tuples",
            Status::Ok,
            format!(
                "no table has more than {}x its autovacuum threshold of dead tuples{}",
                t.get("dead_tuples").warning,
                recent_reset
                    .map(|at| format!(
                        " (counted only since the statistics were reset at {}: rows dead before then are not seen until VACUUM or ANALYZE counts them)",
                        at.format("%Y-%m-%d %H:%M UTC")
                    ))
                    .unwrap_or_default()
            ),
            None,
        );
    };
    let ratio = worst.dead_tuples as f64 / worst.threshold.max(1.0);
    let name = qualified(&worst.schema, &worst.table);
    let off = if worst.autovacuum_enabled {
        ""
    } else {
        ", autovacuum disabled on it"
    };
    Finding::new(
        "dead_tuples",
        t.status("dead_tuples", ratio),
        format!(
            "{} table(s) behind on vacuum; worst {name}: {} dead tuples, {:.1}x its threshold of {:.0}{off}",
            facts.total, worst.dead_tuples, ratio, worst.threshold
        ),
        Some(&dead_tuples_remedy(facts, worst, &name)),
    )
    .with_objects(&facts.tables)
}

/// The remedy the evidence points to, most fundamental cause first.
fn dead_tuples_remedy(facts: &DeadTuples, worst: &DeadTable, name: &str) -> String {
    let vacuum_now = format!("{} now", crate::sql::statement::vacuum(name));
    if !facts.server_autovacuum {
        return format!(
            "autovacuum is off for the whole server: {} {}; then {vacuum_now}",
            crate::sql::statement::alter_system_set("autovacuum", "on"),
            crate::sql::statement::RELOAD_CONF
        );
    }
    if !worst.autovacuum_enabled {
        return format!(
            "autovacuum is disabled on {name}: {}; then {vacuum_now}",
            crate::sql::statement::alter_table_reset(name, "autovacuum_enabled")
        );
    }
    if let Some(h) = &facts.xmin_holder {
        let long = h.seconds.is_none_or(|s| s >= XMIN_HOLDER_SECONDS);
        if long && h.xmin_age > 0 {
            let since = h
                .seconds
                .map(|s| {
                    format!(
                        " for {}",
                        format_duration(std::time::Duration::from_secs_f64(s.max(0.0)))
                    )
                })
                .unwrap_or_default();
            let end = match h.kind.as_str() {
                "session" => format!(
                    "end it if it is stuck: {}",
                    crate::sql::statement::select_call("pg_terminate_backend", &h.who)
                ),
                "prepared transaction" => format!(
                    "{} or {}",
                    crate::sql::statement::commit_prepared(&h.who),
                    crate::sql::statement::rollback_prepared(&h.who)
                ),
                _ => format!(
                    "drop it if its consumer is gone: {}",
                    crate::sql::statement::select_call(
                        "pg_drop_replication_slot",
                        &crate::sql::quote::quote_literal(&h.who)
                    )
                ),
            };
            return format!(
                "{} {} ({}) has held back the xmin horizon{since} ({} transactions): VACUUM cannot remove rows deleted since; {end}",
                h.kind, h.who, h.detail, h.xmin_age
            );
        }
    }
    if worst.vacuuming_now {
        return format!("autovacuum is vacuuming {name} right now and has not caught up: raise autovacuum_vacuum_cost_limit (or lower autovacuum_vacuum_cost_delay) so it finishes sooner");
    }
    if worst.rows >= 1_000_000.0 {
        return format!(
            "{name} is large ({:.0} rows), so its threshold waits for {:.0} dead rows: {}; {vacuum_now}",
            worst.rows,
            worst.threshold,
            crate::sql::statement::alter_table_set(name, "autovacuum_vacuum_scale_factor", "0.01")
        );
    }
    format!("autovacuum has not reached {name} yet: its workers may all be busy (autovacuum_max_workers) or throttled (autovacuum_vacuum_cost_limit); {vacuum_now}")
}

pub fn stale_stats(rows: &[TableCount], _t: &Thresholds) -> Finding {
    let Some(worst) = rows.first() else {
        return Finding::new(
            "stale_stats",
            Status::Ok,
            "every table's statistics are fresh".into(),
            None,
        );
    };
    let never = rows.iter().filter(|r| r.never_analyzed).count();
    let what = if worst.never_analyzed && worst.never_measured {
        format!(
            "{} was never vacuumed nor analyzed: the planner does not know its size",
            qualified(&worst.schema, &worst.table)
        )
    } else if worst.never_analyzed {
        format!(
            "{} has rows but was never analyzed",
            qualified(&worst.schema, &worst.table)
        )
    } else {
        format!(
            "{}: {} changes since ANALYZE, {:.1}x its threshold",
            qualified(&worst.schema, &worst.table),
            worst.count,
            worst.count as f64 / worst.threshold.max(1.0)
        )
    };
    Finding::new(
        "stale_stats",
        Status::Warning,
        format!(
            "{} table(s) with missing or stale statistics{}; {what}",
            worst.total,
            if never > 0 {
                format!(" ({never} never analyzed)")
            } else {
                String::new()
            }
        ),
        Some("ANALYZE them (pgtune analyze); the planner guesses without statistics"),
    )
    .with_objects(rows)
}

pub fn invalid_indexes(rows: &[InvalidIndex], _t: &Thresholds) -> Finding {
    let Some(first) = rows.first() else {
        return Finding::new(
            "invalid_indexes",
            Status::Ok,
            "no invalid indexes".into(),
            None,
        );
    };
    // Each with its own table and size (the first's table is not the others').
    let names: Vec<String> = rows
        .iter()
        .take(3)
        .map(|r| {
            format!(
                "{} (on {}, {})",
                qualified(&r.schema, &r.index),
                qualified(&r.schema, &r.table),
                format_bytes(r.bytes)
            )
        })
        .collect();
    let level = rows
        .iter()
        .map(|r| crate::report::invalid_index_level(r.unique))
        .max()
        .unwrap_or(Status::Ok);
    let worst = rows.iter().find(|r| r.unique).unwrap_or(first);
    let name = qualified(&worst.schema, &worst.index);
    let remedy = if worst.partitioned {
        format!("{name} is a partitioned index missing some partitions' indexes (built ON ONLY, or a partition attached without one): build each partition's index (CREATE INDEX CONCURRENTLY) and attach it to {name} (ALTER INDEX ... ATTACH PARTITION); pgtune report invalid-indexes lists them")
    } else if worst.unique {
        format!(
            "{name} is a unique index that enforces nothing: remove the duplicate rows its build met, then {} (or {} and build it again)",
            crate::sql::statement::reindex_index(&name, true),
            crate::sql::statement::drop_index(&name, true, false)
        )
    } else {
        format!(
            "a failed concurrent build left it: {}, or {} and build it again",
            crate::sql::statement::reindex_index(&name, true),
            crate::sql::statement::drop_index(&name, true, false)
        )
    };
    Finding::new(
        "invalid_indexes",
        level,
        format!(
            "{} invalid index(es), still maintained on every write but never used: {}",
            first.total,
            names.join(", ")
        ),
        Some(&remedy),
    )
    .with_objects(rows)
}

/// What widens what: the column it feeds unless bigint already, the sequence unless bigint already
/// (ALTER COLUMN TYPE rewrites the table under an ACCESS EXCLUSIVE lock: said).
fn sequence_remedy(s: &SequenceUse) -> String {
    let mut steps = Vec::new();
    if let (Some(c), true) = (&s.column, s.column_narrow) {
        steps.push(format!(
            "{} (rewrites the table under an ACCESS EXCLUSIVE lock: plan the window)",
            crate::sql::statement::alter_column_type(
                &qualified(&c.schema, &c.table),
                &c.column,
                "bigint"
            )
        ));
    }
    if s.sequence_type != "bigint" {
        steps.push(crate::sql::statement::alter_sequence_as(
            &qualified(&s.schema, &s.name),
            "bigint",
        ));
    }
    if steps.is_empty() {
        format!(
            "a bigint sequence near its own MAXVALUE: raise it ({}) or plan a new key",
            crate::sql::statement::alter_sequence(&qualified(&s.schema, &s.name), "MAXVALUE ...")
        )
    } else {
        format!("widen before it runs out: {}", steps.join("; "))
    }
}

pub fn sequences(rows: &[SequenceUse], unreadable: i64, t: &Thresholds) -> Finding {
    let skipped = if unreadable > 0 {
        format!(" ({unreadable} sequence(s) this role may not read were not judged)")
    } else {
        String::new()
    };
    let Some(worst) = rows.first() else {
        return Finding::new(
            "sequences",
            Status::Ok,
            format!(
                "no sequence has used {:.0}% of its range{skipped}",
                t.get("sequence_used").warning * 100.0
            ),
            None,
        );
    };
    Finding::new(
        "sequences",
        t.status("sequence_used", worst.used),
        format!(
            "{} sequence(s) near exhaustion; worst {}: {} of {} ({:.1}%){skipped}",
            worst.total,
            qualified(&worst.schema, &worst.name),
            worst.last_value,
            worst.limit,
            worst.used * 100.0
        ),
        Some(&sequence_remedy(worst)),
    )
    .perf("sequence_used", worst.used, "", Some((t, "sequence_used")))
    .with_objects(rows)
}

pub fn replication(rows: &[Replication], t: &Thresholds) -> Finding {
    if rows.is_empty() {
        return Finding::new(
            "replication_lag",
            Status::Ok,
            "no standbys connected, not a standby".into(),
            None,
        )
        .perf("replication_lag", 0.0, "B", Some((t, "replication_lag")));
    }
    let mut worst = Status::Ok;
    let mut parts = Vec::new();
    let mut max_bytes: f64 = 0.0;
    for r in rows {
        if r.role == "standby" {
            let s = r.lag_seconds.unwrap_or(0.0);
            worst = worst.max(t.status("standby_delay", s));
            parts.push(format!("this standby replays {} behind", secs(s)));
        } else {
            let b = r.lag_bytes.unwrap_or(0.0);
            max_bytes = max_bytes.max(b);
            worst = worst.max(t.status("replication_lag", b));
            parts.push(format!(
                "{}: {} not replayed",
                r.name.as_deref().unwrap_or("standby"),
                format_bytes(b as i64)
            ));
        }
    }
    Finding::new(
        "replication_lag",
        worst,
        parts.join("; "),
        Some("a standby falls behind: check its I/O and network, and long queries on it (hot_standby_feedback, max_standby_streaming_delay)"),
    )
    .perf("replication_lag", max_bytes, "B", Some((t, "replication_lag")))
}

pub fn slots(rows: &[Slot], t: &Thresholds) -> Finding {
    if rows.is_empty() {
        return Finding::new(
            "replication_slots",
            Status::Ok,
            "no replication slots".into(),
            None,
        );
    }
    let mut worst = Status::Ok;
    let mut parts = Vec::new();
    for s in rows {
        let retained = s.retained_bytes.unwrap_or(0.0);
        let mut status = t.status("slot_retained_wal", retained);
        if !s.active {
            status = status.max(Status::Warning);
        }
        worst = worst.max(status);
        if status != Status::Ok {
            parts.push(format!(
                "{} ({}, {}, keeps {} of WAL)",
                s.name,
                s.slot_type,
                if s.active { "active" } else { "inactive" },
                format_bytes(retained as i64)
            ));
        }
    }
    let evidence = if parts.is_empty() {
        format!("{} slot(s), all active and keeping little WAL", rows.len())
    } else {
        parts.join("; ")
    };
    let retained_max = rows
        .iter()
        .filter_map(|s| s.retained_bytes)
        .fold(0.0, f64::max);
    Finding::new(
        "replication_slots",
        worst,
        evidence,
        Some(&format!(
            "an unused slot keeps WAL (and old rows) forever: {} if its consumer is gone; cap it with max_slot_wal_keep_size",
            crate::sql::statement::select_call("pg_drop_replication_slot", "'name'")
        )),
    )
    .perf("slot_retained_wal", retained_max, "B", Some((t, "slot_retained_wal")))
    .with_objects(rows)
}

/// `left_out`: pgtune's own statements, not judged.
pub fn slow_statements(rows: &[SlowStatement], left_out: i64, t: &Thresholds) -> Finding {
    let ours = match left_out {
        0 => String::new(),
        1 => " (1 statement of pgtune's own left out)".into(),
        n => format!(" ({n} statements of pgtune's own left out)"),
    };
    let Some(worst) = rows.first() else {
        return Finding::new(
            "slow_statements",
            Status::Ok,
            format!("pg_stat_statements has no statement with 5 or more calls yet{ours}"),
            None,
        );
    };
    let top: Vec<String> = rows
        .iter()
        .take(3)
        .map(|s| {
            format!(
                "{} mean over {} calls: {}",
                secs_precise(s.mean_seconds),
                s.calls,
                s.query
            )
        })
        .collect();
    Finding::new(
        "slow_statements",
        t.status("slow_statement", worst.mean_seconds),
        format!("slowest by mean time: {}{ours}", top.join(" | ")),
        Some(&format!(
            "EXPLAIN (ANALYZE, BUFFERS) the slowest (queryid {}) and index what it scans",
            worst.queryid
        )),
    )
    .perf(
        "slowest_mean",
        worst.mean_seconds,
        "s",
        Some((t, "slow_statement")),
    )
    .with_objects(rows)
}

fn secs_precise(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0}ms", s * 1000.0)
    } else {
        format!("{s:.1}s")
    }
}

/// Extensions the profile expects in this database.
pub fn expected_extensions(expected: &[String], installed: &[String], profile: &str) -> Finding {
    let missing: Vec<&String> = expected.iter().filter(|e| !installed.contains(e)).collect();
    if missing.is_empty() {
        let text = if expected.is_empty() {
            format!("profile {profile} expects no extensions")
        } else {
            format!(
                "all {} extension(s) profile {profile} expects are installed",
                expected.len()
            )
        };
        return Finding::new("extensions", Status::Ok, text, None);
    }
    let create: Vec<String> = missing
        .iter()
        .map(|e| {
            format!(
                "{};",
                crate::sql::statement::create_extension(e, None, None, false)
            )
        })
        .collect();
    Finding::new(
        "extensions",
        Status::Warning,
        format!(
            "profile {profile} expects {} not installed in this database",
            missing
                .iter()
                .map(|e| e.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Some(&create.join(" ")),
    )
}

pub fn pending_restart(names: &[String]) -> Finding {
    if names.is_empty() {
        return Finding::new(
            "pending_restart",
            Status::Ok,
            "no setting waits for a restart".into(),
            None,
        );
    }
    Finding::new(
        "pending_restart",
        Status::Warning,
        format!(
            "{} setting(s) changed but not in effect until a restart: {}",
            names.len(),
            names.join(", ")
        ),
        Some("restart the server in a maintenance window"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_report_the_longest_and_who_blocks() {
        let t = Thresholds::default();
        let rows = vec![Session {
            pid: 42,
            datname: Some("app".into()),
            usename: Some("web".into()),
            seconds: 400.0,
            query: None,
            blocked_by: vec![7],
            total: 1,
        }];
        let f = lock_waits(&rows, &t);
        assert_eq!(f.status, CheckStatus::Critical);
        assert!(
            f.evidence
                .contains("pid 42 (web@app, 6m 40s, blocked by pid 7)"),
            "{}",
            f.evidence
        );
        assert!(f.remedy.is_some());
        let ok = lock_waits(&[], &t);
        assert_eq!(ok.status, CheckStatus::Ok);
        assert!(ok.remedy.is_none());
    }

    #[test]
    fn an_idle_primary_has_no_lag() {
        let t = Thresholds::default();
        let rows = vec![Replication {
            role: "primary".into(),
            name: Some("replica1".into()),
            lag_seconds: Some(0.0),
            lag_bytes: Some(0.0),
        }];
        assert_eq!(replication(&rows, &t).status, CheckStatus::Ok);
        let rows = vec![Replication {
            role: "primary".into(),
            name: Some("r".into()),
            lag_seconds: None,
            lag_bytes: Some(2e9),
        }];
        assert_eq!(replication(&rows, &t).status, CheckStatus::Critical);
    }

    #[test]
    fn inactive_slots_warn_and_hostile_names_are_quoted() {
        let t = Thresholds::default();
        let f = slots(
            &[Slot {
                name: "s".into(),
                slot_type: "physical".into(),
                active: false,
                retained_bytes: Some(0.0),
            }],
            &t,
        );
        assert_eq!(f.status, CheckStatus::Warning);
        let f = sequences(
            &[SequenceUse {
                schema: "My Schema".into(),
                name: "id\"seq".into(),
                last_value: 95,
                limit: 100,
                used: 0.95,
                sequence_type: "integer".into(),
                column: None,
                column_narrow: false,
                total: 1,
            }],
            0,
            &t,
        );
        assert_eq!(f.status, CheckStatus::Critical);
        assert!(
            f.evidence.contains("\"My Schema\".\"id\"\"seq\""),
            "{}",
            f.evidence
        );
    }

    #[test]
    fn wraparound_share_of_the_limit() {
        let t = Thresholds::default();
        let row = |xid: i64| Wraparound {
            datname: "d".into(),
            xid_age: xid,
            mxid_age: 0,
            freeze_max_age: 200_000_000,
            multixact_freeze_max_age: 400_000_000,
        };
        assert_eq!(wraparound(&[row(100_000_000)], &t).status, CheckStatus::Ok);
        let f = wraparound(&[row(1_200_000_000)], &t);
        assert_eq!(f.status, CheckStatus::Warning);
        assert!(f.evidence.contains("anti-wraparound autovacuum is due"));
        assert_eq!(
            wraparound(&[row(1_700_000_000)], &t).status,
            CheckStatus::Critical
        );
    }
}
