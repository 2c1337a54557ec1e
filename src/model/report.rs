//! `pgtune report`'s report: its sections, each with findings and their fix SQL.

use crate::outcome::Status;
use crate::report::Section;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ReportOutput {
    pub server: String,
    pub database: String,
    pub sections: Vec<Section>,
    pub status: Status,
}
