//! `pgtune purge`'s report: rows deleted (or that would be) per table.

use crate::outcome::Status;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct PurgeOutcome {
    /// Quoted and qualified once resolved (as given before); `schema` and `table_name` raw, null
    /// when the table could not be resolved.
    pub table: String,
    pub schema: Option<String>,
    pub table_name: Option<String>,
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
    /// Stopped by Ctrl-C or SIGTERM: its running batch was cancelled.
    #[serde(skip)]
    pub interrupted: bool,
}

impl crate::model::Report for PurgeReport {
    fn status(&self) -> Status {
        self.status
    }

    /// `deleted 1200 rows: public.audit_log 1200 in 2 batches; public.events failed: ...`.
    fn summary(&self) -> String {
        if self.targets.is_empty() {
            return "nothing to purge".into();
        }
        let verb = if self.dry_run {
            "would delete"
        } else {
            "deleted"
        };
        let mut lines = vec![format!("{verb} {} rows", self.rows)];
        for t in &self.targets {
            let mut line = format!(
                "{}: {} rows in {}",
                crate::sql::quote::comment(&t.table),
                t.rows,
                crate::units::plural(t.batches as f64, "batch", "batches")
            );
            if t.status != Status::Ok {
                if let Some(d) = &t.detail {
                    line.push_str(&format!(" ({})", crate::sql::quote::comment(d)));
                }
            }
            lines.push(line);
        }
        lines.join("\n")
    }

    fn unfinished(&self) -> Option<String> {
        self.interrupted.then(|| format!(
            "interrupted: the running batch was cancelled (each batch is its own transaction, so nothing is half-deleted); {} rows deleted before, no table purged after it",
            self.rows
        ))
    }
}
