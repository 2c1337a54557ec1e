//! `pgtune maintain`'s reports: a run of a playbook step by step, and the playbooks it knows.

use crate::outcome::Status;
use crate::profile::OnError;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepStatus {
    Ok,
    Warning,
    /// It ran, and found something critical (a report, a check).
    Critical,
    /// It could not run to the end: an error, a lost connection, an interruption.
    Failed,
    Skipped,
}

impl StepStatus {
    pub fn of(status: Status) -> StepStatus {
        match status {
            Status::Ok => StepStatus::Ok,
            Status::Warning => StepStatus::Warning,
            Status::Critical => StepStatus::Critical,
        }
    }

    pub fn status(self) -> Status {
        match self {
            StepStatus::Ok | StepStatus::Skipped => Status::Ok,
            StepStatus::Warning => Status::Warning,
            StepStatus::Critical | StepStatus::Failed => Status::Critical,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            StepStatus::Ok => "ok",
            StepStatus::Warning => "warning",
            StepStatus::Critical => "critical",
            StepStatus::Failed => "failed",
            StepStatus::Skipped => "skipped",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct StepReport {
    pub name: String,
    pub step: String,
    pub command: String,
    pub status: StepStatus,
    pub seconds: f64,
    pub summary: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct MaintainReport {
    pub playbook: String,
    pub database: String,
    pub run_id: Option<i64>,
    pub status: Status,
    pub seconds: f64,
    pub steps: Vec<StepReport>,
    /// Earlier runs that ended without recording their outcome, recorded as failed by this one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub closed_interrupted_runs: Vec<i64>,
}

#[derive(Debug, Serialize)]
pub struct PlaybookList {
    pub playbooks: Vec<ListedPlaybook>,
}

#[derive(Debug, Serialize)]
pub struct ListedPlaybook {
    pub name: String,
    pub source: String,
    pub steps: Vec<ListedStep>,
}

#[derive(Debug, Serialize)]
pub struct ListedStep {
    pub name: String,
    pub step: String,
    pub command: String,
    pub timeout: Option<String>,
    pub on_error: OnError,
}

impl MaintainReport {
    /// The run's recorded status: failed when a step failed, else the worst finding.
    pub fn status_word(&self) -> &'static str {
        if self.steps.iter().any(|s| s.status == StepStatus::Failed) {
            return "failed";
        }
        match self.status {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Critical => "critical",
        }
    }
}
