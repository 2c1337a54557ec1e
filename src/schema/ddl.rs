//! The statements `schema apply` runs (and `--dry-run` prints), from a declaration: the declared
//! index's own text after its table name, with names resolved; composed by `sql::statement`.

use super::plan::TableRef;
use super::{ExtensionDecl, IndexDecl};
pub use crate::sql::quote::qualified;
use crate::sql::statement;

/// Suffixes of the temporary names a rebuild uses; `plan` recognises their leftovers.
pub const NEW_SUFFIX: &str = "_pgtune_new";
pub const OLD_SUFFIX: &str = "_pgtune_old";

pub fn create_extension(e: &ExtensionDecl) -> String {
    statement::create_extension(
        &e.name,
        e.schema.as_deref(),
        e.version.as_deref(),
        e.cascade,
    )
}

pub use statement::update_extension;

/// The declared index, named `name`, on the resolved table (schema-qualified, so search_path cannot
/// move it), concurrently or not.
pub fn create_index(ix: &IndexDecl, table: &TableRef, name: &str, concurrently: bool) -> String {
    statement::CreateIndex {
        unique: ix.unique,
        concurrently,
        name: Some(name),
        only: ix.only,
        table: &table.qualified(),
        tail: &ix.tail,
        ..Default::default()
    }
    .text()
}

pub fn drop_index_concurrently(schema: &str, name: &str) -> String {
    statement::drop_index(&qualified(schema, name), true, true)
}

/// A partitioned index is dropped without CONCURRENTLY (PostgreSQL refuses it there): a short
/// ACCESS EXCLUSIVE lock on the table and its partitions, under lock_timeout.
pub fn drop_partitioned_index(schema: &str, name: &str) -> String {
    statement::drop_index(&qualified(schema, name), false, true)
}

pub use statement::rename_index;

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
    statement::create_temp_table_like(
        &shadow_table_name(n),
        &table.qualified(),
        table.partition_key.as_deref(),
    )
}

/// Declared index `i` on shadow table `n`.
pub fn shadow_index(n: usize, i: usize, ix: &IndexDecl) -> String {
    statement::CreateIndex {
        unique: ix.unique,
        name: Some(&shadow_index_name(i)),
        table: &qualified("pg_temp", &shadow_table_name(n)),
        tail: &ix.tail,
        ..Default::default()
    }
    .text()
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
