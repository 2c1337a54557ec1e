//! `pgtune schedule`'s report: the crontab lines or systemd units, and which scheduler they are for.

use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ScheduleReport {
    /// `cron` or `systemd`.
    pub scheduler: &'static str,
    pub text: String,
}

impl crate::model::Report for ScheduleReport {
    fn status(&self) -> crate::outcome::Status {
        crate::outcome::Status::Ok
    }

    fn summary(&self) -> String {
        format!("{} schedule", self.scheduler)
    }
}
