//! `pgtune schema apply`'s report: each statement it ran (or a dry run would) and how it ended.

use crate::outcome::Status;
use crate::partition::TreeStatement;
use crate::schema::Location;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepOutcome {
    /// --dry-run: what would run.
    Planned,
    Done,
    Failed,
    /// Differs, and is only changed on request (--rebuild-changed), or cannot be changed safely.
    Left,
    /// The declaration cannot be applied (no table, rejected, unavailable, unnamed).
    Refused,
    /// Not reached: the run was interrupted.
    NotRun,
}

impl StepOutcome {
    pub fn status(self) -> Status {
        match self {
            StepOutcome::Planned | StepOutcome::Done => Status::Ok,
            StepOutcome::Left => Status::Warning,
            StepOutcome::Failed | StepOutcome::Refused | StepOutcome::NotRun => Status::Critical,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Step {
    pub kind: &'static str,
    /// Quoted as SQL; the raw names beside it.
    pub object: String,
    #[serde(flatten)]
    pub raw: crate::schema::plan::RawNames,
    pub at: Location,
    pub action: &'static str,
    pub why: String,
    pub statements: Vec<String>,
    pub outcome: StepOutcome,
    pub seconds: f64,
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<i64>,
    #[serde(skip)]
    pub work: Work,
    #[serde(skip)]
    pub checksum: String,
}

#[derive(Debug, Serialize)]
pub struct ApplyReport {
    pub database: String,
    pub server: String,
    pub dry_run: bool,
    /// The session settings every statement runs under.
    pub session: Vec<String>,
    pub steps: Vec<Step>,
    pub seconds: f64,
    pub status: Status,
    /// Why the run stopped before its end (interrupted): exit 3 once the report is printed.
    #[serde(skip)]
    pub ended: Option<String>,
    /// Asked on a terminal, the answer was no: nothing ran (never in JSON, which never asks).
    #[serde(skip)]
    pub declined: bool,
}

/// What a step does, for the executor.
#[derive(Debug, Clone)]
pub enum Work {
    Extension {
        statement: String,
    },
    Build {
        /// The DROP of an invalid index of that name, run first (and listed by the dry run).
        drop_first: Option<String>,
        schema: String,
        name: String,
        concurrently: bool,
        statement: String,
    },
    Rebuild {
        schema: String,
        name: String,
        statement: String,
        /// On a partitioned table (only with --no-concurrently): its indexes are dropped without
        /// CONCURRENTLY, which PostgreSQL refuses there.
        partitioned: bool,
    },
    /// An index on a partitioned table, which PostgreSQL builds nowhere CONCURRENTLY: ON ONLY the
    /// table (and each partitioned partition), concurrently on each leaf, each attached to its
    /// parent's; the top one becomes valid once every partition's is attached.
    BuildPartitioned {
        /// An invalid one of that name first: plain DROP (PostgreSQL refuses CONCURRENTLY here).
        drop_first: Option<String>,
        schema: String,
        name: String,
        parts: Vec<TreeStatement>,
    },
    Nothing,
}

impl crate::model::Report for ApplyReport {
    fn status(&self) -> Status {
        self.status
    }

    fn unfinished(&self) -> Option<String> {
        self.ended.clone()
    }

    fn summary(&self) -> String {
        let done = self
            .steps
            .iter()
            .filter(|s| s.outcome == StepOutcome::Done)
            .count();
        format!("{done} of {} steps done", self.steps.len())
    }
}
