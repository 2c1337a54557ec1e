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
