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
    /// `--fail-on critical`: warnings exit 0.
    #[serde(skip)]
    pub fail_on_critical: bool,
}

impl crate::model::Report for ReportOutput {
    fn status(&self) -> Status {
        match self.status {
            Status::Warning if self.fail_on_critical => Status::Ok,
            s => s,
        }
    }

    /// One line per section: `unused-indexes: 3 (2 warning: public.orders_note_idx, ...)`.
    fn summary(&self) -> String {
        self.sections
            .iter()
            .map(|s| {
                let attention: Vec<String> = s
                    .findings
                    .iter()
                    .filter(|f| f.level != Status::Ok)
                    .map(|f| {
                        let name = f.index.as_deref().unwrap_or(&f.table);
                        crate::report::qualified(&f.schema, name)
                    })
                    .collect();
                let found = if attention.is_empty() {
                    s.findings.len().to_string()
                } else {
                    format!(
                        "{} ({} need attention: {})",
                        s.findings.len(),
                        attention.len(),
                        crate::model::named(attention.len(), attention.iter().map(String::as_str))
                    )
                };
                format!("{}: {found}", s.report)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}
