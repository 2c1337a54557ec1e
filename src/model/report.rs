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

    /// One line per section, what needs a look first: `unused-indexes: 20 findings: 6 warnings
    /// (public.a, ...), 14 ok; note: premature: ...`.
    fn summary(&self) -> String {
        self.sections
            .iter()
            .map(|s| {
                let mut parts = Vec::new();
                for (level, one, many) in [
                    (Status::Critical, "critical", "critical"),
                    (Status::Warning, "warning", "warnings"),
                ] {
                    let names: Vec<String> = s
                        .findings
                        .iter()
                        .filter(|f| f.level == level)
                        .map(|f| {
                            crate::report::qualified(
                                &f.schema,
                                f.index.as_deref().unwrap_or(&f.table),
                            )
                        })
                        .collect();
                    if !names.is_empty() {
                        parts.push(format!(
                            "{} ({})",
                            crate::units::plural(names.len() as f64, one, many),
                            crate::model::named(names.len(), names.iter().map(String::as_str))
                        ));
                    }
                }
                let ok = s.findings.iter().filter(|f| f.level == Status::Ok).count();
                if ok > 0 {
                    parts.push(format!("{ok} ok"));
                }
                let mut line = match s.findings.len() {
                    0 => format!("{}: nothing found", s.report),
                    n => format!(
                        "{}: {}: {}",
                        s.report,
                        crate::units::plural(n as f64, "finding", "findings"),
                        parts.join(", ")
                    ),
                };
                // What qualifies the verdicts (a short statistics window, say) goes with them.
                if let Some(note) = s.notes.first() {
                    let note = crate::sql::quote::comment(note);
                    let short: String = note.chars().take(120).collect();
                    line.push_str(&format!(
                        "; note: {short}{}",
                        if short.len() < note.len() { "..." } else { "" }
                    ));
                }
                line
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}
