//! `pgtune purge`'s report: rows deleted (or that would be) per table.

use crate::outcome::Status;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct PurgeOutcome {
    pub table: String,
    pub column: String,
    pub older_than: String,
    pub batch_size: i64,
    /// Rows deleted, or with --dry-run the rows that would be.
    pub rows: i64,
    pub batches: i64,
    pub seconds: f64,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub statement: String,
}

#[derive(Debug, Serialize)]
pub struct PurgeReport {
    pub dry_run: bool,
    /// Rows deleted over every table (with --dry-run, that would be).
    pub rows: i64,
    pub targets: Vec<PurgeOutcome>,
    pub status: Status,
}
