//! Every statement pgtune composes rather than reads from `sql/`: utility statements (DDL, ANALYZE,
//! VACUUM, REINDEX, REFRESH, ALTER SYSTEM), which take no bind parameters, and transaction control.
//! Built here from keywords and names quoted by `sql::quote`, so that the rest of the code holds no
//! SQL keywords (`architecture::sql_text_is_composed_only_in_sql`) and a statement a dry run prints
//! is the statement the run sends. `relation` and `index` parameters are qualified names as
//! `quote::qualified` writes them; plain names are quoted here.

use super::quote::{qualified, quote_ident, quote_literal};

pub const BEGIN: &str = "BEGIN";
/// A transaction that may write even where default_transaction_read_only is on.
pub const BEGIN_READ_WRITE: &str = "BEGIN READ WRITE";
pub const COMMIT: &str = "COMMIT";
pub const ROLLBACK: &str = "ROLLBACK";
/// Reads what `ALTER SYSTEM` or a conf.d file changed.
pub const RELOAD_CONF: &str = "SELECT pg_reload_conf()";

pub fn savepoint(name: &str) -> String {
    format!("SAVEPOINT {}", quote_ident(name))
}

pub fn release_savepoint(name: &str) -> String {
    format!("RELEASE SAVEPOINT {}", quote_ident(name))
}

pub fn rollback_to_savepoint(name: &str) -> String {
    format!("ROLLBACK TO SAVEPOINT {}", quote_ident(name))
}

/// `SET LOCAL name = 'value'`: for this transaction only.
pub fn set_local(name: &str, value: &str) -> String {
    format!("SET LOCAL {} = {}", quote_ident(name), quote_literal(value))
}

/// `SET name = 'value'`: how a dry run shows a setting the session starts with.
pub fn set(name: &str, value: &str) -> String {
    format!("SET {} = {}", quote_ident(name), quote_literal(value))
}

/// `ALTER SYSTEM SET name = value;` with the value already written as SQL literal(s).
pub fn alter_system_set(name: &str, literal: &str) -> String {
    let quoted = name
        .split('.')
        .map(quote_ident)
        .collect::<Vec<_>>()
        .join(".");
    format!("ALTER SYSTEM SET {quoted} = {literal};")
}

pub fn create_extension(
    name: &str,
    schema: Option<&str>,
    version: Option<&str>,
    cascade: bool,
) -> String {
    let mut s = format!("CREATE EXTENSION IF NOT EXISTS {}", quote_ident(name));
    if let Some(schema) = schema {
        s.push_str(&format!(" SCHEMA {}", quote_ident(schema)));
    }
    if let Some(v) = version {
        s.push_str(&format!(" VERSION {}", quote_literal(v)));
    }
    if cascade {
        s.push_str(" CASCADE");
    }
    s
}

pub fn update_extension(name: &str, version: &str) -> String {
    format!(
        "ALTER EXTENSION {} UPDATE TO {}",
        quote_ident(name),
        quote_literal(version)
    )
}

/// `CREATE [UNIQUE] INDEX [CONCURRENTLY] [IF NOT EXISTS] name ON [ONLY] table tail`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CreateIndex<'a> {
    pub unique: bool,
    pub concurrently: bool,
    pub if_not_exists: bool,
    /// The index's name, unquoted; None lets PostgreSQL choose it.
    pub name: Option<&'a str>,
    pub only: bool,
    /// The table, qualified.
    pub table: &'a str,
    /// What follows the table: `USING method (keys) [INCLUDE ...] [WHERE ...]` or `(keys)`, as
    /// pg_get_indexdef or the team's file writes it.
    pub tail: &'a str,
}

impl CreateIndex<'_> {
    pub fn text(&self) -> String {
        let mut s = String::from("CREATE ");
        if self.unique {
            s.push_str("UNIQUE ");
        }
        s.push_str("INDEX ");
        if self.concurrently {
            s.push_str("CONCURRENTLY ");
        }
        if self.if_not_exists {
            s.push_str("IF NOT EXISTS ");
        }
        if let Some(name) = self.name {
            s.push_str(&quote_ident(name));
            s.push(' ');
        }
        s.push_str("ON ");
        if self.only {
            s.push_str("ONLY ");
        }
        s.push_str(self.table);
        if !self.tail.is_empty() {
            s.push(' ');
            s.push_str(self.tail);
        }
        s
    }
}

/// `pg_get_indexdef` text as the CONCURRENTLY build that does not block writes.
pub fn concurrently(indexdef: &str) -> String {
    let at = indexdef.find("INDEX ").map_or(0, |at| at + "INDEX ".len());
    format!("{}CONCURRENTLY {}", &indexdef[..at], &indexdef[at..])
}

/// What follows the table in `pg_get_indexdef` text: `USING method (...) [...]`.
pub fn indexdef_tail(indexdef: &str) -> &str {
    indexdef
        .find(" USING ")
        .map(|at| &indexdef[at + 1..])
        .unwrap_or_default()
}

/// A CREATE INDEX made safe to run again: IF NOT EXISTS after CONCURRENTLY.
pub fn if_not_exists(create_index_concurrently: &str) -> String {
    create_index_concurrently.replacen(
        "CREATE INDEX CONCURRENTLY ",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ",
        1,
    )
}

/// Whether a statement is a concurrent rebuild (its failure can leave an invalid copy behind).
pub fn is_concurrent_reindex(statement: &str) -> bool {
    statement.starts_with("REINDEX INDEX CONCURRENTLY")
}

pub fn drop_index(index: &str, concurrently: bool, if_exists: bool) -> String {
    format!(
        "DROP INDEX {}{}{index}",
        if concurrently { "CONCURRENTLY " } else { "" },
        if if_exists { "IF EXISTS " } else { "" }
    )
}

pub fn rename_index(schema: &str, name: &str, to: &str) -> String {
    format!(
        "ALTER INDEX {} RENAME TO {}",
        qualified(schema, name),
        quote_ident(to)
    )
}

pub fn attach_partition(parent_index: &str, partition_index: &str) -> String {
    format!("ALTER INDEX {parent_index} ATTACH PARTITION {partition_index}")
}

pub fn reindex_index(index: &str, concurrently: bool) -> String {
    format!(
        "REINDEX INDEX {}{index}",
        if concurrently { "CONCURRENTLY " } else { "" }
    )
}

/// `ANALYZE (SKIP_LOCKED) [ONLY] relation`, or without SKIP_LOCKED.
pub fn analyze(relation: &str, skip_locked: bool, only: bool) -> String {
    format!(
        "ANALYZE {}{}{relation}",
        if skip_locked { "(SKIP_LOCKED) " } else { "" },
        if only { "ONLY " } else { "" }
    )
}

pub fn vacuum_freeze(relation: &str) -> String {
    format!("VACUUM (FREEZE) {relation}")
}

pub fn vacuum_analyze_skip_locked(relation: &str) -> String {
    format!("VACUUM (ANALYZE, SKIP_LOCKED) {relation}")
}

/// Rewrites the table: blocks reads and writes while it runs.
pub fn vacuum_full_analyze(relation: &str) -> String {
    format!("VACUUM (FULL, ANALYZE) {relation}")
}

pub fn vacuum(relation: &str) -> String {
    format!("VACUUM {relation}")
}

pub fn refresh_materialized_view(view: &str, concurrently: bool) -> String {
    format!(
        "REFRESH MATERIALIZED VIEW {}{view}",
        if concurrently { "CONCURRENTLY " } else { "" }
    )
}

/// An empty copy of `table` that lives until the transaction ends.
/// A temporary copy of `table`'s columns; partitioned as it is when `partition_by` is its key as
/// the server spells it (`pg_get_partkeydef`, identifiers already quoted by the server).
pub fn create_temp_table_like(name: &str, table: &str, partition_by: Option<&str>) -> String {
    let partitioned = partition_by
        .map(|key| format!(" PARTITION BY {key}"))
        .unwrap_or_default();
    format!(
        "CREATE TEMP TABLE {} (LIKE {table}){partitioned} ON COMMIT DROP",
        quote_ident(name)
    )
}

pub fn alter_column_type(table: &str, column: &str, type_name: &str) -> String {
    format!(
        "ALTER TABLE {table} ALTER COLUMN {} TYPE {type_name}",
        quote_ident(column)
    )
}

pub fn alter_sequence_as(sequence: &str, type_name: &str) -> String {
    alter_sequence(sequence, &format!("AS {type_name}"))
}

/// `ALTER SEQUENCE sequence clause`, the clause written by the caller's keywords.
pub fn alter_sequence(sequence: &str, clause: &str) -> String {
    format!("ALTER SEQUENCE {sequence} {clause}")
}

pub fn alter_table_reset(table: &str, option: &str) -> String {
    format!("ALTER TABLE {table} RESET ({option})")
}

/// `ALTER TABLE table SET (option = value)`.
pub fn alter_table_set(table: &str, option: &str, value: &str) -> String {
    format!("ALTER TABLE {table} SET ({option} = {value})")
}

pub fn alter_system_reset(name: &str) -> String {
    format!("ALTER SYSTEM RESET {}", quote_ident(name))
}

/// PostgreSQL 15+: lets `role` (already an identifier) change `parameters` with ALTER SYSTEM.
pub fn grant_alter_system(parameters: &[String], role: &str) -> String {
    format!(
        "GRANT ALTER SYSTEM ON PARAMETER {} TO {role}",
        parameters.join(", ")
    )
}

/// Whether a proposed fix drops an index.
pub fn is_drop_index(statement: &str) -> bool {
    statement.starts_with("DROP INDEX")
}

pub fn commit_prepared(gid: &str) -> String {
    format!("COMMIT PREPARED {}", quote_literal(gid))
}

pub fn rollback_prepared(gid: &str) -> String {
    format!("ROLLBACK PREPARED {}", quote_literal(gid))
}

/// A function call as a statement, with its arguments already SQL: `SELECT f(args)`.
pub fn select_call(function: &str, args: &str) -> String {
    format!("SELECT {function}({args})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_quote_what_they_name() {
        let t = qualified("Tenant \"A\"", "select");
        assert_eq!(
            CreateIndex {
                concurrently: true,
                if_not_exists: true,
                name: Some("Idx 1"),
                table: &t,
                tail: "USING btree (id)",
                ..Default::default()
            }
            .text(),
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS \"Idx 1\" ON \"Tenant \"\"A\"\"\".\"select\" USING btree (id)"
        );
        assert_eq!(
            analyze(&t, true, true),
            "ANALYZE (SKIP_LOCKED) ONLY \"Tenant \"\"A\"\"\".\"select\""
        );
        assert_eq!(
            set_local("search_path", "pg_catalog"),
            "SET LOCAL search_path = 'pg_catalog'"
        );
        assert_eq!(
            alter_system_set("auto_explain.log_min_duration", "'1s'"),
            "ALTER SYSTEM SET auto_explain.log_min_duration = '1s';"
        );
        assert_eq!(
            concurrently("CREATE UNIQUE INDEX i ON public.t USING btree (a)"),
            "CREATE UNIQUE INDEX CONCURRENTLY i ON public.t USING btree (a)"
        );
        assert_eq!(
            indexdef_tail("CREATE INDEX i ON ONLY public.t USING btree (a) WHERE (b)"),
            "USING btree (a) WHERE (b)"
        );
        assert_eq!(commit_prepared("it's"), "COMMIT PREPARED 'it''s'");
    }
}
