//! `pgtune schema` as tables, GitHub Actions annotations, and the apply run's steps.

use std::io::{self, Write};

use super::{cell, Style, Tone};
use crate::cli::Format;
use crate::model::schema::SchemaReport;
use crate::model::schema_apply::{ApplyReport, StepOutcome};
use crate::outcome::Status;
use crate::schema::plan::{Kind, ObjectPlan, Verdict};
use crate::schema::{Lint, LintLevel};

fn tone(status: Status) -> Tone {
    match status {
        Status::Ok => Tone::Good,
        Status::Warning => Tone::Warn,
        Status::Critical => Tone::Bad,
    }
}

impl super::Render for SchemaReport {
    fn command(&self) -> &'static str {
        self.mode.command()
    }
    const FORMATS: &'static [Format] = &[Format::Table, Format::Json, Format::Github];
    fn render(&self, format: Format, style: &Style, mut out: &mut dyn Write) -> io::Result<()> {
        match format {
            Format::Github => github(self, self.mode.command(), &mut out),
            _ => table(self, self.mode.command(), style, &mut out),
        }
    }
}

impl super::Render for ApplyReport {
    fn command(&self) -> &'static str {
        "schema apply"
    }
    fn render(&self, _: Format, style: &Style, mut out: &mut dyn Write) -> io::Result<()> {
        if self.declined {
            // The objects and the script were shown before the question.
            writeln!(out, "Nothing was changed.")
        } else if self.dry_run {
            apply_script(self, &mut out)
        } else {
            apply_table(self, style, &mut out)
        }
    }
}

fn kind(k: Kind) -> &'static str {
    match k {
        Kind::Extension => "extension",
        Kind::Index => "index",
    }
}

/// What to say about an object besides its verdict: each difference on its own line.
fn detail(o: &ObjectPlan) -> String {
    let mut lines: Vec<String> = o.differences.iter().map(|d| d.to_string()).collect();
    lines.extend(o.detail.clone());
    lines.join("\n")
}

pub fn objects_table(
    objects: &[ObjectPlan],
    style: &Style,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut t = super::table(
        style,
        &["Kind", "Name", "Table", "Verdict", "Declared at", "Detail"],
    );
    for o in objects {
        t.add_row(vec![
            cell(style, kind(o.kind), Tone::Normal),
            cell(style, crate::sql::quote::comment(&o.name), Tone::Normal),
            cell(
                style,
                crate::sql::quote::comment(o.table.as_deref().unwrap_or("")),
                Tone::Normal,
            ),
            cell(style, o.verdict.name(), tone(o.status)),
            cell(style, &o.at, Tone::Normal),
            cell(style, detail(o), Tone::Normal),
        ]);
    }
    super::write_table(out, &t, style)
}

fn lints(lints: &[Lint], out: &mut impl Write) -> io::Result<()> {
    if lints.is_empty() {
        return Ok(());
    }
    super::heading(out, "In the files")?;
    for l in lints {
        let level = match l.level {
            LintLevel::Warning => "warning",
            LintLevel::Error => "error",
            LintLevel::OutOfScope => "out of scope",
        };
        match &l.statement {
            Some(s) => writeln!(out, "{}: {level}: {s}: {}", l.at, l.message)?,
            None => writeln!(out, "{}: {level}: {}", l.at, l.message)?,
        }
    }
    Ok(())
}

pub fn table(
    report: &SchemaReport,
    command: &str,
    style: &Style,
    out: &mut impl Write,
) -> io::Result<()> {
    writeln!(
        out,
        "pgtune {command}: database {} on {}",
        report.database, report.server
    )?;
    if report.plan.objects.is_empty() {
        writeln!(out, "the files declare no extension or index")?;
    } else {
        objects_table(&report.plan.objects, style, out)?;
    }
    if !report.plan.extra.is_empty() {
        super::heading(out, "Indexes on these tables that no file declares (extra)")?;
        let mut t = super::table(style, &["Name", "Table", "Definition", "Note"]);
        for e in &report.plan.extra {
            let mut note = e.note.clone().unwrap_or_default();
            if !e.valid {
                note = format!("INVALID {note}").trim().to_string();
            }
            t.add_row(vec![
                cell(style, &e.name, tone(e.status)),
                cell(style, &e.table, Tone::Normal),
                cell(style, &e.definition, Tone::Normal),
                cell(style, note, Tone::Normal),
            ]);
        }
        super::write_table(out, &t, style)?;
    }
    lints(&report.lints, out)?;
    let s = &report.summary;
    writeln!(out)?;
    writeln!(
        out,
        "{} declared: {} ok, {} missing, {} differ, {} invalid, {} unverified, {} not applicable; {} extra; {} lint(s), {} out-of-scope statement(s)",
        s.declared, s.ok, s.missing, s.differs, s.invalid, s.unverified, s.not_applicable, s.extra, s.lint_warnings, s.out_of_scope
    )?;
    if command == "schema verify" {
        writeln!(
            out,
            "verify: {}",
            match report.status {
                Status::Ok => "passed",
                Status::Warning => "not proven (see unverified)",
                Status::Critical => "FAILED",
            }
        )?;
    }
    Ok(())
}

/// GitHub's workflow-command escaping: the message and property values are separate rules.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn annotation(
    out: &mut impl Write,
    level: &str,
    at: Option<&crate::schema::Location>,
    title: &str,
    message: &str,
) -> io::Result<()> {
    let mut props = Vec::new();
    if let Some(at) = at {
        props.push(format!(
            "file={}",
            escape_property(&at.file.display().to_string())
        ));
        props.push(format!("line={}", at.line));
        props.push(format!("col={}", at.column));
    }
    props.push(format!("title={}", escape_property(title)));
    writeln!(
        out,
        "::{level} {}::{}",
        props.join(","),
        escape_data(message)
    )
}

/// One annotation per finding, pointing at the declaring file and line; a summary line last.
pub fn github(report: &SchemaReport, command: &str, out: &mut impl Write) -> io::Result<()> {
    let title = format!("pgtune {command}");
    for o in &report.plan.objects {
        let level = match o.status {
            Status::Ok => continue,
            Status::Warning => "warning",
            Status::Critical => "error",
        };
        let mut message = format!("{} {}: {}", kind(o.kind), o.name, o.verdict.name());
        if let Some(t) = &o.table {
            message.push_str(&format!(" (on {t})"));
        }
        let d = detail(o);
        if !d.is_empty() {
            message.push_str(&format!(": {}", d.replace('\n', "; ")));
        }
        annotation(out, level, Some(&o.at), &title, &message)?;
    }
    for e in &report.plan.extra {
        let level = if e.status == Status::Critical {
            "error"
        } else {
            "notice"
        };
        annotation(
            out,
            level,
            None,
            &title,
            &format!(
                "index {} on {} is not declared in any file: {}",
                e.name, e.table, e.definition
            ),
        )?;
    }
    for l in &report.lints {
        let level = match l.level {
            LintLevel::Error => "error",
            LintLevel::Warning | LintLevel::OutOfScope => "warning",
        };
        annotation(out, level, Some(&l.at), &title, &l.message)?;
    }
    let s = &report.summary;
    writeln!(
        out,
        "pgtune {command}: {} declared, {} ok, {} not as declared, {} extra",
        s.declared,
        s.ok,
        report
            .plan
            .objects
            .iter()
            .filter(|o| o.verdict != Verdict::Ok)
            .count(),
        s.extra
    )
}

/// A dry run (or the confirmation before a real run): a script psql could run, each step under a
/// comment saying why.
pub fn apply_script(report: &ApplyReport, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "-- pgtune schema apply{}: database {} on {}",
        if report.dry_run {
            " --dry-run"
        } else {
            " will run, once confirmed"
        },
        crate::sql::quote::comment(&report.database),
        crate::sql::quote::comment(&report.server)
    )?;
    writeln!(
        out,
        "-- one runner at a time (pg_try_advisory_lock, polled); every change is recorded in pgtune.schema_journal"
    )?;
    for s in &report.session {
        writeln!(out, "{s};")?;
    }
    if report.steps.is_empty() {
        writeln!(out, "-- nothing to do")?;
    }
    for step in &report.steps {
        writeln!(out)?;
        writeln!(
            out,
            "-- {} {} ({}): {}",
            step.kind,
            crate::sql::quote::comment(&step.object),
            crate::sql::quote::comment(&step.at.to_string()),
            crate::sql::quote::comment(&step.why)
        )?;
        for st in &step.statements {
            writeln!(out, "{st};")?;
        }
    }
    Ok(())
}

pub fn apply_table(report: &ApplyReport, style: &Style, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "pgtune schema apply: database {} on {}",
        report.database, report.server
    )?;
    if report.steps.is_empty() {
        return writeln!(out, "nothing to do: every declared object is as declared");
    }
    let mut t = super::table(style, &["Object", "Action", "Outcome", "Seconds", "Detail"]);
    for s in &report.steps {
        let (word, tone) = match s.outcome {
            StepOutcome::Done => ("done", Tone::Good),
            StepOutcome::Failed => ("FAILED", Tone::Bad),
            StepOutcome::Left => ("left as is", Tone::Warn),
            StepOutcome::Refused => ("not applicable", Tone::Bad),
            StepOutcome::NotRun => ("not run", Tone::Warn),
            StepOutcome::Planned => ("planned", Tone::Normal),
        };
        let mut detail = s.why.clone();
        if let Some(d) = &s.detail {
            detail = format!("{detail}\n{d}");
        }
        t.add_row(vec![
            cell(
                style,
                format!("{} {}", s.kind, crate::sql::quote::comment(&s.object)),
                Tone::Normal,
            ),
            cell(style, s.action, Tone::Normal),
            cell(style, word, tone),
            cell(style, format!("{:.2}", s.seconds), Tone::Normal),
            cell(style, detail, Tone::Normal),
        ]);
    }
    super::write_table(out, &t, style)?;
    let count = |o: StepOutcome| report.steps.iter().filter(|s| s.outcome == o).count();
    writeln!(
        out,
        "{} done, {} failed, {} left as is, {} not applicable, {} not run, in {:.1}s",
        count(StepOutcome::Done),
        count(StepOutcome::Failed),
        count(StepOutcome::Left),
        count(StepOutcome::Refused),
        count(StepOutcome::NotRun),
        report.seconds
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escaping() {
        assert_eq!(escape_data("50% a\nb"), "50%25 a%0Ab");
        assert_eq!(escape_property("db/a,b:c.sql"), "db/a%2Cb%3Ac.sql");
    }
}
