//! `pgtune history`'s report: the recorded runs, newest first.

use serde::Serialize;

use crate::db::playbook::RecordedRun;

#[derive(Debug, Serialize)]
pub struct HistoryReport {
    pub runs: Vec<RecordedRun>,
}

impl crate::model::Report for HistoryReport {
    fn status(&self) -> crate::outcome::Status {
        crate::outcome::Status::Ok
    }

    fn summary(&self) -> String {
        crate::units::plural(self.runs.len() as u32, "run", "runs")
    }
}
