//! `pgtune check` as tables for people and as one check_postgres-style status line for monitoring.

use std::io::{self, Write};

use super::{cell, heading, Style, Tone};
use crate::cli::Format;
use crate::model::check::{ApplyMethod, ApplyReport, CheckReport};

impl super::Render for CheckReport {
    fn command(&self) -> &'static str {
        "check"
    }
    const FORMATS: &'static [Format] = &[Format::Table, Format::Json, Format::Nagios];
    fn render(&self, format: Format, style: &Style, mut out: &mut dyn Write) -> io::Result<()> {
        match format {
            Format::Nagios => nagios(self, &mut out),
            _ => {
                table(self, style, &mut out)?;
                if let Some(r) = &self.alter_system_refused {
                    writeln!(
                        out,
                        "\nLines for postgresql.conf (or a conf.d file it includes):\n{}",
                        r.conf_lines
                    )?;
                }
                Ok(())
            }
        }
    }
}
use crate::health::audit::{Apply, Verdict};
use crate::health::CheckStatus;
use crate::outcome::Status;

fn status_tone(s: CheckStatus) -> Tone {
    match s {
        CheckStatus::Ok => Tone::Good,
        CheckStatus::Skipped => Tone::Normal,
        CheckStatus::Warning | CheckStatus::Timeout | CheckStatus::Error => Tone::Warn,
        CheckStatus::Critical => Tone::Bad,
    }
}

fn status_word(s: CheckStatus) -> &'static str {
    match s {
        CheckStatus::Ok => "ok",
        CheckStatus::Warning => "WARNING",
        CheckStatus::Critical => "CRITICAL",
        CheckStatus::Skipped => "skipped",
        CheckStatus::Timeout => "TIMEOUT",
        CheckStatus::Error => "ERROR",
    }
}

pub fn table(report: &CheckReport, style: &Style, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "pgtune check of {} (PostgreSQL {})",
        report.server, report.server_version
    )?;
    if let Some(i) = &report.inputs {
        writeln!(
            out,
            "Recommendations for {} RAM, {} CPUs, {} workload on {} storage (profile {})",
            super::config::memory_label(i.memory_kb),
            i.cpus
                .map(|c| c.to_string())
                .unwrap_or_else(|| "unknown".into()),
            i.workload.name(),
            i.storage.name(),
            report.profile
        )?;
    }
    for f in &report.detected {
        writeln!(out, "  {} {} from {}", f.input, f.value, f.source)?;
    }
    for n in &report.notes {
        writeln!(out, "  note: {n}")?;
    }

    if !report.settings.is_empty() {
        heading(out, "Settings")?;
        let mut t = super::table(
            style,
            &[
                "Setting",
                "Current",
                "Recommended",
                "Verdict",
                "Takes effect",
                "Set in",
            ],
        );
        for s in &report.settings {
            let tone = match (s.verdict, s.status) {
                (Verdict::Ok, _) => Tone::Good,
                (_, Status::Critical) => Tone::Bad,
                _ => Tone::Warn,
            };
            let verdict = match s.verdict {
                Verdict::Ok => "ok".to_string(),
                Verdict::Differs => "differs".to_string(),
                Verdict::Risky => format!("RISKY: {}", s.reason),
            };
            let mut set_in = s.location.clone().unwrap_or_else(|| s.source.clone());
            if s.set_by_alter_system {
                set_in.push_str(" (ALTER SYSTEM: overrides conf files)");
            }
            if s.pending_restart {
                set_in.push_str(" (pending restart)");
            }
            t.add_row(vec![
                cell(style, &s.name, Tone::Normal),
                cell(style, &s.current, Tone::Normal),
                cell(style, s.recommended.as_deref().unwrap_or(""), Tone::Normal),
                cell(style, verdict, tone),
                cell(
                    style,
                    match s.apply {
                        Apply::Reload => "reload",
                        Apply::Restart => "restart",
                    },
                    Tone::Normal,
                ),
                cell(style, set_in, Tone::Normal),
            ]);
        }
        super::write_table(out, &t, style)?;
    }
    if !report.config_file_errors.is_empty() {
        heading(
            out,
            "Configuration file errors (the server keeps its old values)",
        )?;
        for e in &report.config_file_errors {
            writeln!(
                out,
                "  {}: {}{}",
                e.location,
                e.name
                    .as_deref()
                    .map(|n| format!("{n}: "))
                    .unwrap_or_default(),
                e.error
            )?;
        }
    }

    if !report.health.is_empty() {
        heading(out, "Health")?;
        let mut t = super::table(style, &["Check", "Status", "Evidence and remedy"]);
        for f in &report.health {
            let mut evidence = f.evidence.clone();
            if f.objects.len() > 1 {
                evidence.push_str(&format!(
                    " (all {} listed with --format json)",
                    f.objects.len()
                ));
            }
            let text = match &f.remedy {
                Some(r) => format!("{evidence}\n-> {r}"),
                None => evidence,
            };
            t.add_row(vec![
                cell(style, f.check, Tone::Normal),
                cell(style, status_word(f.status), status_tone(f.status)),
                cell(style, super::shown_text(&text), Tone::Normal),
            ]);
        }
        super::write_table(out, &t, style)?;
    }
    if let Some(a) = &report.apply {
        apply_table(a, report, style, out)?;
    }
    writeln!(out)?;
    writeln!(out, "{}", summary(report))
}

pub fn apply_table(
    a: &ApplyReport,
    report: &CheckReport,
    style: &Style,
    out: &mut impl Write,
) -> io::Result<()> {
    let how = match (a.method, &a.file) {
        (ApplyMethod::AlterSystem, _) => "ALTER SYSTEM".to_string(),
        (ApplyMethod::ConfFile, Some(f)) => format!("the conf.d file {}", f.display()),
        (ApplyMethod::ConfFile, None) => "a conf.d file".to_string(),
    };
    if a.dry_run {
        heading(
            out,
            &format!("Would apply with {how} (dry run: nothing changed)"),
        )?;
        for s in &a.statements {
            writeln!(out, "{s}")?;
        }
        for c in &a.file_changes {
            writeln!(out, "# {c}")?;
        }
        // A comment, so the lines stay a script psql can run.
        let restarts = waiting_for_restart(a, report);
        if !restarts.is_empty() {
            writeln!(
                out,
                "-- takes effect only after a restart of the server (pgtune does not restart): {}",
                restarts.join(", ")
            )?;
        }
        return Ok(());
    }
    heading(
        out,
        &format!("Applied with {how}, then pg_reload_conf() (the server was not restarted)"),
    )?;
    for c in &a.file_changes {
        writeln!(out, "  {c}")?;
    }
    let mut t = super::table(style, &["Setting", "Value", "Outcome"]);
    for r in &a.results {
        let tone = match r.outcome.as_str() {
            "in effect" => Tone::Good,
            _ => Tone::Warn,
        };
        let text = match &r.detail {
            Some(d) => format!("{}: {d}", r.outcome),
            None => r.outcome.clone(),
        };
        t.add_row(vec![
            cell(style, &r.name, Tone::Normal),
            cell(style, &r.value, Tone::Normal),
            cell(style, text, tone),
        ]);
    }
    super::write_table(out, &t, style)
}

/// The settings of `a` that take effect only after a restart.
fn waiting_for_restart<'r>(a: &ApplyReport, report: &'r CheckReport) -> Vec<&'r str> {
    a.names()
        .filter_map(|name| report.settings.iter().find(|s| s.name == name))
        .filter(|s| s.apply == Apply::Restart)
        .map(|s| s.name.as_str())
        .collect()
}

/// Before an interactive apply: each chosen setting with when it takes effect, then exactly the
/// statements (or file lines) the apply runs.
pub fn apply_preview(
    a: &ApplyReport,
    report: &CheckReport,
    style: &Style,
    out: &mut impl Write,
) -> io::Result<()> {
    let how = match (a.method, &a.file) {
        (ApplyMethod::AlterSystem, _) => "ALTER SYSTEM, then pg_reload_conf()".to_string(),
        (ApplyMethod::ConfFile, Some(f)) => format!("{}, then pg_reload_conf()", f.display()),
        (ApplyMethod::ConfFile, None) => "a conf.d file".to_string(),
    };
    heading(out, &format!("Will apply with {how}"))?;
    let mut t = super::table(style, &["Setting", "Now", "New", "Takes effect"]);
    let mut restarts = 0;
    for name in a.names() {
        let Some(s) = report.settings.iter().find(|s| s.name == name) else {
            continue;
        };
        let (when, tone) = match s.apply {
            Apply::Reload => ("on reload", Tone::Good),
            Apply::Restart => {
                restarts += 1;
                ("after a restart (pgtune does not restart)", Tone::Warn)
            }
        };
        let now = if s.current.is_empty() {
            "empty"
        } else {
            &s.current
        };
        t.add_row(vec![
            cell(style, &s.name, Tone::Normal),
            cell(style, now, Tone::Normal),
            cell(style, s.recommended.as_deref().unwrap_or(""), Tone::Normal),
            cell(style, when, tone),
        ]);
    }
    super::write_table(out, &t, style)?;
    for c in &a.file_changes {
        writeln!(out, "  {c}")?;
    }
    writeln!(out, "Statements, in order:")?;
    for s in &a.statements {
        writeln!(out, "  {s}")?;
    }
    if restarts > 0 {
        writeln!(
            out,
            "{restarts} of them {} for a restart of the server, which you schedule.",
            if restarts == 1 { "waits" } else { "wait" }
        )?;
    }
    Ok(())
}

fn summary(report: &CheckReport) -> String {
    let count = |pred: &dyn Fn(Status) -> bool| {
        report
            .settings
            .iter()
            .filter(|s| pred(report.setting_status(s)))
            .count()
            + report
                .health
                .iter()
                .filter(|f| pred(f.status.severity()))
                .count()
    };
    let (crit, warn) = (
        count(&|s| s == Status::Critical),
        count(&|s| s == Status::Warning),
    );
    // What the exit code says: after --apply, what is now in effect no longer counts.
    let status = crate::model::Report::status(report);
    match status {
        Status::Ok => "OK: nothing to report".into(),
        _ => format!(
            "{}: {crit} critical, {}",
            word(status),
            crate::units::plural(warn as u32, "warning", "warnings")
        ),
    }
}

fn word(s: Status) -> &'static str {
    match s {
        Status::Ok => "OK",
        Status::Warning => "WARNING",
        Status::Critical => "CRITICAL",
    }
}

/// One line in check_postgres's style: `POSTGRES_PGTUNE_CHECK WARNING: ... | perfdata`.
pub fn nagios(report: &CheckReport, out: &mut impl Write) -> io::Result<()> {
    let mut bad: Vec<(Status, String)> = report
        .settings
        .iter()
        .filter(|s| s.status != Status::Ok)
        .map(|s| {
            let why = if s.verdict == Verdict::Risky {
                "risky"
            } else {
                "differs"
            };
            (s.status, format!("{} ({why})", s.name))
        })
        .collect();
    bad.extend(
        report
            .health
            .iter()
            .filter(|f| f.status.severity() != Status::Ok)
            .map(|f| (f.status.severity(), format!("{}: {}", f.check, f.evidence))),
    );
    // What pages someone first: the critical findings lead.
    bad.sort_by_key(|(status, _)| std::cmp::Reverse(*status));
    let text = if bad.is_empty() {
        format!("{} checks ok", report.health.len() + report.settings.len())
    } else {
        bad.into_iter()
            .map(|(_, text)| text)
            .collect::<Vec<_>>()
            .join("; ")
    };
    let perf: Vec<String> = report
        .health
        .iter()
        .flat_map(|f| f.perfdata.iter())
        .map(|p| {
            // A perfdata label is quoted: a quote, `=` or `|` in a name would end it early.
            let label = p.label.replace(['\'', '=', '|', '\n', '\r'], "_");
            let mut datum = format!("'{label}'={}{}", perf_number(p.value), p.uom);
            if p.warning.is_some() || p.critical.is_some() {
                let num = |v: Option<f64>| v.map(perf_number).unwrap_or_default();
                datum.push_str(&format!(";{};{}", num(p.warning), num(p.critical)));
            }
            datum
        })
        .collect();
    writeln!(
        out,
        "POSTGRES_PGTUNE_CHECK {}: {} | {}",
        word(crate::model::Report::status(report)),
        text.replace(['|', '\n'], " "),
        perf.join(" ")
    )
}

/// A perfdata number: whole numbers as they are, others to four decimals without trailing zeros
/// (0.9524, not 0.9523809523809523).
fn perf_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}
