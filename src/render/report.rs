//! `pgtune report` as tables: one per report, then what could not be estimated.

use std::io::{self, Write};

use super::{cell, heading, Style, Tone};
use crate::cli::Format;
use crate::model::report::ReportOutput;

impl super::Render for ReportOutput {
    fn command(&self) -> &'static str {
        "report"
    }
    fn render(&self, _: Format, style: &Style, mut out: &mut dyn Write) -> io::Result<()> {
        table(self, style, &mut out)
    }
}
use crate::outcome::Status;

pub fn table(output: &ReportOutput, style: &Style, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "pgtune report on {} (database {})",
        output.server, output.database
    )?;
    for s in &output.sections {
        heading(out, s.report)?;
        for n in &s.notes {
            writeln!(out, "  {n}")?;
        }
        if s.findings.is_empty() {
            writeln!(out, "nothing found")?;
        } else {
            let mut t = super::table(
                style,
                &["Level", "Category", "Relation", "Size", "Evidence and fix"],
            );
            for f in &s.findings {
                let tone = match f.level {
                    Status::Ok => Tone::Normal,
                    Status::Warning => Tone::Warn,
                    Status::Critical => Tone::Bad,
                };
                let relation = match &f.index {
                    Some(i) => format!(
                        "{}\n(on {})",
                        super::shown_name(&f.schema, i),
                        super::shown_ident(&f.table)
                    ),
                    None => super::shown_name(&f.schema, &f.table),
                };
                let text = match &f.fix {
                    Some(fix) => format!("{}\n{fix}", f.evidence),
                    None => f.evidence.clone(),
                };
                let level = match f.level {
                    Status::Ok => "info",
                    Status::Warning => "WARNING",
                    Status::Critical => "CRITICAL",
                };
                t.add_row(vec![
                    cell(style, level, tone),
                    cell(style, &f.category, Tone::Normal),
                    cell(style, relation, Tone::Normal),
                    cell(style, &f.size, Tone::Normal),
                    cell(style, super::shown_text(&text), Tone::Normal),
                ]);
            }
            super::write_table(out, &t, style)?;
        }
        if !s.not_estimated.is_empty() {
            writeln!(out, "Not estimated ({}):", s.not_estimated.len())?;
            for n in s.not_estimated.iter().take(20) {
                let what = match &n.index {
                    Some(i) => format!(
                        "{} (index on {})",
                        super::shown_name(&n.schema, i),
                        super::shown_ident(&n.table)
                    ),
                    None => super::shown_name(&n.schema, &n.table),
                };
                writeln!(out, "  {what}: {}", n.reason)?;
            }
            if s.not_estimated.len() > 20 {
                writeln!(
                    out,
                    "  ... and {} more (--format json lists them all)",
                    s.not_estimated.len() - 20
                )?;
            }
        }
    }
    Ok(())
}
