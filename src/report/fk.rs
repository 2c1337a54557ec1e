//! Foreign keys without a supporting index: deleting or updating a referenced row scans the whole
//! referencing table (under a lock). The query already excludes keys that lead a valid index.

use serde::Serialize;

use super::{qualified, Finding, Section};
use crate::outcome::Status;
use crate::sql::quote_ident;
use crate::units::format_bytes;

#[derive(Debug, Clone, Serialize)]
pub struct ForeignKey {
    pub schema: String,
    pub table: String,
    pub constraint: String,
    pub columns: Vec<String>,
    pub referenced_schema: String,
    pub referenced_table: String,
    pub table_bytes: i64,
    pub table_rows: i64,
}

/// An index name PostgreSQL would accept: `<table>_<columns>_idx`, cut to 63 bytes on a character
/// boundary, as PostgreSQL's own names are.
pub fn index_name(table: &str, columns: &[String]) -> String {
    let full = format!("{table}_{}_idx", columns.join("_"));
    if full.len() <= 63 {
        return full;
    }
    let suffix = "_idx";
    let mut cut = 63 - suffix.len();
    while !full.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{suffix}", &full[..cut])
}

pub fn evaluate(keys: &[ForeignKey], min_bytes: i64) -> Section {
    let mut s = Section::new("fk-without-index");
    for k in keys.iter().filter(|k| k.table_bytes >= min_bytes) {
        let cols: Vec<String> = k.columns.iter().map(|c| quote_ident(c)).collect();
        let fix = format!(
            "CREATE INDEX CONCURRENTLY {} ON {} ({});",
            quote_ident(&index_name(&k.table, &k.columns)),
            qualified(&k.schema, &k.table),
            cols.join(", ")
        );
        s.findings.push(Finding {
            category: "foreign key without index".into(),
            level: Status::Warning,
            schema: k.schema.clone(),
            table: k.table.clone(),
            index: None,
            bytes: k.table_bytes,
            size: format_bytes(k.table_bytes),
            evidence: format!(
                "foreign key {} ({}) references {}; no index leads with its columns, so each delete or key update there scans {} ({}, about {} rows)",
                quote_ident(&k.constraint),
                cols.join(", "),
                qualified(&k.referenced_schema, &k.referenced_table),
                qualified(&k.schema, &k.table),
                format_bytes(k.table_bytes),
                k.table_rows
            ),
            fix: Some(fix),
            wasted_bytes: None,
            wasted_percent: None,
        });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_postgres_limit() {
        assert_eq!(
            index_name("orders", &["customer_id".into()]),
            "orders_customer_id_idx"
        );
        let long = index_name(&"é".repeat(40), &["col".into()]);
        assert!(long.len() <= 63 && long.ends_with("_idx"), "{long}");
    }

    #[test]
    fn fix_quotes_hostile_names() {
        let k = ForeignKey {
            schema: "My App".into(),
            table: "Order Lines".into(),
            constraint: "fk \"x\"".into(),
            columns: vec!["Order Id".into()],
            referenced_schema: "My App".into(),
            referenced_table: "orders".into(),
            table_bytes: 8192,
            table_rows: 10,
        };
        let s = evaluate(&[k], 0);
        assert_eq!(
            s.findings[0].fix.as_deref(),
            Some("CREATE INDEX CONCURRENTLY \"Order Lines_Order Id_idx\" ON \"My App\".\"Order Lines\" (\"Order Id\");")
        );
    }
}
