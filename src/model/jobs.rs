//! The maintenance commands' report (analyze, refresh, reindex, vacuum): the plan a dry run prints,
//! or the outcome of each job.

use serde::Serialize;

use crate::jobs::{JobStatus, Outcome};
use crate::model::counted;
use crate::outcome::Status;

/// A candidate a dry run says the real run would leave alone.
#[derive(Debug, Serialize)]
pub struct SkippedJob {
    /// Quoted and qualified; `schema` and `name` raw.
    pub relation: String,
    pub schema: String,
    pub name: String,
    pub status: JobStatus,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct PlannedJob {
    pub level: usize,
    /// Quoted and qualified; `schema` and `name` raw.
    pub relation: String,
    pub schema: String,
    pub name: String,
    pub reason: String,
    pub statement: String,
}

/// What a dry run would do: the statements in order, and what it would leave alone.
#[derive(Debug, Serialize)]
pub struct JobsPlan {
    pub dry_run: bool,
    /// The settings every session of the run starts with, as `SET` statements.
    pub session: Vec<String>,
    pub plan: Vec<PlannedJob>,
    pub skipped: Vec<SkippedJob>,
}

#[derive(Debug, Serialize)]
pub struct RunReport {
    pub server: String,
    pub outcomes: Vec<Outcome>,
    pub seconds: f64,
    pub status: Status,
}

/// A maintenance command's report: its plan (--dry-run) or its run.
#[derive(Debug, Serialize)]
pub struct JobsReport {
    /// analyze, refresh, reindex or vacuum.
    #[serde(skip)]
    pub command: &'static str,
    #[serde(flatten)]
    pub work: JobsWork,
}

#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum JobsWork {
    Plan(JobsPlan),
    Ran(RunReport),
}

impl JobsReport {
    fn count(&self, status: JobStatus) -> usize {
        match &self.work {
            JobsWork::Ran(r) => r.outcomes.iter().filter(|o| o.status == status).count(),
            JobsWork::Plan(_) => 0,
        }
    }
}

impl crate::model::Report for JobsReport {
    fn status(&self) -> Status {
        match &self.work {
            JobsWork::Ran(r) => r.status,
            JobsWork::Plan(_) => Status::Ok,
        }
    }

    /// `12 done; 1 skipped, locked (public.orders); 1 failed (public.big)`.
    fn summary(&self) -> String {
        let outcomes = match &self.work {
            JobsWork::Plan(p) => return format!("dry run: {} planned", p.plan.len()),
            JobsWork::Ran(r) => &r.outcomes,
        };
        if outcomes.is_empty() {
            return "nothing to do".into();
        }
        let mut parts = Vec::new();
        for status in [
            JobStatus::Done,
            JobStatus::Failed,
            JobStatus::Cancelled,
            JobStatus::SkippedLocked,
            JobStatus::SkippedPrivilege,
            JobStatus::SkippedBudget,
            JobStatus::SkippedDependency,
            JobStatus::SkippedNotApplicable,
        ] {
            let these: Vec<&Outcome> = outcomes.iter().filter(|o| o.status == status).collect();
            if these.is_empty() {
                continue;
            }
            let word = status.words();
            parts.push(if status == JobStatus::Done {
                format!("{} {word}", these.len())
            } else {
                format!(
                    "{word}: {}",
                    counted(these.len(), these.iter().map(|o| o.relation.as_str()))
                )
            });
        }
        parts.join("; ")
    }

    fn unfinished(&self) -> Option<String> {
        let cancelled = self.count(JobStatus::Cancelled);
        (cancelled > 0).then(|| {
            format!(
                "interrupted: {} done, {cancelled} cancelled or not started; every statement pgtune had running was cancelled",
                self.count(JobStatus::Done)
            )
        })
    }
}
