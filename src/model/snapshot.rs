//! `pgtune snapshot`'s report: what one snapshot holds and what expired.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct SnapshotReport {
    pub dry_run: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub tables: i64,
    pub indexes: i64,
    pub expired: i64,
    pub retention: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub statements: Vec<String>,
}
