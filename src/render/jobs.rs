//! Maintenance runs as tables: the plan of a dry run, and what each job did.

use std::io::{self, Write};

use super::{cell, Style, Tone};
use crate::cli::Format;
use crate::jobs::JobStatus;
use crate::model::jobs::{JobsPlan, JobsReport, JobsWork, RunReport};

impl super::Render for JobsReport {
    fn command(&self) -> &'static str {
        self.command
    }

    fn render(&self, _: Format, style: &Style, mut out: &mut dyn Write) -> io::Result<()> {
        match &self.work {
            JobsWork::Plan(p) => plan(p, &mut out),
            JobsWork::Ran(r) if r.outcomes.is_empty() => writeln!(out, "-- nothing to do"),
            JobsWork::Ran(r) => table(r, style, &mut out),
        }
    }
}

/// A dry run as a script psql can run: every line that is not a statement is a comment, and the
/// session settings the run's sessions start with come first.
pub fn plan(p: &JobsPlan, out: &mut impl Write) -> io::Result<()> {
    let (plan, skipped) = (&p.plan, &p.skipped);
    for s in skipped {
        writeln!(
            out,
            "-- {}: {}: {}",
            outcome_word(s.status).0,
            crate::sql::quote::comment(&s.relation),
            crate::sql::quote::comment(&s.reason)
        )?;
    }
    if plan.is_empty() {
        return writeln!(out, "-- nothing to do");
    }
    for s in &p.session {
        writeln!(out, "{s};")?;
    }
    let mut level = 0;
    for p in plan {
        if p.level != level {
            level = p.level;
            writeln!(
                out,
                "-- level {level}{}",
                if level == 1 {
                    ""
                } else {
                    " (after the levels above)"
                }
            )?;
        }
        writeln!(
            out,
            "-- {}: {}",
            crate::sql::quote::comment(&p.relation),
            crate::sql::quote::comment(&p.reason)
        )?;
        writeln!(out, "{};", p.statement)?;
    }
    Ok(())
}

/// How an outcome reads in a table or a dry run's comment.
fn outcome_word(status: JobStatus) -> (&'static str, Tone) {
    match status {
        JobStatus::Done => ("done", Tone::Good),
        JobStatus::Failed => ("FAILED", Tone::Bad),
        JobStatus::SkippedLocked => ("skipped: locked", Tone::Warn),
        JobStatus::SkippedPrivilege => ("skipped: not its owner", Tone::Warn),
        JobStatus::SkippedNotApplicable => ("skipped: needs another fix", Tone::Warn),
        JobStatus::SkippedDependency => ("skipped: its dependency did not run", Tone::Warn),
        JobStatus::SkippedBudget => ("skipped: budget spent", Tone::Warn),
        JobStatus::Cancelled => ("cancelled: interrupted", Tone::Bad),
    }
}

pub fn table(report: &RunReport, style: &Style, out: &mut impl Write) -> io::Result<()> {
    let mut t = super::table(style, &["Relation", "Outcome", "Seconds", "Why / detail"]);
    for o in &report.outcomes {
        let (word, tone) = outcome_word(o.status);
        let detail = match &o.detail {
            Some(d) => format!("{}\n{d}", o.reason),
            None => o.reason.clone(),
        };
        t.add_row(vec![
            cell(style, crate::sql::quote::comment(&o.relation), Tone::Normal),
            cell(style, word, tone),
            cell(style, format!("{:.2}", o.seconds), Tone::Normal),
            cell(style, detail, Tone::Normal),
        ]);
    }
    super::write_table(out, &t, style)?;
    let count = |s: JobStatus| report.outcomes.iter().filter(|o| o.status == s).count();
    let cancelled = count(JobStatus::Cancelled);
    let skipped =
        report.outcomes.len() - count(JobStatus::Done) - count(JobStatus::Failed) - cancelled;
    writeln!(
        out,
        "{} done, {} failed, {skipped} skipped{}, in {:.1}s",
        count(JobStatus::Done),
        count(JobStatus::Failed),
        if cancelled > 0 {
            format!(", {cancelled} cancelled")
        } else {
            String::new()
        },
        report.seconds
    )
}
