//! The statements `schema apply` runs (and `--dry-run` prints), composed in one place from keywords,
//! quoted identifiers, quoted literals and the declared index's own text after its table name.
//! Utility statements take no bind parameters, so this is the one way a name enters them.

use super::plan::TableRef;
use super::{ExtensionDecl, IndexDecl};
pub use crate::sql::quote::qualified;
use crate::sql::quote::{quote_ident, quote_literal};

/// Suffixes of the temporary names a rebuild uses; `plan` recognises their leftovers.
pub const NEW_SUFFIX: &str = "_pgtune_new";
pub const OLD_SUFFIX: &str = "_pgtune_old";

pub fn create_extension(e: &ExtensionDecl) -> String {
    let mut s = format!("CREATE EXTENSION IF NOT EXISTS {}", quote_ident(&e.name));
    if let Some(schema) = &e.schema {
        s.push_str(&format!(" SCHEMA {}", quote_ident(schema)));
    }
    if let Some(v) = &e.version {
        s.push_str(&format!(" VERSION {}", quote_literal(v)));
    }
    if e.cascade {
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

/// The declared index, named `name`, on the resolved table (schema-qualified, so search_path cannot
/// move it), concurrently or not.
pub fn create_index(ix: &IndexDecl, table: &TableRef, name: &str, concurrently: bool) -> String {
    format!(
        "CREATE {}INDEX {}{} ON {}{} {}",
        if ix.unique { "UNIQUE " } else { "" },
        if concurrently { "CONCURRENTLY " } else { "" },
        quote_ident(name),
        if ix.only { "ONLY " } else { "" },
        table.qualified(),
        ix.tail
    )
}

pub fn drop_index_concurrently(schema: &str, name: &str) -> String {
    format!(
        "DROP INDEX CONCURRENTLY IF EXISTS {}",
        qualified(schema, name)
    )
}

/// A partitioned index is dropped without CONCURRENTLY (PostgreSQL refuses it there): a short
/// ACCESS EXCLUSIVE lock on the table and its partitions, under lock_timeout.
pub fn drop_partitioned_index(schema: &str, name: &str) -> String {
    format!("DROP INDEX IF EXISTS {}", qualified(schema, name))
}

pub fn rename_index(schema: &str, name: &str, to: &str) -> String {
    format!(
        "ALTER INDEX {} RENAME TO {}",
        qualified(schema, name),
        quote_ident(to)
    )
}

/// `name` with `suffix`, shortened so the whole stays within PostgreSQL's 63 bytes.
pub fn with_suffix(name: &str, suffix: &str) -> String {
    let mut base = name;
    while base.len() + suffix.len() > 63 {
        let mut cut = base.len() - 1;
        while !base.is_char_boundary(cut) {
            cut -= 1;
        }
        base = &base[..cut];
    }
    format!("{base}{suffix}")
}

/// The empty copy of a table the declared indexes on it are built on, to let PostgreSQL normalise
/// them; one per table and transaction (`n` numbers the tables).
pub fn shadow_table(n: usize, table: &TableRef) -> String {
    format!(
        "CREATE TEMP TABLE {} (LIKE {}) ON COMMIT DROP",
        shadow_table_name(n),
        table.qualified()
    )
}

/// Declared index `i` on shadow table `n`.
pub fn shadow_index(n: usize, i: usize, ix: &IndexDecl) -> String {
    format!(
        "CREATE {}INDEX {} ON pg_temp.{} {}",
        if ix.unique { "UNIQUE " } else { "" },
        shadow_index_name(i),
        shadow_table_name(n),
        ix.tail
    )
}

pub fn shadow_table_name(n: usize) -> String {
    format!("pgtune_shadow_{n}")
}

pub fn shadow_index_name(i: usize) -> String {
    format!("pgtune_shadow_{i}_i")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixed_names_fit_in_63_bytes() {
        assert_eq!(with_suffix("idx", NEW_SUFFIX), "idx_pgtune_new");
        let long = "é".repeat(40);
        let s = with_suffix(&long, NEW_SUFFIX);
        assert!(s.len() <= 63, "{}", s.len());
        assert!(s.ends_with(NEW_SUFFIX));
    }
}
