//! `pgtune config` as a postgresql.conf drop-in or as ALTER SYSTEM statements. The core section is
//! byte-identical to PGTune's; everything pgtune adds follows it, labelled, so that later lines
//! override earlier ones and nothing PGTune said is changed in place.

use std::io::{self, Write};

use serde::Serialize;

use crate::cli::Format;
use crate::guc;
use crate::model::config::{ConfigReport, Fact};
use crate::tune::beyond::Rejection;
use crate::tune::{Inputs, Origin, Setting};

impl super::Render for ConfigReport {
    fn command(&self) -> &'static str {
        "config"
    }
    const FORMATS: &'static [Format] = &[Format::Conf, Format::Sql, Format::Json];
    fn render(&self, format: Format, _: &super::Style, mut out: &mut dyn Write) -> io::Result<()> {
        match format {
            Format::Sql => sql(self, &mut out),
            _ => conf(self, &mut out),
        }
    }
    fn json(&self, mut out: &mut dyn Write) -> io::Result<()> {
        json(self, &mut out)
    }
}

/// How PGTune's header names the memory: the input's number and unit, e.g. `16 GB`.
pub fn memory_label(kb: u64) -> String {
    const UNITS: [(u64, &str); 3] = [
        (1024 * 1024 * 1024, "TB"),
        (1024 * 1024, "GB"),
        (1024, "MB"),
    ];
    UNITS
        .iter()
        .find(|(size, _)| kb % size == 0)
        .map(|(size, unit)| format!("{} {unit}", kb / size))
        .unwrap_or_else(|| format!("{kb} kB"))
}

/// PGTune's warning block and header, each line behind `prefix` (`#` or `--`).
fn pgtune_header(report: &ConfigReport, prefix: &str) -> Vec<String> {
    let mut lines = Vec::new();
    if !report.warnings.is_empty() {
        lines.push(format!("{prefix} WARNING"));
        for (i, group) in report.warnings.iter().enumerate() {
            if i > 0 {
                lines.push(format!("{prefix} "));
            }
            lines.extend(group.iter().map(|l| format!("{prefix} {l}")));
        }
        lines.push(String::new());
    }
    let i: &Inputs = &report.inputs;
    let mut fields = vec![
        ("DB Version", i.version.to_string()),
        ("OS Type", i.os.name().to_string()),
        ("DB Type", i.workload.name().to_string()),
        ("Total Memory (RAM)", memory_label(i.memory_kb)),
    ];
    if let Some(c) = i.cpus {
        fields.push(("CPUs num", c.to_string()));
    }
    if let Some(c) = i.connections {
        fields.push(("Connections num", c.to_string()));
    }
    fields.push(("Data Storage", i.storage.name().to_string()));
    lines.extend(
        fields
            .into_iter()
            .map(|(k, v)| format!("{prefix} {k}: {v}")),
    );
    lines
}

/// Our own header lines: what was detected, what needs a restart, notes.
fn pgtune_extras(report: &ConfigReport, prefix: &str) -> Vec<String> {
    let mut lines = vec![format!(
        "{prefix} Total Data Size: {}",
        report.inputs.data_size.name()
    )];
    lines.push(match &report.profile_description {
        Some(d) => format!(
            "{prefix} Profile: {} ({})",
            crate::sql::quote::comment(&report.profile),
            crate::sql::quote::comment(d)
        ),
        None => format!(
            "{prefix} Profile: {}",
            crate::sql::quote::comment(&report.profile)
        ),
    });
    for f in &report.detected {
        let label = match f.input {
            "memory" => "memory",
            "cpus" => "CPUs",
            "pg_version" => "PostgreSQL version",
            "os" => "OS",
            "data_size" => "data size",
            other => other,
        };
        lines.push(format!(
            "{prefix} Detected {label}: {} (from {})",
            f.value, f.source
        ));
    }
    if let Some(server) = &report.server {
        lines.push(format!("{prefix} Checked against: {server}"));
    }
    if !report.restart.is_empty() {
        lines.push(format!(
            "{prefix} Needs a restart to take effect: {}",
            report.restart.join(", ")
        ));
    }
    for note in &report.notes {
        lines.push(format!("{prefix} Note: {note}"));
    }
    lines
}

/// The two output languages differ only in their comment marker, their title, and how PGTune spells a
/// setting line in each.
struct Dialect {
    comment: &'static str,
    title: &'static str,
    pgtune_line: fn(&Setting) -> String,
}

const CONF: Dialect = Dialect {
    comment: "#",
    title: "postgresql.conf settings by pgtune {version}: a drop-in for conf.d/",
    pgtune_line: |s| format!("{} = {}", s.name, s.value),
};

const SQL: Dialect = Dialect {
    comment: "--",
    title: "ALTER SYSTEM statements by pgtune {version}",
    pgtune_line: |s| {
        crate::sql::statement::alter_system_set(
            &s.name,
            &crate::sql::quote::quote_literal(&s.value.to_string()),
        )
    },
};

/// `--pgtune-compat`: PGTune's text and nothing else. Otherwise our title, PGTune's header and ours.
fn write_header(report: &ConfigReport, d: &Dialect, out: &mut impl Write) -> io::Result<()> {
    if report.pgtune_compat {
        for line in pgtune_header(report, d.comment) {
            writeln!(out, "{line}")?;
        }
    } else {
        writeln!(
            out,
            "{} {}",
            d.comment,
            d.title.replace("{version}", env!("CARGO_PKG_VERSION"))
        )?;
        writeln!(out, "{}", d.comment)?;
        for line in pgtune_header(report, d.comment)
            .into_iter()
            .chain(pgtune_extras(report, d.comment))
        {
            writeln!(out, "{}", if line.is_empty() { d.comment } else { &line })?;
        }
    }
    writeln!(out)
}

pub fn conf(report: &ConfigReport, out: &mut impl Write) -> io::Result<()> {
    write_header(report, &CONF, out)?;
    if report.pgtune_compat {
        for s in &report.core {
            writeln!(out, "{}", (CONF.pgtune_line)(s))?;
        }
        return Ok(());
    }
    writeln!(out, "# PGTune's settings, unchanged")?;
    for s in &report.core {
        match report.rejected.iter().find(|r| r.name == s.name) {
            Some(r) => writeln!(out, "# {}  # left out: {}", (CONF.pgtune_line)(s), r.reason)?,
            None => writeln!(out, "{}", (CONF.pgtune_line)(s))?,
        }
    }
    let dropped: Vec<_> = report
        .rejected
        .iter()
        .filter(|r| !report.core.iter().any(|c| c.name == r.name))
        .collect();
    if !report.additions.is_empty() || !dropped.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "# Beyond PGTune (a later line overrides an earlier one)"
        )?;
        for s in &report.additions {
            if report
                .rejected
                .iter()
                .any(|r| r.name == s.name && r.value == s.value.render())
            {
                continue;
            }
            writeln!(out, "# {}", crate::sql::quote::comment(&s.reason))?;
            writeln!(
                out,
                "{} = {}",
                s.name,
                crate::sql::quote::conf_value(&s.value.render())
            )?;
        }
        for r in dropped {
            writeln!(
                out,
                "# left out {} = {}: {}",
                r.name,
                r.value,
                crate::sql::quote::comment(&r.reason)
            )?;
        }
    }
    Ok(())
}

pub fn sql(report: &ConfigReport, out: &mut impl Write) -> io::Result<()> {
    write_header(report, &SQL, out)?;
    if report.pgtune_compat {
        for s in &report.core {
            writeln!(out, "{}", (SQL.pgtune_line)(s))?;
        }
        return Ok(());
    }
    for s in report.effective() {
        if s.origin != Origin::Core {
            writeln!(out, "-- {}", crate::sql::quote::comment(&s.reason))?;
        }
        writeln!(out, "{}", guc::alter_system(&s.name, &s.value.render()))?;
    }
    for r in &report.rejected {
        writeln!(
            out,
            "-- left out {} = {}: {}",
            r.name,
            r.value,
            crate::sql::quote::comment(&r.reason)
        )?;
    }
    writeln!(out, "{};", crate::sql::statement::RELOAD_CONF)?;
    if !report.restart.is_empty() {
        writeln!(
            out,
            "-- Restart the server for: {}",
            report.restart.join(", ")
        )?;
    }
    Ok(())
}

/// The JSON document: every setting in effect with its value, origin, reason, whether it needs a
/// restart, and PGTune's value where pgtune proposes another.
pub fn json(report: &ConfigReport, out: &mut impl Write) -> io::Result<()> {
    #[derive(Serialize)]
    struct JsonSetting<'a> {
        name: &'a str,
        value: String,
        origin: Origin,
        reason: &'a str,
        restart: bool,
        pgtune_value: Option<String>,
    }
    #[derive(Serialize)]
    struct JsonReport<'a> {
        inputs: &'a Inputs,
        profile: &'a str,
        detected: &'a [Fact],
        warnings: &'a [Vec<String>],
        settings: Vec<JsonSetting<'a>>,
        rejected: &'a [Rejection],
        notes: &'a [String],
        server: Option<&'a str>,
        pgtune_compat: bool,
    }
    let settings = report
        .effective()
        .into_iter()
        .map(|s| JsonSetting {
            name: &s.name,
            value: s.value.render(),
            origin: s.origin,
            reason: &s.reason,
            restart: report.restart.contains(&s.name),
            pgtune_value: report
                .core
                .iter()
                .find(|c| c.name == s.name && s.origin != Origin::Core)
                .map(|c| c.value.render()),
        })
        .collect();
    super::json(
        "config",
        1,
        &JsonReport {
            inputs: &report.inputs,
            profile: &report.profile,
            detected: &report.detected,
            warnings: &report.warnings,
            settings,
            rejected: &report.rejected,
            notes: &report.notes,
            server: report.server.as_deref(),
            pgtune_compat: report.pgtune_compat,
        },
        out,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_quoting() {
        assert_eq!(memory_label(16 * 1024 * 1024), "16 GB");
        assert_eq!(memory_label(1536 * 1024), "1536 MB");
        assert_eq!(memory_label(2 * 1024 * 1024 * 1024), "2 TB");
        assert_eq!(memory_label(2049), "2049 kB");
        assert_eq!(
            crate::sql::quote::conf_value("pg_stat_statements"),
            "pg_stat_statements"
        );
        assert_eq!(crate::sql::quote::conf_value("1s"), "1s");
        assert_eq!(crate::sql::quote::conf_value("a,b"), "'a,b'");
        assert_eq!(crate::sql::quote::conf_value("it's"), "'it''s'");
    }
}
