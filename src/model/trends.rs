//! `pgtune trends`'s report: growth, dead tuples, unused indexes, setting changes and capacity,
//! compared across snapshots.

use crate::outcome::Status;
use crate::trends::Projection;
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Growth {
    /// Quoted and qualified; `schema` and `table_name` raw.
    pub table: String,
    pub schema: String,
    pub table_name: String,
    pub before_bytes: i64,
    pub after_bytes: i64,
    pub growth_bytes: i64,
    pub new: bool,
}

#[derive(Debug, Serialize)]
pub struct DeadChange {
    /// Quoted and qualified; `schema` and `table_name` raw.
    pub table: String,
    pub schema: String,
    pub table_name: String,
    pub before: i64,
    pub after: i64,
}

#[derive(Debug, Serialize)]
pub struct UnusedIndex {
    /// Quoted and qualified; `schema`, `index_name` and `table_name` raw.
    pub index: String,
    pub table: String,
    pub schema: String,
    pub index_name: String,
    pub table_name: String,
    pub bytes: i64,
    /// Scanned before the window (or created since): newly unused.
    pub newly: bool,
}

#[derive(Debug, Serialize)]
pub struct SettingChange {
    pub name: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Capacity {
    /// "database" or a table's qualified name.
    pub object: String,
    /// A table's raw schema and name (null for the database).
    pub schema: Option<String>,
    pub table_name: Option<String>,
    #[serde(flatten)]
    pub projection: Projection,
    /// The date the line reaches the limit, if it does.
    pub reaches_limit_on: Option<DateTime<Utc>>,
}

#[derive(Debug, Default, Serialize)]
pub struct TrendsReport {
    pub snapshots: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub database_before_bytes: i64,
    pub database_after_bytes: i64,
    pub growers: Vec<Growth>,
    pub unused_indexes: Vec<UnusedIndex>,
    /// Cache hit ratio (percent) within the window, and within the window before it when known.
    pub cache_hit_ratio: Option<f64>,
    pub previous_cache_hit_ratio: Option<f64>,
    pub dead_tuples_before: i64,
    pub dead_tuples_after: i64,
    pub dead_growers: Vec<DeadChange>,
    pub settings_changed: Vec<SettingChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity_limit: Option<String>,
    pub capacity: Vec<Capacity>,
    pub status: Status,
}

impl crate::model::Report for TrendsReport {
    fn status(&self) -> Status {
        self.status
    }

    /// The growth over the window, then what deserves a look: the fastest growers, newly unused
    /// indexes, settings changed, and a limit within reach.
    fn summary(&self) -> String {
        use crate::model::counted;
        use crate::units::format_bytes;
        if let Some(note) = &self.note {
            return note.clone();
        }
        let mut lines = vec![format!(
            "database {} -> {} over {} snapshots",
            format_bytes(self.database_before_bytes),
            format_bytes(self.database_after_bytes),
            self.snapshots
        )];
        if !self.growers.is_empty() {
            lines.push(format!(
                "growing fastest: {}",
                counted(
                    self.growers.len(),
                    self.growers.iter().map(|g| g.table.as_str())
                )
            ));
        }
        let newly: Vec<&UnusedIndex> = self.unused_indexes.iter().filter(|u| u.newly).collect();
        if !newly.is_empty() {
            lines.push(format!(
                "newly unused indexes: {}",
                counted(newly.len(), newly.iter().map(|u| u.index.as_str()))
            ));
        }
        if !self.settings_changed.is_empty() {
            lines.push(format!(
                "settings changed: {}",
                counted(
                    self.settings_changed.len(),
                    self.settings_changed.iter().map(|s| s.name.as_str())
                )
            ));
        }
        let soon: Vec<&Capacity> = self
            .capacity
            .iter()
            .filter(|c| {
                c.projection.enough_history && c.projection.days_to_limit.is_some_and(|d| d <= 30.0)
            })
            .collect();
        if !soon.is_empty() {
            lines.push(format!(
                "reaching {} within 30 days: {}",
                self.capacity_limit.as_deref().unwrap_or("the limit"),
                counted(soon.len(), soon.iter().map(|c| c.object.as_str()))
            ));
        }
        lines.join("\n")
    }
}
