//! Maintenance playbooks and what surrounds them, for humans: a run's steps, the playbook list, run
//! history, purges, snapshots, trends; and the Prometheus textfile of a run.

use std::io::{self, Write};

use super::{cell, Style, Tone};
use crate::cli::Format;
use crate::model::history::HistoryReport;
use crate::model::maintain::{MaintainOutput, MaintainReport, PlaybookList, StepStatus};
use crate::model::purge::PurgeReport;
use crate::model::snapshot::SnapshotReport;
use crate::model::trends::TrendsReport;
use crate::outcome::Status;
use crate::units::format_bytes;

impl super::Render for MaintainOutput {
    fn command(&self) -> &'static str {
        "maintain"
    }
    /// 2: a step's `summary` is the sentence its command writes (it was an object of counts).
    const SCHEMA_VERSION: u32 = 2;
    fn render(&self, _: Format, style: &Style, mut out: &mut dyn Write) -> io::Result<()> {
        match self {
            MaintainOutput::Run(r) => run(r, style, &mut out),
            MaintainOutput::List(l) => list(l, &mut out),
            MaintainOutput::DryRun(s) => out.write_all(s.text.as_bytes()),
        }
    }
}

impl super::Render for HistoryReport {
    fn command(&self) -> &'static str {
        "history"
    }
    /// 2: a step's recorded `summary` is a sentence (runs recorded before keep their objects).
    const SCHEMA_VERSION: u32 = 2;
    fn render(&self, _: Format, style: &Style, mut out: &mut dyn Write) -> io::Result<()> {
        history(self, style, &mut out)
    }
}

impl super::Render for PurgeReport {
    fn command(&self) -> &'static str {
        "purge"
    }
    fn render(&self, _: Format, style: &Style, mut out: &mut dyn Write) -> io::Result<()> {
        purge(self, style, &mut out)
    }
}

impl super::Render for SnapshotReport {
    fn command(&self) -> &'static str {
        "snapshot"
    }
    fn render(&self, _: Format, _: &Style, mut out: &mut dyn Write) -> io::Result<()> {
        snapshot(self, &mut out)
    }
}

impl super::Render for TrendsReport {
    fn command(&self) -> &'static str {
        "trends"
    }
    fn render(&self, _: Format, style: &Style, mut out: &mut dyn Write) -> io::Result<()> {
        trends(self, style, &mut out)
    }
}

fn status_tone(s: Status) -> Tone {
    match s {
        Status::Ok => Tone::Good,
        Status::Warning => Tone::Warn,
        Status::Critical => Tone::Bad,
    }
}

pub fn run(report: &MaintainReport, style: &Style, out: &mut impl Write) -> io::Result<()> {
    writeln!(
        out,
        "pgtune maintain {}: database {}, run {}",
        report.playbook,
        report.database,
        report.run_id.map(|i| i.to_string()).unwrap_or_default()
    )?;
    let mut t = super::table(style, &["Step", "Outcome", "Seconds", "Summary / error"]);
    for s in &report.steps {
        let tone = match s.status {
            StepStatus::Ok => Tone::Good,
            StepStatus::Warning | StepStatus::Skipped => Tone::Warn,
            StepStatus::Critical | StepStatus::Failed => Tone::Bad,
        };
        let mut detail = s.summary.clone().unwrap_or_default();
        if let Some(e) = &s.error {
            detail = if detail.is_empty() {
                e.clone()
            } else {
                format!("{detail}\n{e}")
            };
        }
        t.add_row(vec![
            cell(
                style,
                format!(
                    "{}\n{}",
                    crate::sql::quote::comment(&s.name),
                    crate::sql::quote::comment(&s.command)
                ),
                Tone::Normal,
            ),
            cell(style, s.status.name(), tone),
            cell(style, format!("{:.1}", s.seconds), Tone::Normal),
            cell(style, detail, Tone::Normal),
        ]);
    }
    super::write_table(out, &t, style)?;
    writeln!(
        out,
        "{} step(s) in {:.1}s: {}",
        report.steps.len(),
        report.seconds,
        run_footer(&report.steps)
    )
}

/// "done: all ok", "done: 1 step with critical findings, 2 with warnings" when every step ran to
/// its end (steps counted, not findings: each step's own line has those); "FAILED: 1 step failed,
/// 3 not run" (and what the others found) when one did not.
fn run_footer(steps: &[crate::model::maintain::StepReport]) -> String {
    let count = |status: StepStatus| steps.iter().filter(|s| s.status == status).count();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut found = Vec::new();
    let (critical, warning) = (count(StepStatus::Critical), count(StepStatus::Warning));
    if critical > 0 {
        found.push(plural(
            critical,
            "step with critical findings",
            "steps with critical findings",
        ));
    }
    if warning > 0 {
        found.push(match critical {
            0 => plural(warning, "step with warnings", "steps with warnings"),
            _ => format!("{warning} with warnings"),
        });
    }
    let (failed, skipped) = (count(StepStatus::Failed), count(StepStatus::Skipped));
    if failed == 0 && skipped == 0 {
        return if found.is_empty() {
            "done: all ok".into()
        } else {
            format!("done: {}", found.join(", "))
        };
    }
    let mut parts = Vec::new();
    if failed > 0 {
        parts.push(plural(failed, "step failed", "steps failed"));
    }
    if skipped > 0 {
        parts.push(format!("{skipped} not run"));
    }
    parts.extend(found);
    format!("FAILED: {}", parts.join(", "))
}

pub fn list(list: &PlaybookList, out: &mut impl Write) -> io::Result<()> {
    for (i, p) in list.playbooks.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        writeln!(out, "{} ({})", p.name, p.source)?;
        for (n, s) in p.steps.iter().enumerate() {
            let mut extra = Vec::new();
            if let Some(t) = &s.timeout {
                extra.push(format!("timeout {t}"));
            }
            if s.on_error == crate::profile::OnError::Stop {
                extra.push("on error: stop".into());
            }
            let extra = if extra.is_empty() {
                String::new()
            } else {
                format!("  [{}]", extra.join(", "))
            };
            let label = if s.name == s.step {
                crate::sql::quote::comment(&s.name)
            } else {
                format!("{} ({})", crate::sql::quote::comment(&s.name), s.step)
            };
            writeln!(
                out,
                "  {}. {label}: {}{extra}",
                n + 1,
                crate::sql::quote::comment(&s.command)
            )?;
        }
    }
    Ok(())
}

pub fn history(report: &HistoryReport, style: &Style, out: &mut impl Write) -> io::Result<()> {
    if report.runs.is_empty() {
        return writeln!(out, "no maintenance runs recorded in this database yet");
    }
    let mut t = super::table(
        style,
        &["Run", "Playbook", "Started", "Seconds", "Status", "Steps"],
    );
    for r in &report.runs {
        let steps = r
            .steps
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|s| {
                        let mut line = format!(
                            "{} {}",
                            crate::sql::quote::comment(s["name"].as_str().unwrap_or("")),
                            s["status"].as_str().unwrap_or("")
                        );
                        if let Some(e) = s["error"].as_str() {
                            line.push_str(&format!(": {}", crate::sql::quote::comment(e)));
                        }
                        // What the step did, as its command wrote it (runs recorded before
                        // summaries were sentences kept JSON objects: not shown).
                        if let Some(summary) = s["summary"].as_str().filter(|t| !t.is_empty()) {
                            for l in summary.lines() {
                                line.push_str(&format!("\n  {l}"));
                            }
                        }
                        line
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default();
        let seconds = r
            .ended_at
            .map(|e| {
                format!(
                    "{:.1}",
                    (e - r.started_at).num_milliseconds() as f64 / 1000.0
                )
            })
            .unwrap_or_default();
        let tone = match r.status.as_str() {
            _ if r.ended_unrecorded => Tone::Bad,
            "ok" => Tone::Good,
            "warning" | "running" => Tone::Warn,
            _ => Tone::Bad,
        };
        let status = if r.ended_unrecorded {
            "ended unrecorded (no run holds the lock: killed, or its connection lost)".to_string()
        } else {
            r.status.clone()
        };
        t.add_row(vec![
            cell(style, r.id, Tone::Normal),
            cell(style, &r.playbook, Tone::Normal),
            cell(
                style,
                r.started_at
                    .with_timezone(&chrono::Local)
                    .format("%Y-%m-%d %H:%M:%S %Z"),
                Tone::Normal,
            ),
            cell(style, seconds, Tone::Normal),
            cell(style, status, tone),
            cell(style, steps, Tone::Normal),
        ]);
    }
    super::write_table(out, &t, style)
}

pub fn purge(report: &PurgeReport, style: &Style, out: &mut impl Write) -> io::Result<()> {
    if report.targets.is_empty() {
        return writeln!(
            out,
            "{}nothing to purge: no --table given and no [[purge]] tables in the profile",
            if report.dry_run { "-- " } else { "" }
        );
    }
    if report.dry_run {
        // A script psql can run: what each target deletes as comments, then its batch statement
        // with the values the run binds.
        for p in &report.targets {
            writeln!(
                out,
                "-- {}: {} row(s) with {} older than {} to delete, in batches of {} (each in its own transaction, repeated until a batch deletes fewer){}",
                crate::sql::quote::comment(&p.table),
                p.rows,
                crate::sql::quote::comment(&crate::sql::quote::quote_ident(&p.column)),
                crate::sql::quote::comment(&p.older_than),
                p.batch_size,
                p.detail
                    .as_deref()
                    .map(|d| format!(": {}", crate::sql::quote::comment(d)))
                    .unwrap_or_default()
            )?;
            if p.statement.is_empty() {
                continue;
            }
            let body = p
                .statement
                .lines()
                .filter(|l| !l.starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n");
            let bound = crate::sql::bind_literals(
                &body,
                &[
                    crate::sql::quote::quote_literal(&p.older_than),
                    p.batch_size.to_string(),
                ],
            );
            writeln!(out, "{};", bound.trim().trim_end_matches(';'))?;
        }
        return Ok(());
    }
    let mut t = super::table(
        style,
        &[
            "Table",
            "Column",
            "Older than",
            "Rows deleted",
            "Batches",
            "Seconds",
            "Detail",
        ],
    );
    for p in &report.targets {
        t.add_row(vec![
            cell(style, &p.table, status_tone(p.status)),
            cell(style, &p.column, Tone::Normal),
            cell(style, &p.older_than, Tone::Normal),
            cell(style, p.rows, Tone::Normal),
            cell(style, p.batches, Tone::Normal),
            cell(style, format!("{:.2}", p.seconds), Tone::Normal),
            cell(style, p.detail.clone().unwrap_or_default(), Tone::Normal),
        ]);
    }
    super::write_table(out, &t, style)
}

pub fn snapshot(report: &SnapshotReport, out: &mut impl Write) -> io::Result<()> {
    if report.dry_run {
        writeln!(
            out,
            "-- pgtune snapshot --dry-run: the statements a snapshot runs (retention {})",
            report.retention
        )?;
        for s in &report.statements {
            writeln!(out, "{s}")?;
        }
        return Ok(());
    }
    writeln!(
        out,
        "snapshot {}: {} tables, {} indexes; {} snapshot(s) older than {} removed",
        report.id.unwrap_or_default(),
        report.tables,
        report.indexes,
        report.expired,
        report.retention
    )
}

fn pct(before: i64, after: i64) -> String {
    if before <= 0 {
        return "new".into();
    }
    format!("{:+.1}%", 100.0 * (after - before) as f64 / before as f64)
}

pub fn trends(report: &TrendsReport, style: &Style, out: &mut impl Write) -> io::Result<()> {
    let (Some(from), Some(to)) = (report.from, report.to) else {
        return writeln!(out, "{}", report.note.as_deref().unwrap_or("no snapshots"));
    };
    writeln!(
        out,
        "trends from {} to {} ({} snapshots recorded)",
        from.with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M %Z"),
        to.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M %Z"),
        report.snapshots
    )?;
    if let Some(n) = &report.note {
        writeln!(out, "note: {n}")?;
    }
    writeln!(
        out,
        "database: {} -> {} ({})",
        format_bytes(report.database_before_bytes),
        format_bytes(report.database_after_bytes),
        pct(report.database_before_bytes, report.database_after_bytes)
    )?;
    let ratio = |r: Option<f64>| {
        r.map(|r| format!("{r:.2}%"))
            .unwrap_or_else(|| "n/a (no reads)".into())
    };
    writeln!(
        out,
        "cache hit ratio in this window: {}{}",
        ratio(report.cache_hit_ratio),
        report
            .previous_cache_hit_ratio
            .map(|p| format!(" (window before: {p:.2}%)"))
            .unwrap_or_default()
    )?;
    writeln!(
        out,
        "dead tuples: {} -> {}",
        report.dead_tuples_before, report.dead_tuples_after
    )?;
    if !report.growers.is_empty() {
        super::heading(out, "Biggest growers")?;
        let mut t = super::table(style, &["Table", "Before", "After", "Growth"]);
        for g in &report.growers {
            t.add_row(vec![
                cell(style, crate::sql::quote::comment(&g.table), Tone::Normal),
                cell(
                    style,
                    if g.new {
                        "(new)".into()
                    } else {
                        format_bytes(g.before_bytes)
                    },
                    Tone::Normal,
                ),
                cell(style, format_bytes(g.after_bytes), Tone::Normal),
                cell(
                    style,
                    format!(
                        "+{} ({})",
                        format_bytes(g.growth_bytes),
                        pct(g.before_bytes, g.after_bytes)
                    ),
                    Tone::Warn,
                ),
            ]);
        }
        super::write_table(out, &t, style)?;
    }
    if !report.unused_indexes.is_empty() {
        super::heading(
            out,
            "Indexes not scanned in this window (unique ones left out)",
        )?;
        let mut t = super::table(style, &["Index", "Table", "Size", "Since"]);
        for u in &report.unused_indexes {
            t.add_row(vec![
                cell(style, crate::sql::quote::comment(&u.index), Tone::Normal),
                cell(style, crate::sql::quote::comment(&u.table), Tone::Normal),
                cell(style, format_bytes(u.bytes), Tone::Normal),
                cell(
                    style,
                    if u.newly {
                        "newly unused"
                    } else {
                        "unused before too"
                    },
                    if u.newly { Tone::Warn } else { Tone::Normal },
                ),
            ]);
        }
        super::write_table(out, &t, style)?;
    }
    if !report.dead_growers.is_empty() {
        super::heading(out, "Dead tuples growing")?;
        let mut t = super::table(style, &["Table", "Before", "After"]);
        for d in &report.dead_growers {
            t.add_row(vec![
                cell(style, crate::sql::quote::comment(&d.table), Tone::Normal),
                cell(style, d.before, Tone::Normal),
                cell(style, d.after, Tone::Warn),
            ]);
        }
        super::write_table(out, &t, style)?;
    }
    if !report.settings_changed.is_empty() {
        super::heading(out, "Settings changed")?;
        for s in &report.settings_changed {
            writeln!(
                out,
                "  {}: {} -> {}",
                s.name,
                s.before.as_deref().unwrap_or("(default)"),
                s.after.as_deref().unwrap_or("(default)")
            )?;
        }
    }
    if !report.capacity.is_empty() {
        super::heading(
            out,
            &format!(
                "Capacity (linear fit over every snapshot; limit: {})",
                report
                    .capacity_limit
                    .as_deref()
                    .unwrap_or("none given: --threshold SIZE")
            ),
        )?;
        let mut t = super::table(
            style,
            &[
                "Object",
                "Now",
                "Growth per day",
                "Reaches the limit",
                "Based on",
                "Confidence",
            ],
        );
        for c in &report.capacity {
            let p = &c.projection;
            let when = match (c.reaches_limit_on, p.days_to_limit) {
                _ if !p.enough_history => format!(
                    "not enough history yet (needs {} snapshots over {} day)",
                    crate::trends::MIN_SNAPSHOTS,
                    crate::trends::MIN_SPAN_DAYS
                ),
                (Some(d), Some(days)) => format!(
                    "{} (in {})",
                    d.with_timezone(&chrono::Local).format("%Y-%m-%d"),
                    crate::units::plural(days.round() as u32, "day", "days")
                ),
                _ => "not at this rate".into(),
            };
            t.add_row(vec![
                cell(style, crate::sql::quote::comment(&c.object), Tone::Normal),
                cell(style, format_bytes(p.current_bytes), Tone::Normal),
                // Two snapshots seconds apart make a steep line of noise: no rate, no fit shown.
                cell(
                    style,
                    if p.enough_history {
                        format!(
                            "{}{}",
                            if p.growth_per_day < 0.0 { "-" } else { "+" },
                            format_bytes(p.growth_per_day.abs() as i64)
                        )
                    } else {
                        "-".into()
                    },
                    Tone::Normal,
                ),
                cell(
                    style,
                    when,
                    if p.enough_history && p.days_to_limit.is_some_and(|d| d <= 30.0) {
                        Tone::Bad
                    } else {
                        Tone::Normal
                    },
                ),
                cell(
                    style,
                    if p.enough_history {
                        format!(
                            "{} snapshots over {:.1} days, R² {:.2}",
                            p.snapshots, p.span_days, p.fit
                        )
                    } else {
                        format!("{} snapshots over {:.1} days", p.snapshots, p.span_days)
                    },
                    Tone::Normal,
                ),
                cell(style, p.confidence, Tone::Normal),
            ]);
        }
        super::write_table(out, &t, style)?;
    }
    Ok(())
}

/// A label value in the Prometheus text format: backslash, double quote and newline escaped.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The Prometheus textfile-collector file for a run: each step's duration and status, the run's,
/// and when each playbook last succeeded.
pub fn metrics(
    report: &MaintainReport,
    run_status: &str,
    last_success: &[(String, f64)],
) -> String {
    let db = label(&report.database);
    let pb = label(&report.playbook);
    let code = |s: &str| match s {
        "ok" | "skipped" => 0,
        "warning" => 1,
        _ => 2,
    };
    let mut s = String::new();
    s.push_str(
        "# HELP pgtune_maintain_step_duration_seconds How long the step of the last run took.\n",
    );
    s.push_str("# TYPE pgtune_maintain_step_duration_seconds gauge\n");
    for st in &report.steps {
        s.push_str(&format!(
            "pgtune_maintain_step_duration_seconds{{database=\"{db}\",playbook=\"{pb}\",step=\"{}\"}} {}\n",
            label(&st.name),
            st.seconds
        ));
    }
    s.push_str("# HELP pgtune_maintain_step_status The step's outcome in the last run: 0 ok or skipped, 1 warning, 2 critical or failed.\n");
    s.push_str("# TYPE pgtune_maintain_step_status gauge\n");
    for st in &report.steps {
        s.push_str(&format!(
            "pgtune_maintain_step_status{{database=\"{db}\",playbook=\"{pb}\",step=\"{}\"}} {}\n",
            label(&st.name),
            code(st.status.name())
        ));
    }
    s.push_str(
        "# HELP pgtune_maintain_run_status The last run's outcome: 0 ok, 1 warning, 2 critical or failed.\n",
    );
    s.push_str("# TYPE pgtune_maintain_run_status gauge\n");
    s.push_str(&format!(
        "pgtune_maintain_run_status{{database=\"{db}\",playbook=\"{pb}\"}} {}\n",
        code(run_status)
    ));
    s.push_str("# HELP pgtune_maintain_run_duration_seconds How long the last run took.\n");
    s.push_str("# TYPE pgtune_maintain_run_duration_seconds gauge\n");
    s.push_str(&format!(
        "pgtune_maintain_run_duration_seconds{{database=\"{db}\",playbook=\"{pb}\"}} {}\n",
        report.seconds
    ));
    s.push_str("# HELP pgtune_maintain_last_success_timestamp_seconds When each playbook last ran every step to the end (whatever it found).\n");
    s.push_str("# TYPE pgtune_maintain_last_success_timestamp_seconds gauge\n");
    for (playbook, at) in last_success {
        s.push_str(&format!(
            "pgtune_maintain_last_success_timestamp_seconds{{database=\"{db}\",playbook=\"{}\"}} {at}\n",
            label(playbook)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::maintain::StepReport;

    fn steps(statuses: &[StepStatus]) -> Vec<StepReport> {
        statuses
            .iter()
            .map(|&status| StepReport {
                name: "s".into(),
                step: "s".into(),
                command: "pgtune s".into(),
                status,
                seconds: 1.0,
                summary: None,
                error: None,
            })
            .collect()
    }

    #[test]
    fn the_footer_says_failed_only_when_a_step_did_not_run_to_its_end() {
        use StepStatus::*;
        assert_eq!(run_footer(&steps(&[Ok, Ok])), "done: all ok");
        assert_eq!(
            run_footer(&steps(&[Ok, Critical, Warning, Warning])),
            "done: 1 step with critical findings, 2 with warnings"
        );
        assert_eq!(
            run_footer(&steps(&[Critical, Failed, Skipped, Skipped])),
            "FAILED: 1 step failed, 2 not run, 1 step with critical findings"
        );
    }
}
