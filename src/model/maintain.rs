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
    /// What the step's command did or found, written for a human (`Report::summary`); None for
    /// a SQL step and a step that did not run.
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct MaintainReport {
    pub playbook: String,
    pub database: String,
    pub run_id: Option<i64>,
    /// The worst step outcome as an exit code's status: a failed step counts as critical.
    pub status: Status,
    /// The run as recorded (and as `pgtune history` shows it): `failed` when a step failed, was
    /// interrupted or lost its connection, else ok, warning or critical.
    pub run_status: &'static str,
    pub seconds: f64,
    pub steps: Vec<StepReport>,
    /// Earlier runs that ended without recording their outcome, recorded as failed by this one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub closed_interrupted_runs: Vec<i64>,
    /// Why the run ended before its last step (interrupted, its connection lost): exit 3.
    #[serde(skip)]
    pub ended: Option<String>,
}

/// The script `maintain --dry-run` prints: each step's own dry run under a comment naming it.
#[derive(Debug, Serialize)]
pub struct MaintainScript {
    pub text: String,
    /// Steps it could not plan, and where the reason is.
    #[serde(skip)]
    pub unplanned: Option<String>,
}

/// What `pgtune maintain` prints: the playbooks (--list), the script (--dry-run) or the run.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum MaintainOutput {
    List(PlaybookList),
    DryRun(MaintainScript),
    Run(MaintainReport),
}

impl crate::model::Report for MaintainOutput {
    fn status(&self) -> Status {
        match self {
            MaintainOutput::Run(r) => r.status,
            _ => Status::Ok,
        }
    }

    fn summary(&self) -> String {
        match self {
            MaintainOutput::Run(r) => r.summary(),
            MaintainOutput::List(l) => {
                crate::units::plural(l.playbooks.len() as f64, "playbook", "playbooks")
            }
            MaintainOutput::DryRun(_) => "dry run".into(),
        }
    }

    fn unfinished(&self) -> Option<String> {
        match self {
            MaintainOutput::Run(r) => r.ended.clone(),
            MaintainOutput::DryRun(s) => s.unplanned.clone(),
            MaintainOutput::List(_) => None,
        }
    }

    /// With --quiet, nothing on stdout when every step succeeded: what cron mails is what needs
    /// reading.
    fn quiet_ok(&self) -> bool {
        matches!(self, MaintainOutput::Run(r) if r.status == Status::Ok && r.ended.is_none())
    }
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
    /// The run as recorded in `pgtune.maintenance_runs`: each step and its outcome, and the time.
    pub fn summary(&self) -> String {
        let steps = self
            .steps
            .iter()
            .map(|s| format!("{} {}", s.name, s.status.name()))
            .collect::<Vec<_>>()
            .join(", ");
        format!("{steps} ({:.1}s)", self.seconds)
    }

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
