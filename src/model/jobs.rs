//! The maintenance commands' reports (analyze, refresh, reindex, vacuum): the plan a dry run prints,
//! or the outcome of each job.

use crate::jobs::{JobStatus, Outcome};
use crate::outcome::Status;
use serde::Serialize;

/// A candidate a dry run says the real run would leave alone.
#[derive(Debug, Serialize)]
pub struct SkippedJob<'a> {
    pub relation: &'a str,
    pub status: JobStatus,
    pub reason: &'a str,
}

#[derive(Debug, Serialize)]
pub struct PlannedJob<'a> {
    pub level: usize,
    pub relation: &'a str,
    pub reason: &'a str,
    pub statement: &'a str,
}

#[derive(Debug, Serialize)]
pub struct RunReport {
    pub server: String,
    pub outcomes: Vec<Outcome>,
    pub seconds: f64,
    pub status: Status,
}
