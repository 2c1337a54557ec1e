//! Every SQL text pgtune runs, embedded from `sql/` at build time so the files stay readable and
//! reviewable, and the binary needs nothing beside it.

pub mod quote;
pub mod statement;

use quote::quote_ident;

/// A named SQL text; the name (its path under `sql/`) appears in errors and logs.
#[derive(Debug, Clone, Copy)]
pub struct Sql {
    pub name: &'static str,
    pub text: &'static str,
}

macro_rules! sql_file {
    ($path:literal) => {
        Sql {
            name: $path,
            text: include_str!(concat!("../sql/", $path)),
        }
    };
}

pub const INFO_SERVER: Sql = sql_file!("info/server.sql");
pub const INFO_EXTENSIONS: Sql = sql_file!("info/extensions.sql");
pub const INFO_PENDING_RESTART: Sql = sql_file!("info/pending_restart.sql");
pub const CONFIG_SERVER: Sql = sql_file!("config/server.sql");
pub const CONFIG_SETTINGS: Sql = sql_file!("config/settings.sql");
pub const CHECK_SERVER: Sql = sql_file!("check/server.sql");
pub const CHECK_SETTINGS: Sql = sql_file!("check/settings.sql");
pub const CHECK_FILE_SETTINGS_READABLE: Sql = sql_file!("check/file_settings_readable.sql");
pub const CHECK_FILE_SETTINGS_UNREADABLE: Sql = sql_file!("check/file_settings_unreadable.sql");
pub const CHECK_FILE_SETTINGS: Sql = sql_file!("check/file_settings.sql");
pub const CHECK_READ_FILES: Sql = sql_file!("check/read_files.sql");
pub const CHECK_ALTER_SYSTEM: Sql = sql_file!("check/alter_system.sql");
pub const CHECK_CONFIG_FILE: Sql = sql_file!("check/config_file.sql");
pub const CHECK_ALTER_SYSTEM_GRANTED_15: Sql = sql_file!("check/alter_system_granted_15.sql");
pub const CHECK_ALTER_SYSTEM_GRANTED_NONE: Sql = sql_file!("check/alter_system_granted_none.sql");
pub const HEALTH_CACHE_HIT: Sql = sql_file!("check/health/cache_hit.sql");
pub const HEALTH_CONNECTIONS: Sql = sql_file!("check/health/connections.sql");
pub const HEALTH_IDLE_IN_TRANSACTION: Sql = sql_file!("check/health/idle_in_transaction.sql");
pub const HEALTH_LONG_QUERIES: Sql = sql_file!("check/health/long_queries.sql");
pub const HEALTH_LOCK_WAITS: Sql = sql_file!("check/health/lock_waits.sql");
pub const HEALTH_DATABASE_STATS: Sql = sql_file!("check/health/database_stats.sql");
pub const HEALTH_CHECKPOINTS_BGWRITER: Sql = sql_file!("check/health/checkpoints_bgwriter.sql");
pub const HEALTH_CHECKPOINTS_CHECKPOINTER: Sql =
    sql_file!("check/health/checkpoints_checkpointer.sql");
pub const HEALTH_WRAPAROUND: Sql = sql_file!("check/health/wraparound.sql");
pub const HEALTH_DEAD_TUPLES: Sql = sql_file!("check/health/dead_tuples.sql");
pub const HEALTH_XMIN_HOLDER: Sql = sql_file!("check/health/xmin_holder.sql");
pub const HEALTH_STATS_RESET: Sql = sql_file!("check/health/stats_reset.sql");
pub const HEALTH_STALE_STATS: Sql = sql_file!("check/health/stale_stats.sql");
pub const HEALTH_INVALID_INDEXES: Sql = sql_file!("check/health/invalid_indexes.sql");
pub const HEALTH_SEQUENCES: Sql = sql_file!("check/health/sequences.sql");
pub const HEALTH_UNREADABLE_SEQUENCES: Sql = sql_file!("check/health/unreadable_sequences.sql");
pub const HEALTH_REPLICATION: Sql = sql_file!("check/health/replication.sql");
pub const HEALTH_SLOTS: Sql = sql_file!("check/health/slots.sql");
pub const HEALTH_SLOW_STATEMENTS: Sql = sql_file!("check/health/slow_statements.sql");
pub const HEALTH_PENDING_RESTART: Sql = sql_file!("check/health/pending_restart.sql");

/// Every SQL file pgtune embeds, so that its own statements can be told from the server's others
/// (`is_pgtunes_own`); a unit test holds it to the files in `sql/`.
pub const ALL: &[&Sql] = &[
    &INFO_SERVER,
    &INFO_EXTENSIONS,
    &INFO_PENDING_RESTART,
    &CONFIG_SERVER,
    &CONFIG_SETTINGS,
    &CHECK_SERVER,
    &CHECK_SETTINGS,
    &CHECK_FILE_SETTINGS_READABLE,
    &CHECK_FILE_SETTINGS_UNREADABLE,
    &CHECK_FILE_SETTINGS,
    &CHECK_READ_FILES,
    &CHECK_ALTER_SYSTEM,
    &CHECK_CONFIG_FILE,
    &CHECK_ALTER_SYSTEM_GRANTED_15,
    &CHECK_ALTER_SYSTEM_GRANTED_NONE,
    &HEALTH_CACHE_HIT,
    &HEALTH_CONNECTIONS,
    &HEALTH_IDLE_IN_TRANSACTION,
    &HEALTH_LONG_QUERIES,
    &HEALTH_LOCK_WAITS,
    &HEALTH_DATABASE_STATS,
    &HEALTH_CHECKPOINTS_BGWRITER,
    &HEALTH_CHECKPOINTS_CHECKPOINTER,
    &HEALTH_WRAPAROUND,
    &HEALTH_DEAD_TUPLES,
    &HEALTH_XMIN_HOLDER,
    &HEALTH_STATS_RESET,
    &HEALTH_STALE_STATS,
    &HEALTH_INVALID_INDEXES,
    &HEALTH_SEQUENCES,
    &HEALTH_UNREADABLE_SEQUENCES,
    &HEALTH_REPLICATION,
    &HEALTH_SLOTS,
    &HEALTH_SLOW_STATEMENTS,
    &HEALTH_PENDING_RESTART,
    &ANALYZE_CANDIDATES,
    &ANALYZE_STATISTICS_OWN_PG_STATISTIC,
    &ANALYZE_STATISTICS_INHERITED_PG_STATISTIC,
    &ANALYZE_STATISTICS_OWN_PG_STATS,
    &ANALYZE_STATISTICS_INHERITED_PG_STATS,
    &REFRESH_CANDIDATES,
    &FREEZE_CANDIDATES,
    &MAINTAIN_PROGRESS,
    &MAINTAIN_UNMATCHED_PATTERNS,
    &DEAD_CANDIDATES,
    &INDEX_SIZES,
    &EXCLUSION_INDEXES,
    &RESOLVE_INDEXES,
    &REINDEX_LEFTOVERS,
    &REPORT_INDEXES,
    &REPORT_INDEX_COLUMN_NAMES,
    &REPORT_LAST_IDX_SCAN_16,
    &REPORT_LAST_IDX_SCAN_NONE,
    &REPORT_COLUMN_STATS_PG_STATS,
    &REPORT_COLUMN_STATS_PG_STATISTIC,
    &REPORT_USAGE_WINDOW,
    &REPORT_REPLICA_USAGE,
    &REPORT_FK_WITHOUT_INDEX,
    &REPORT_TAKEN_NAMES,
    &REPORT_INDEX_ANCESTORS,
    &REPORT_PARTITION_LEAVES,
    &ADVISE_SERVER,
    &ADVISE_STATEMENTS,
    &ADVISE_STATEMENTS_WINDOW_14,
    &ADVISE_STATEMENTS_WINDOW_13,
    &ADVISE_PREPARE,
    &ADVISE_PARAMETER_COUNT,
    &ADVISE_EXPLAIN,
    &ADVISE_DEALLOCATE,
    &ADVISE_HYPOTHETICAL_CREATE,
    &ADVISE_HYPOTHETICAL_SIZE,
    &ADVISE_HYPOTHETICAL_DROP,
    &ADVISE_TABLES,
    &ADVISE_COLUMNS,
    &ADVISE_INDEXES,
    &REPORT_PARTITION_TREE,
    &REPORT_DISK_SIZES,
    &REPORT_NEVER_MEASURED,
    &REPORT_SERVES_FK,
    &REPORT_BLOAT_ESTIMATE,
    &REPORT_BLOAT_EXACT,
    &REPORT_PGSTATTUPLE,
    &PLAYBOOK_CREATE,
    &PLAYBOOK_EXISTS,
    &PLAYBOOK_CLOSE_INTERRUPTED,
    &PLAYBOOK_RUN_START,
    &PLAYBOOK_RUN_END,
    &PLAYBOOK_STEP_START,
    &PLAYBOOK_STEP_END,
    &SESSION_STATEMENT_TIMEOUT,
    &PLAYBOOK_IN_PROGRESS,
    &PLAYBOOK_HISTORY,
    &PLAYBOOK_CANCEL_APPLICATION,
    &PLAYBOOK_EARLIER_RUN_SESSIONS,
    &PLAYBOOK_LAST_SUCCESS,
    &SNAPSHOT_CREATE,
    &SNAPSHOT_EXISTS,
    &SNAPSHOT_TAKE,
    &SNAPSHOT_RETENTION,
    &TRENDS_PAIR,
    &TRENDS_GROWERS,
    &TRENDS_UNUSED,
    &TRENDS_PREVIOUS_WINDOW,
    &TRENDS_SERIES,
    &TRENDS_DATA_DIRECTORY,
    &PURGE_COLUMN,
    &PURGE_INTERVAL,
    &PURGE_COUNT,
    &PURGE_BATCH,
    &LOCK_TRY,
    &LOCK_RELEASE,
    &LOCK_HOLDER,
    &SCHEMA_SERVER,
    &SCHEMA_EXTENSIONS,
    &SCHEMA_RESOLVE_TABLES,
    &SCHEMA_INDEXES,
    &SCHEMA_LOCKED_TABLES,
    &SCHEMA_INDEX_SHAPES,
    &SCHEMA_NULLS_NOT_DISTINCT_15,
    &SCHEMA_NULLS_NOT_DISTINCT_NONE,
    &SCHEMA_SHADOW_OIDS,
    &SCHEMA_OLD_TRANSACTIONS,
    &SCHEMA_INDEX_STATE,
    &SCHEMA_INDEX_TREE,
    &SCHEMA_PROGRESS,
    &SCHEMA_BACKEND_PID,
    &SCHEMA_CANCEL,
    &SCHEMA_JOURNAL_CREATE,
    &SCHEMA_JOURNAL_INSERT,
    &SCHEMA_JOURNAL_EXISTS,
];

/// Whether a statement as pg_stat_statements keeps it (constants replaced by `$n`, the leading
/// comment dropped from PostgreSQL 18 on) is one of pgtune's own: its skeleton (comments gone,
/// literals and parameters as `?`, whitespace collapsed) begins with the skeleton of one of
/// pgtune's files, up to the first version-dependent `{placeholder}`.
pub fn is_pgtunes_own(query: &str) -> bool {
    static SKELETONS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let ours = SKELETONS.get_or_init(|| {
        ALL.iter()
            .map(|sql| {
                // Up to the first placeholder of the statement (comments, which may name one, are
                // gone from the skeleton).
                let skeleton = skeleton(sql.text);
                let text = skeleton.split('{').next().unwrap_or_default();
                text.trim_end_matches(';').trim_end().to_string()
            })
            .filter(|s| s.len() >= 24)
            .collect()
    });
    let query = skeleton(query);
    ours.iter().any(|s| query.starts_with(s.as_str()))
}

/// `text` with each parameter `$n` written as `literals[n - 1]` (already quoted SQL literals).
pub fn bind_literals(text: &str, literals: &[String]) -> String {
    // Highest first, so that $1 never matches the start of $10.
    (1..=literals.len())
        .rev()
        .fold(text.to_string(), |text, n| {
            text.replace(&format!("${n}"), &literals[n - 1])
        })
}

/// A statement on one line, for logs and table cells: `--` comments dropped and whitespace
/// collapsed outside quotes; inside a quoted name or literal nothing changes, so a name stays the
/// name it is (a newline in one is left for `quote::comment` to show as `\n`).
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut space = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '-' && chars.peek() == Some(&'-') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                space = true;
            }
            None if c.is_whitespace() => space = true,
            None => {
                if space && !out.is_empty() {
                    out.push(' ');
                }
                space = false;
                if c == '\'' || c == '"' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    out
}

/// Comments dropped, string literals, numbers and `$n` parameters written `?`, whitespace collapsed.
/// `extract(epoch FROM x)` as pg_stat_statements writes it: the field is a constant there
/// (`extract($1 FROM x)`), so `?` here too.
fn extract_fields_as_parameters(skeleton: String) -> String {
    let lower = skeleton.to_ascii_lowercase();
    let mut out = String::with_capacity(skeleton.len());
    let mut copied = 0;
    for (at, _) in lower.match_indices("extract(") {
        let field_start = at + "extract(".len();
        let field_end = lower[field_start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(lower.len(), |n| field_start + n);
        if field_end > field_start && lower[field_end..].starts_with(" from ") {
            out.push_str(&skeleton[copied..field_start]);
            out.push('?');
            copied = field_end;
        }
    }
    out.push_str(&skeleton[copied..]);
    out
}

pub fn skeleton(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut space = false;
    let push = |out: &mut String, c: char, space: &mut bool| {
        if *space && !out.is_empty() {
            out.push(' ');
        }
        *space = false;
        out.push(c);
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '-' if chars.get(i + 1) == Some(&'-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                space = true;
                continue;
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    i += 1;
                }
                i += 2;
                space = true;
                continue;
            }
            '\'' => {
                i += 1;
                while i < chars.len() {
                    if chars[i] == '\'' && chars.get(i + 1) == Some(&'\'') {
                        i += 2;
                    } else if chars[i] == '\'' {
                        break;
                    } else {
                        i += 1;
                    }
                }
                push(&mut out, '?', &mut space);
            }
            '$' if chars.get(i + 1).is_some_and(char::is_ascii_digit) => {
                while chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                    i += 1;
                }
                push(&mut out, '?', &mut space);
            }
            d if d.is_ascii_digit()
                && (space || !out.ends_with(|p: char| p.is_alphanumeric() || p == '_')) =>
            {
                while chars
                    .get(i + 1)
                    .is_some_and(|n| n.is_ascii_digit() || *n == '.')
                {
                    i += 1;
                }
                push(&mut out, '?', &mut space);
            }
            w if w.is_whitespace() => space = true,
            // pg_stat_statements writes boolean and null constants as parameters too.
            a if (a.is_ascii_alphabetic() || a == '_')
                && (space
                    || !out.ends_with(|p: char| p.is_alphanumeric() || p == '_' || p == '"')) =>
            {
                let end = (i..chars.len())
                    .find(|&k| !(chars[k].is_ascii_alphanumeric() || chars[k] == '_'))
                    .unwrap_or(chars.len());
                let word: String = chars[i..end].iter().collect();
                if ["true", "false", "null"]
                    .iter()
                    .any(|k| word.eq_ignore_ascii_case(k))
                {
                    push(&mut out, '?', &mut space);
                } else {
                    for c in word.chars() {
                        push(&mut out, c, &mut space);
                    }
                }
                i = end;
                continue;
            }
            other => push(&mut out, other, &mut space),
        }
        i += 1;
    }
    extract_fields_as_parameters(out)
}

impl Sql {
    /// `ADVISE_PREPARE` around a statement to plan: the one place a workload's text (from
    /// pg_stat_statements, a log or a file) enters SQL. It is sent as one extended-protocol
    /// message, so text holding a second statement is refused by the server, never run.
    pub fn preparing(&self, statement: &str) -> String {
        self.text.trim_end().replace("{statement}", statement)
    }

    /// `ADVISE_EXPLAIN` for a prepared statement of `parameters` parameters, each given as NULL:
    /// under `plan_cache_mode = force_generic_plan` the plan is the generic one, as
    /// `EXPLAIN (GENERIC_PLAN)` makes it on PostgreSQL 16+, and the values are never looked at.
    pub fn executing_with_nulls(&self, parameters: usize) -> String {
        let arguments = if parameters == 0 {
            String::new()
        } else {
            format!("({})", vec!["NULL"; parameters].join(", "))
        };
        self.text.trim_end().replace("{arguments}", &arguments)
    }

    /// The text with `{placeholder}` replaced by a schema-qualified name (a relation or a function),
    /// each part quoted as an identifier: the one way a name enters SQL text.
    pub fn with_relation(&self, placeholder: &str, schema: &str, relation: &str) -> String {
        self.with_names(&[(placeholder, schema, relation)])
    }

    /// The text with each parameter `$n` written as the SQL literal the real run binds to it
    /// (`literals[n - 1]`, already quoted): how a dry run prints a statement psql can run as is.
    pub fn with_bound_literals(&self, literals: &[String]) -> String {
        bind_literals(self.text, literals)
    }

    /// The text with each `{placeholder}` replaced by a fragment from `sql/`: how one query text
    /// serves several server versions (a fragment is fixed SQL, never a name or a value).
    pub fn with_fragments(&self, fragments: &[(&str, &Sql)]) -> String {
        fragments
            .iter()
            .fold(self.text.to_string(), |text, (placeholder, fragment)| {
                let body: String = fragment
                    .text
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("--"))
                    .collect::<Vec<_>>()
                    .join("\n");
                text.replace(&format!("{{{placeholder}}}"), body.trim())
            })
    }

    /// The text with `{placeholder}` replaced by one quoted identifier (a column).
    pub fn with_identifier(text: &str, placeholder: &str, name: &str) -> String {
        text.replace(&format!("{{{placeholder}}}"), &quote_ident(name))
    }

    /// `with_relation` for several placeholders.
    pub fn with_names(&self, names: &[(&str, &str, &str)]) -> String {
        names.iter().fold(
            self.text.to_string(),
            |text, (placeholder, schema, name)| {
                text.replace(
                    &format!("{{{placeholder}}}"),
                    &format!("{}.{}", quote_ident(schema), quote_ident(name)),
                )
            },
        )
    }
}

pub const ANALYZE_CANDIDATES: Sql = sql_file!("maintain/analyze_candidates.sql");
pub const ANALYZE_STATISTICS_OWN_PG_STATISTIC: Sql =
    sql_file!("maintain/statistics_own_pg_statistic.sql");
pub const ANALYZE_STATISTICS_INHERITED_PG_STATISTIC: Sql =
    sql_file!("maintain/statistics_inherited_pg_statistic.sql");
pub const ANALYZE_STATISTICS_OWN_PG_STATS: Sql = sql_file!("maintain/statistics_own_pg_stats.sql");
pub const ANALYZE_STATISTICS_INHERITED_PG_STATS: Sql =
    sql_file!("maintain/statistics_inherited_pg_stats.sql");
pub const REFRESH_CANDIDATES: Sql = sql_file!("maintain/refresh_candidates.sql");
pub const FREEZE_CANDIDATES: Sql = sql_file!("maintain/freeze_candidates.sql");
pub const MAINTAIN_PROGRESS: Sql = sql_file!("maintain/progress.sql");
pub const MAINTAIN_UNMATCHED_PATTERNS: Sql = sql_file!("maintain/unmatched_patterns.sql");
pub const DEAD_CANDIDATES: Sql = sql_file!("maintain/dead_candidates.sql");
pub const INDEX_SIZES: Sql = sql_file!("maintain/index_sizes.sql");
pub const EXCLUSION_INDEXES: Sql = sql_file!("maintain/exclusion_indexes.sql");
pub const RESOLVE_INDEXES: Sql = sql_file!("maintain/resolve_indexes.sql");
pub const REINDEX_LEFTOVERS: Sql = sql_file!("maintain/reindex_leftovers.sql");
pub const REPORT_INDEXES: Sql = sql_file!("report/indexes.sql");
pub const REPORT_INDEX_COLUMN_NAMES: Sql = sql_file!("report/index_column_names.sql");
pub const REPORT_LAST_IDX_SCAN_16: Sql = sql_file!("report/last_idx_scan_16.sql");
pub const REPORT_LAST_IDX_SCAN_NONE: Sql = sql_file!("report/last_idx_scan_none.sql");
pub const REPORT_COLUMN_STATS_PG_STATS: Sql = sql_file!("report/column_stats_pg_stats.sql");
pub const REPORT_COLUMN_STATS_PG_STATISTIC: Sql = sql_file!("report/column_stats_pg_statistic.sql");
pub const REPORT_USAGE_WINDOW: Sql = sql_file!("report/usage_window.sql");
pub const REPORT_REPLICA_USAGE: Sql = sql_file!("report/replica_usage.sql");
pub const REPORT_FK_WITHOUT_INDEX: Sql = sql_file!("report/fk_without_index.sql");
pub const REPORT_NEVER_MEASURED: Sql = sql_file!("report/never_measured.sql");
pub const REPORT_DISK_SIZES: Sql = sql_file!("report/disk_sizes.sql");
pub const REPORT_PARTITION_TREE: Sql = sql_file!("report/partition_tree.sql");
pub const REPORT_TAKEN_NAMES: Sql = sql_file!("report/taken_names.sql");
pub const REPORT_INDEX_ANCESTORS: Sql = sql_file!("report/index_ancestors.sql");
pub const REPORT_PARTITION_LEAVES: Sql = sql_file!("report/partition_leaves.sql");
pub const ADVISE_SERVER: Sql = sql_file!("advise/server.sql");
pub const ADVISE_STATEMENTS: Sql = sql_file!("advise/statements.sql");
pub const ADVISE_STATEMENTS_WINDOW_14: Sql = sql_file!("advise/statements_window_14.sql");
pub const ADVISE_STATEMENTS_WINDOW_13: Sql = sql_file!("advise/statements_window_13.sql");
pub const ADVISE_PREPARE: Sql = sql_file!("advise/prepare.sql");
pub const ADVISE_PARAMETER_COUNT: Sql = sql_file!("advise/parameter_count.sql");
pub const ADVISE_EXPLAIN: Sql = sql_file!("advise/explain.sql");
pub const ADVISE_DEALLOCATE: Sql = sql_file!("advise/deallocate.sql");
pub const ADVISE_HYPOTHETICAL_CREATE: Sql = sql_file!("advise/hypothetical_create.sql");
pub const ADVISE_HYPOTHETICAL_SIZE: Sql = sql_file!("advise/hypothetical_size.sql");
pub const ADVISE_HYPOTHETICAL_DROP: Sql = sql_file!("advise/hypothetical_drop.sql");
pub const ADVISE_TABLES: Sql = sql_file!("advise/tables.sql");
pub const ADVISE_COLUMNS: Sql = sql_file!("advise/columns.sql");
pub const ADVISE_INDEXES: Sql = sql_file!("advise/indexes.sql");
pub const REPORT_SERVES_FK: Sql = sql_file!("report/serves_fk.sql");
pub const REPORT_BLOAT_ESTIMATE: Sql = sql_file!("report/bloat_estimate.sql");
pub const REPORT_BLOAT_EXACT: Sql = sql_file!("report/bloat_exact.sql");
pub const REPORT_PGSTATTUPLE: Sql = sql_file!("report/pgstattuple.sql");
pub const PLAYBOOK_CREATE: Sql = sql_file!("playbook/create.sql");
pub const PLAYBOOK_EXISTS: Sql = sql_file!("playbook/exists.sql");
pub const PLAYBOOK_CLOSE_INTERRUPTED: Sql = sql_file!("playbook/close_interrupted.sql");
pub const PLAYBOOK_RUN_START: Sql = sql_file!("playbook/run_start.sql");
pub const PLAYBOOK_RUN_END: Sql = sql_file!("playbook/run_end.sql");
pub const PLAYBOOK_STEP_START: Sql = sql_file!("playbook/step_start.sql");
pub const PLAYBOOK_STEP_END: Sql = sql_file!("playbook/step_end.sql");
pub const SESSION_STATEMENT_TIMEOUT: Sql = sql_file!("session/statement_timeout.sql");
pub const PLAYBOOK_IN_PROGRESS: Sql = sql_file!("playbook/in_progress.sql");
pub const PLAYBOOK_HISTORY: Sql = sql_file!("playbook/history.sql");
pub const PLAYBOOK_CANCEL_APPLICATION: Sql = sql_file!("playbook/cancel_application.sql");
pub const PLAYBOOK_EARLIER_RUN_SESSIONS: Sql = sql_file!("playbook/earlier_run_sessions.sql");
pub const PLAYBOOK_LAST_SUCCESS: Sql = sql_file!("playbook/last_success.sql");
pub const SNAPSHOT_CREATE: Sql = sql_file!("snapshot/create.sql");
pub const SNAPSHOT_EXISTS: Sql = sql_file!("snapshot/exists.sql");
pub const SNAPSHOT_TAKE: Sql = sql_file!("snapshot/take.sql");
pub const SNAPSHOT_RETENTION: Sql = sql_file!("snapshot/retention.sql");
pub const TRENDS_PAIR: Sql = sql_file!("trends/pair.sql");
pub const TRENDS_GROWERS: Sql = sql_file!("trends/growers.sql");
pub const TRENDS_UNUSED: Sql = sql_file!("trends/unused.sql");
pub const TRENDS_PREVIOUS_WINDOW: Sql = sql_file!("trends/previous_window.sql");
pub const TRENDS_SERIES: Sql = sql_file!("trends/series.sql");
pub const TRENDS_DATA_DIRECTORY: Sql = sql_file!("trends/data_directory.sql");
pub const PURGE_COLUMN: Sql = sql_file!("purge/column.sql");
pub const PURGE_INTERVAL: Sql = sql_file!("purge/interval.sql");
pub const PURGE_COUNT: Sql = sql_file!("purge/count.sql");
pub const PURGE_BATCH: Sql = sql_file!("purge/batch.sql");
pub const LOCK_TRY: Sql = sql_file!("lock/try_lock.sql");
pub const LOCK_RELEASE: Sql = sql_file!("lock/unlock.sql");
pub const LOCK_HOLDER: Sql = sql_file!("lock/lock_holder.sql");
pub const SCHEMA_SERVER: Sql = sql_file!("schema/server.sql");
pub const SCHEMA_EXTENSIONS: Sql = sql_file!("schema/extensions.sql");
pub const SCHEMA_RESOLVE_TABLES: Sql = sql_file!("schema/resolve_tables.sql");
pub const SCHEMA_INDEXES: Sql = sql_file!("schema/indexes.sql");
pub const SCHEMA_LOCKED_TABLES: Sql = sql_file!("schema/locked_tables.sql");
pub const SCHEMA_INDEX_SHAPES: Sql = sql_file!("schema/index_shapes.sql");
pub const SCHEMA_NULLS_NOT_DISTINCT_15: Sql = sql_file!("schema/nulls_not_distinct_15.sql");
pub const SCHEMA_NULLS_NOT_DISTINCT_NONE: Sql = sql_file!("schema/nulls_not_distinct_none.sql");
pub const SCHEMA_SHADOW_OIDS: Sql = sql_file!("schema/shadow_oids.sql");
pub const SCHEMA_OLD_TRANSACTIONS: Sql = sql_file!("schema/old_transactions.sql");
pub const SCHEMA_INDEX_STATE: Sql = sql_file!("schema/index_state.sql");
pub const SCHEMA_INDEX_TREE: Sql = sql_file!("schema/index_tree.sql");
pub const SCHEMA_PROGRESS: Sql = sql_file!("schema/progress.sql");
pub const SCHEMA_BACKEND_PID: Sql = sql_file!("schema/backend_pid.sql");
pub const SCHEMA_CANCEL: Sql = sql_file!("schema/cancel.sql");
pub const SCHEMA_JOURNAL_CREATE: Sql = sql_file!("schema/journal_create.sql");
pub const SCHEMA_JOURNAL_INSERT: Sql = sql_file!("schema/journal_insert.sql");
pub const SCHEMA_JOURNAL_EXISTS: Sql = sql_file!("schema/journal_exists.sql");

#[cfg(test)]
mod tests {

    #[test]
    fn bound_literals_replace_parameters_highest_first() {
        let sql = super::Sql {
            name: "t.sql",
            text: "SELECT $1, $10, $2",
        };
        let values: Vec<String> = (1..=10).map(|n| format!("'v{n}'")).collect();
        assert_eq!(sql.with_bound_literals(&values), "SELECT 'v1', 'v10', 'v2'");
    }

    #[test]
    fn all_lists_every_file_in_sql() {
        fn walk(dir: &std::path::Path, base: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, base, out);
                } else if path.extension().is_some_and(|e| e == "sql") {
                    out.push(path.strip_prefix(base).unwrap().display().to_string());
                }
            }
        }
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sql");
        let mut files = Vec::new();
        walk(&base, &base, &mut files);
        for f in &files {
            assert!(
                ALL.iter().any(|s| s.name == f),
                "sql/{f} is not in sql::ALL"
            );
        }
        assert_eq!(ALL.len(), files.len());
    }

    #[test]
    fn pgtunes_own_statements_are_known_as_pg_stat_statements_shows_them() {
        // PostgreSQL 18 drops the leading comment; every version replaces constants.
        let shown = CONFIG_SERVER
            .text
            .lines()
            .filter(|l| !l.starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n")
            .replacen("'server_version_num'", "$1", 1)
            .replacen("'CONNECT'", "$2", 1);
        assert!(is_pgtunes_own(&shown));
        assert!(
            is_pgtunes_own(CONFIG_SERVER.text),
            "up to PostgreSQL 17, with its comment"
        );
        // LIMIT 10, extract(epoch FROM ...) and true are constants to pg_stat_statements too.
        let normalized = SCHEMA_OLD_TRANSACTIONS
            .text
            .replace(
                "coalesce(application_name, '')",
                "coalesce(application_name, $2)",
            )
            .replace("coalesce(state, '')", "coalesce(state, $3)")
            .replace("extract(epoch FROM", "extract($4 FROM")
            .replace("'client backend'", "$5")
            .replace("LIMIT 10;", "LIMIT $6");
        assert!(is_pgtunes_own(&normalized), "{normalized}");
        let normalized = ADVISE_INDEXES.text.replace("k, true)", "k, $1)");
        assert!(is_pgtunes_own(&normalized));
        assert!(!is_pgtunes_own("SELECT pg_sleep($1)"));
        assert!(!is_pgtunes_own("SELECT * FROM orders WHERE id = $1"));
    }

    use super::*;

    #[test]
    fn one_line_keeps_what_is_quoted() {
        assert_eq!(
            one_line("SELECT a, -- why\n  b\nFROM \"weird\nname\" WHERE c = 'x  -- y'"),
            "SELECT a, b FROM \"weird\nname\" WHERE c = 'x  -- y'"
        );
    }
}
