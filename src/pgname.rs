//! The name PostgreSQL itself gives an unnamed index (`ChooseRelationName` and `makeObjectName` in
//! its source): pgtune proposes that same name, so a proposal reads as the server's own, fits in 63
//! bytes cut on a character boundary, and is unique against the catalog and the rest of the run
//! (a name taken already would make `IF NOT EXISTS` skip the build silently).

use std::collections::HashSet;

/// PostgreSQL's NAMEDATALEN - 1: the longest identifier in bytes.
const MAX_NAME_BYTES: usize = 63;

/// `name1_name2_label`, with name1 and name2 shortened in turn (the longer first) until the whole
/// fits, each cut on a character boundary: PostgreSQL's `makeObjectName`.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let (n1, n2) = part_lengths(name1, name2, label);
    let mut name = clip(name1, n1).to_string();
    if let Some(name2) = name2 {
        name.push('_');
        name.push_str(clip(name2, n2));
    }
    name.push('_');
    name.push_str(label);
    name
}

/// The bytes of name1 and name2 that `make_object_name` keeps (before the character-boundary cut).
fn part_lengths(name1: &str, name2: Option<&str>, label: &str) -> (usize, usize) {
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    let avail = MAX_NAME_BYTES - overhead;
    let (mut n1, mut n2) = (name1.len(), name2.map_or(0, str::len));
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    (n1, n2)
}

/// The column part of an index name: the columns joined by `_` (PostgreSQL's
/// `ChooseIndexNameAddition`, which stops once it has a full name's worth).
fn column_addition(columns: &[String]) -> String {
    let mut out = String::new();
    for c in columns {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(c);
        if out.len() > MAX_NAME_BYTES {
            break;
        }
    }
    out
}

/// The longest prefix of `s` within `bytes` that ends on a character boundary (`pg_mbcliplen`).
fn clip(s: &str, bytes: usize) -> &str {
    let mut cut = bytes.min(s.len());
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    &s[..cut]
}

/// Chooses index names as PostgreSQL would for `CREATE INDEX ON table (columns)`: `idx`, then
/// `idx1`, `idx2`, ... until the name is free in its schema.
pub struct IndexNames {
    taken: HashSet<(String, String)>,
}

impl IndexNames {
    /// `taken`: (schema, name) of the relations that exist (see `catalog_prefix`).
    pub fn new(taken: HashSet<(String, String)>) -> Self {
        IndexNames { taken }
    }

    /// A free name for an index on `table` over `parts` (column names, or any words naming it),
    /// reserved for the rest of the run.
    pub fn choose(&mut self, schema: &str, table: &str, parts: &[String]) -> String {
        let addition = column_addition(parts);
        let mut pass = 0;
        loop {
            let label = if pass == 0 {
                "idx".to_string()
            } else {
                format!("idx{pass}")
            };
            let name = make_object_name(table, Some(&addition), &label);
            if self.taken.insert((schema.to_string(), name.clone())) {
                return name;
            }
            pass += 1;
        }
    }
}

impl IndexNames {
    /// A free name for a partition's index attached to `parent_index`: the partition's name and the
    /// parent index's (without its `_idx`), as `choose` makes them.
    pub fn choose_for_partition(
        &mut self,
        schema: &str,
        partition: &str,
        parent_index: &str,
    ) -> String {
        let parent = parent_index.strip_suffix("_idx").unwrap_or(parent_index);
        self.choose(schema, partition, &[parent.to_string()])
    }
}

/// `catalog_prefix` for `IndexNames::choose_for_partition`.
pub fn partition_catalog_prefix(partition: &str, parent_index: &str) -> String {
    let parent = parent_index.strip_suffix("_idx").unwrap_or(parent_index);
    catalog_prefix(partition, &[parent.to_string()])
}

/// A prefix every name `IndexNames::choose` can return for this table starts with: the table part
/// at its shortest (under a long numbered label). The catalog names to look up are those starting so.
pub fn catalog_prefix(table: &str, parts: &[String]) -> String {
    let addition = column_addition(parts);
    let (n1_first, _) = part_lengths(table, Some(&addition), "idx");
    let (n1, n2) = part_lengths(table, Some(&addition), "idx99999");
    if n1_first == n1 {
        // The table part never shrinks: the column part, at its shortest, is common too (a
        // prefix of `t1` alone would match t10, t100, ...).
        format!("{}_{}", clip(table, n1), clip(&addition, n2))
    } else {
        clip(table, n1).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn short_names_are_table_columns_idx() {
        let mut names = IndexNames::new(HashSet::new());
        assert_eq!(
            names.choose("s", "orders", &cols(&["customer_id"])),
            "orders_customer_id_idx"
        );
        assert_eq!(
            names.choose("s", "orders", &cols(&["customer_id"])),
            "orders_customer_id_idx1"
        );
        assert_eq!(
            names.choose("t", "orders", &cols(&["a", "b"])),
            "orders_a_b_idx"
        );
    }

    #[test]
    fn long_names_shorten_the_longer_part_first_on_character_boundaries() {
        // 63 bytes of table, 11 of column: the table part gives way until the whole is 63 bytes.
        let table = "t".repeat(63);
        let name = make_object_name(&table, Some("customer_id"), "idx");
        assert_eq!(name.len(), 63);
        assert_eq!(name, format!("{}_customer_id_idx", "t".repeat(47)));
        let accented = "é".repeat(40);
        let name = make_object_name(&accented, Some("col"), "idx");
        assert!(name.len() <= 63 && name.ends_with("_col_idx"), "{name}");
        // Two equally long parts are both cut.
        let name = make_object_name(&"a".repeat(60), Some(&"b".repeat(60)), "idx");
        assert_eq!(name, format!("{}_{}_idx", "a".repeat(29), "b".repeat(29)));
    }

    #[test]
    fn taken_names_are_skipped_and_share_the_catalog_prefix() {
        let table = "x".repeat(63);
        let first = make_object_name(&table, Some("c"), "idx");
        let mut names = IndexNames::new([("s".to_string(), first.clone())].into());
        let chosen = names.choose("s", &table, &cols(&["c"]));
        assert_eq!(chosen, make_object_name(&table, Some("c"), "idx1"));
        let prefix = catalog_prefix(&table, &cols(&["c"]));
        assert!(
            first.starts_with(&prefix) && chosen.starts_with(&prefix),
            "{prefix}"
        );
        assert!(!prefix.is_empty());
    }
}
