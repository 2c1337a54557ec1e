//! `pgtune check`'s report: settings against the advice, the health findings, and what --apply did.

use crate::health::audit::SettingAudit;
use crate::health::Finding;
use crate::model::config::Fact;
use crate::outcome::Status;
use crate::tune::Inputs;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Serialize)]
pub struct ConfigFileError {
    pub location: String,
    pub name: Option<String>,
    pub error: String,
}

#[derive(Debug, Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ApplyMethod {
    AlterSystem,
    ConfFile,
}

#[derive(Debug, Serialize)]
pub struct Applied {
    pub name: String,
    pub value: String,
    /// in effect | waits for restart | not in effect
    pub outcome: String,
    pub detail: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ApplyReport {
    pub method: ApplyMethod,
    pub dry_run: bool,
    /// Exactly what was (or would be) run or written.
    pub statements: Vec<String>,
    pub file: Option<PathBuf>,
    pub results: Vec<Applied>,
    /// --write-conf: what the merge does to each setting in the file (added, replaces a line).
    pub file_changes: Vec<String>,
    /// The settings and values applied, in order.
    #[serde(skip)]
    pub items: Vec<(String, String)>,
}

impl ApplyReport {
    /// The settings this apply covers, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(|(n, _)| n.as_str())
    }
}

#[derive(Debug, Serialize)]
pub struct CheckReport {
    pub server: String,
    pub server_version: String,
    pub inputs: Option<Inputs>,
    pub profile: String,
    pub detected: Vec<Fact>,
    pub notes: Vec<String>,
    pub settings: Vec<SettingAudit>,
    pub config_file_errors: Vec<ConfigFileError>,
    pub health: Vec<Finding>,
    pub apply: Option<ApplyReport>,
    pub status: Status,
    /// --apply where ALTER SYSTEM is refused: nothing was changed; the lines to paste instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alter_system_refused: Option<AlterSystemRefused>,
    /// Why ALTER SYSTEM would be refused, for the terminal's offer to choose a conf.d file.
    #[serde(skip)]
    pub alter_system_refusal: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct AlterSystemRefused {
    pub reason: String,
    /// postgresql.conf lines for the settings it would have applied.
    pub conf_lines: String,
}

impl CheckReport {
    /// A setting's status once --apply has run: one now in effect no longer counts.
    pub fn setting_status(&self, s: &SettingAudit) -> Status {
        let in_effect = self.apply.as_ref().filter(|a| !a.dry_run).is_some_and(|a| {
            a.results
                .iter()
                .any(|r| r.name == s.name && r.outcome == "in effect")
        });
        if in_effect {
            Status::Ok
        } else {
            s.status
        }
    }
}

impl crate::model::Report for CheckReport {
    /// Once applied, a setting in effect no longer counts against the server; one that waits
    /// for a restart still does, as a warning.
    fn status(&self) -> Status {
        let Some(applied) = self.apply.as_ref().filter(|a| !a.dry_run) else {
            return self.status;
        };
        let settings = self.settings.iter().map(|s| self.setting_status(s));
        let health = self.health.iter().map(|f| f.status.severity());
        let waiting = applied
            .results
            .iter()
            .any(|r| r.outcome != "in effect")
            .then_some(Status::Warning);
        settings
            .chain(health)
            .chain(waiting)
            .max()
            .unwrap_or(Status::Ok)
    }

    /// `settings: 3 differ (shared_buffers, work_mem, ...)` and the health checks that need a look.
    fn summary(&self) -> String {
        use crate::model::counted;
        let mut lines = Vec::new();
        let differ: Vec<&str> = self
            .settings
            .iter()
            .filter(|s| s.status != Status::Ok)
            .map(|s| s.name.as_str())
            .collect();
        if !self.settings.is_empty() {
            lines.push(format!(
                "settings: {} of {} differ{}",
                differ.len(),
                self.settings.len(),
                if differ.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ({})",
                        crate::model::named(differ.len(), differ.iter().copied())
                    )
                }
            ));
        }
        if !self.health.is_empty() {
            // `health: 18 checks: 2 critical (invalid_indexes, sequences), 2 warning (...), 14 ok`.
            let mut parts = Vec::new();
            for (level, one, many) in [
                (Status::Critical, "critical", "critical"),
                (Status::Warning, "warning", "warnings"),
            ] {
                let found: Vec<&str> = self
                    .health
                    .iter()
                    .filter(|f| f.status.severity() == level)
                    .map(|f| f.check)
                    .collect();
                if !found.is_empty() {
                    parts.push(format!(
                        "{} ({})",
                        crate::units::plural(found.len() as f64, one, many),
                        crate::model::named(found.len(), found.iter().copied())
                    ));
                }
            }
            let ok = self
                .health
                .iter()
                .filter(|f| f.status.severity() == Status::Ok)
                .count();
            parts.push(format!("{ok} ok"));
            lines.push(format!(
                "health: {} checks: {}",
                self.health.len(),
                parts.join(", ")
            ));
        }
        if let Some(applied) = self.apply.as_ref().filter(|a| !a.dry_run) {
            lines.push(format!(
                "applied: {}",
                counted(
                    applied.results.len(),
                    applied.results.iter().map(|r| r.name.as_str())
                )
            ));
        }
        lines.join("\n")
    }

    fn unfinished(&self) -> Option<String> {
        self.alter_system_refused.as_ref().map(|r| format!(
            "cannot apply with ALTER SYSTEM: {}; nothing was changed: write the settings to a conf.d file the server reads with --write-conf PATH, or paste the lines above into postgresql.conf and reload",
            r.reason
        ))
    }
}

impl CheckReport {
    pub fn worst(&self) -> Status {
        let settings = self.settings.iter().map(|s| s.status);
        let health = self.health.iter().map(|f| f.status.severity());
        let files = (!self.config_file_errors.is_empty()).then_some(Status::Warning);
        settings
            .chain(health)
            .chain(files)
            .max()
            .unwrap_or(Status::Ok)
    }
}
