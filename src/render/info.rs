//! `pgtune info` as tables.

use std::io::{self, Write};

use chrono::Utc;

use super::{cell, heading, table, Style, Tone};
use crate::cli::Format;
use crate::model::info::InfoReport;

impl super::Render for InfoReport {
    fn command(&self) -> &'static str {
        "info"
    }
    fn render(&self, _: Format, style: &Style, mut out: &mut dyn Write) -> io::Result<()> {
        table_report(self, style, &mut out)
    }
}
use crate::units::{format_bytes, format_duration};

pub fn table_report(report: &InfoReport, style: &Style, out: &mut impl Write) -> io::Result<()> {
    let s = &report.server;
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let mut t = table(style, &[]);
    let uptime = (Utc::now() - s.started_at).to_std().unwrap_or_default();
    let rows: Vec<(&str, String, Tone)> = vec![
        ("Connected to", report.connected_to.clone(), Tone::Normal),
        (
            "Server version",
            format!("PostgreSQL {} ({})", s.version, s.version_num),
            Tone::Normal,
        ),
        (
            "Database",
            format!("{} ({})", s.database, format_bytes(s.database_size_bytes)),
            Tone::Normal,
        ),
        ("User", s.user.clone(), Tone::Normal),
        ("Superuser", yes_no(s.is_superuser).into(), Tone::Normal),
        (
            "pg_monitor",
            yes_no(s.has_pg_monitor).into(),
            if s.has_pg_monitor {
                Tone::Good
            } else {
                Tone::Warn
            },
        ),
        (
            "In recovery",
            if s.in_recovery {
                "yes (standby)"
            } else {
                "no (primary)"
            }
            .into(),
            Tone::Normal,
        ),
        (
            "Started",
            format!(
                "{} (up {})",
                s.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
                format_duration(uptime)
            ),
            Tone::Normal,
        ),
        ("Data directory", hidden(&s.data_directory), Tone::Normal),
        ("Config file", hidden(&s.config_file), Tone::Normal),
        (
            "SSL",
            match &s.ssl {
                Some(ssl) => format!(
                    "{} {}",
                    ssl.version.as_deref().unwrap_or(""),
                    ssl.cipher.as_deref().unwrap_or("")
                )
                .trim()
                .to_string(),
                None => "off".into(),
            },
            Tone::Normal,
        ),
    ];
    for (label, value, tone) in rows {
        t.add_row(vec![
            cell(style, label, Tone::Normal),
            cell(style, value, tone),
        ]);
    }
    super::write_table(out, &t, style)?;

    heading(out, "Extensions")?;
    if report.extensions.is_empty() {
        writeln!(out, "none installed")?;
    } else {
        let mut t = table(style, &["Name", "Version", "Schema", "Update available"]);
        for e in &report.extensions {
            t.add_row(vec![
                cell(style, &e.name, Tone::Normal),
                cell(style, &e.version, Tone::Normal),
                cell(style, &e.schema, Tone::Normal),
                match &e.update_available {
                    Some(v) => cell(style, v, Tone::Warn),
                    None => cell(style, "", Tone::Normal),
                },
            ]);
        }
        super::write_table(out, &t, style)?;
    }

    heading(out, "Settings pending restart")?;
    if report.pending_restart.is_empty() {
        writeln!(out, "none")?;
    } else {
        let mut t = table(style, &["Setting", "Running value"]);
        for p in &report.pending_restart {
            let value = format!(
                "{}{}",
                p.running_value,
                p.unit
                    .as_deref()
                    .map(|u| format!(" ({u})"))
                    .unwrap_or_default()
            );
            t.add_row(vec![
                cell(style, &p.name, Tone::Warn),
                cell(style, value, Tone::Normal),
            ]);
        }
        super::write_table(out, &t, style)?;
    }
    Ok(())
}

fn hidden(value: &Option<String>) -> String {
    value.clone().unwrap_or_else(|| {
        "(not visible to this role: needs superuser or pg_read_all_settings)".into()
    })
}
