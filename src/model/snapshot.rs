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

impl crate::model::Report for SnapshotReport {
    fn status(&self) -> crate::outcome::Status {
        crate::outcome::Status::Ok
    }

    /// `snapshot 12: 340 tables, 512 indexes; 1 expired (retention 90d)`.
    fn summary(&self) -> String {
        use crate::units::plural;
        match self.id {
            None => "dry run: nothing taken".into(),
            Some(id) => format!(
                "snapshot {id}: {}, {}; {} expired (retention {})",
                plural(self.tables as f64, "table", "tables"),
                plural(self.indexes as f64, "index", "indexes"),
                self.expired,
                self.retention
            ),
        }
    }
}
