//! Foreign keys without a supporting index: deleting or updating a referenced row scans the whole
//! referencing table (under a lock). The query already excludes keys that lead a valid index.

use serde::Serialize;

use super::{qualified, Finding, Section};
use crate::outcome::Status;
use crate::pgname::{catalog_prefix, IndexNames};
use crate::sql::quote::quote_ident;
use crate::units::format_bytes;

#[derive(Debug, Clone, Serialize)]
pub struct ForeignKey {
    /// The referencing table's oid.
    pub oid: i64,
    pub schema: String,
    pub table: String,
    pub constraint: String,
    pub columns: Vec<String>,
    pub referenced_schema: String,
    pub referenced_table: String,
    pub table_bytes: i64,
    pub table_rows: i64,
    /// False for a table never vacuumed or analyzed: the statistics know nothing of it, and
    /// `table_bytes` is its size on disk (0 when that could not be read).
    pub size_known: bool,
    /// For a partitioned table, its partitions at every level, parents first (empty otherwise).
    pub partitions: Vec<Partition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Partition {
    pub schema: String,
    pub name: String,
    pub partitioned: bool,
    pub parent_schema: String,
    pub parent: String,
}

/// (schema, prefix) for every name `evaluate` may propose: look these up in the catalog and pass
/// the names found as `taken`.
pub fn name_prefixes(keys: &[ForeignKey]) -> Vec<(String, String)> {
    let mut out = std::collections::BTreeSet::new();
    for k in keys {
        let tables = std::iter::once((&k.schema, &k.table))
            .chain(k.partitions.iter().map(|p| (&p.schema, &p.name)));
        for (schema, table) in tables {
            out.insert((schema.clone(), catalog_prefix(table, &k.columns)));
        }
    }
    out.into_iter().collect()
}

/// `taken`: (schema, name) of relations that exist already; proposed names avoid them and each other,
/// and are the names PostgreSQL would choose itself.
pub fn evaluate(
    keys: &[ForeignKey],
    min_bytes: i64,
    taken: std::collections::HashSet<(String, String)>,
) -> Section {
    let mut s = Section::new("fk-without-index");
    let mut names = IndexNames::new(taken);
    let mut name_for =
        |schema: &str, table: &str, columns: &[String]| names.choose(schema, table, columns);
    // A table whose size is not known yet is listed whatever --min-size says: never dropped silently.
    for k in keys
        .iter()
        .filter(|k| k.table_bytes >= min_bytes || !k.size_known)
    {
        let cols: Vec<String> = k.columns.iter().map(|c| quote_ident(c)).collect();
        let name = name_for(&k.schema, &k.table, &k.columns);
        let (fix, how) = if k.partitions.is_empty() {
            (
                format!(
                    "{};",
                    crate::sql::statement::CreateIndex {
                        concurrently: true,
                        name: Some(&name),
                        table: &qualified(&k.schema, &k.table),
                        tail: &format!("({})", cols.join(", ")),
                        ..Default::default()
                    }
                    .text()
                ),
                String::new(),
            )
        } else {
            partitioned_fix(k, &name, &cols, &mut name_for)
        };
        s.findings.push(Finding {
            category: "foreign key without index".into(),
            level: Status::Warning,
            schema: k.schema.clone(),
            table: k.table.clone(),
            index: None,
            bytes: k.table_bytes,
            size: format_bytes(k.table_bytes),
            evidence: format!(
                "foreign key {} ({}) references {}; no index leads with its columns, so each delete or key update there scans {} ({}){how}",
                quote_ident(&k.constraint),
                cols.join(", "),
                qualified(&k.referenced_schema, &k.referenced_table),
                qualified(&k.schema, &k.table),
                if k.size_known {
                    format!("{}, about {} rows", format_bytes(k.table_bytes), k.table_rows)
                } else if k.table_bytes == 0 {
                    "its size is not known yet: never vacuumed or analyzed, run ANALYZE".to_string()
                } else {
                    format!(
                        "{} on disk; its rows are not known yet: never vacuumed or analyzed, run ANALYZE",
                        format_bytes(k.table_bytes)
                    )
                }
            ),
            fix: Some(fix),
            wasted_bytes: None,
            wasted_percent: None,
        });
    }
    s
}

/// PostgreSQL cannot build an index CONCURRENTLY on a partitioned table. The documented way that
/// never blocks writes: the index ON ONLY the parent (and each partitioned partition), each leaf's
/// built concurrently, each attached to its parent's; the parent's becomes valid when all are.
fn partitioned_fix(
    k: &ForeignKey,
    name: &str,
    cols: &[String],
    name_for: &mut impl FnMut(&str, &str, &[String]) -> String,
) -> (String, String) {
    let on = format!("({})", cols.join(", "));
    let create = |schema: &str, table: &str, index: &str, only: bool, concurrently: bool| {
        crate::sql::statement::CreateIndex {
            concurrently,
            if_not_exists: true,
            name: Some(index),
            only,
            table: &qualified(schema, table),
            tail: &on,
            ..Default::default()
        }
        .text()
    };
    let mut lines = vec![format!(
        "{};",
        create(&k.schema, &k.table, name, true, false)
    )];
    let below = crate::partition::index_partitions(
        (&k.schema, &k.table),
        name,
        &k.partitions,
        &mut |schema, table| name_for(schema, table, &k.columns),
        &create,
    );
    lines.extend(below.iter().map(|s| format!("{};", s.text())));
    let how = format!(
        "; {} is partitioned, and PostgreSQL builds no index CONCURRENTLY on it: the fix builds it ON ONLY the table, concurrently on each of its {} partition(s), and attaches them (writes never wait); or, accepting a write lock on every partition for the build, {};",
        qualified(&k.schema, &k.table),
        k.partitions.len(),
        crate::sql::statement::CreateIndex {
            name: Some(name),
            table: &qualified(&k.schema, &k.table),
            tail: &on,
            ..Default::default()
        }
        .text()
    );
    (lines.join("\n"), how)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fix_quotes_hostile_names() {
        let k = ForeignKey {
            oid: 1,
            schema: "My App".into(),
            table: "Order Lines".into(),
            constraint: "fk \"x\"".into(),
            columns: vec!["Order Id".into()],
            referenced_schema: "My App".into(),
            referenced_table: "orders".into(),
            table_bytes: 8192,
            table_rows: 10,
            size_known: true,
            partitions: vec![],
        };
        let s = evaluate(&[k.clone(), k.clone()], 0, Default::default());
        assert_eq!(
            s.findings[0].fix.as_deref(),
            Some("CREATE INDEX CONCURRENTLY \"Order Lines_Order Id_idx\" ON \"My App\".\"Order Lines\" (\"Order Id\");")
        );
        // Two proposals for one table never share a name.
        assert_eq!(
            s.findings[1].fix.as_deref(),
            Some("CREATE INDEX CONCURRENTLY \"Order Lines_Order Id_idx1\" ON \"My App\".\"Order Lines\" (\"Order Id\");")
        );
        // A name the catalog holds already (any relation) is not proposed.
        let taken = [("My App".to_string(), "Order Lines_Order Id_idx".to_string())].into();
        let s = evaluate(std::slice::from_ref(&k), 0, taken);
        assert!(s.findings[0]
            .fix
            .as_deref()
            .unwrap()
            .contains("\"Order Lines_Order Id_idx1\""));
        assert_eq!(
            name_prefixes(&[k]),
            [("My App".to_string(), "Order Lines_Order Id".to_string())]
        );
    }
}
