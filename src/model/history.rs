//! `pgtune history`'s report: the recorded runs, newest first.

use serde::Serialize;

use crate::db::playbook::RecordedRun;

#[derive(Debug, Serialize)]
pub struct HistoryReport {
    pub runs: Vec<RecordedRun>,
}
