//! `pgtune completions <shell>` and `pgtune man`: generated from the same clap definitions as
//! `--help`, returned as a report like every command's.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use crate::model::generated::Generated;

/// The completion script for `shell`.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<Generated> {
    let mut cmd = crate::cli::command();
    // clap_complete panics when its writer fails; a buffer cannot fail, so a closed stdout is an
    // ordinary broken-pipe error when the report is printed.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "pgtune", &mut script);
    Ok(Generated {
        command: "completions",
        text: Some(String::from_utf8(script)?),
        written: vec![],
    })
}

/// Without a directory: pgtune.1 on stdout. With one: a page per command, as packagers install them.
/// Each page has the command's own options and the connection and output options every command
/// takes, then EXIT STATUS, ENVIRONMENT, FILES and EXAMPLES.
pub fn man(dir: Option<&Path>) -> anyhow::Result<Generated> {
    let mut cmd = crate::cli::command();
    // Building propagates the global options (connection, output, --help) to every subcommand,
    // as parsing does: a page shows what the command really takes, and -h is --host there too.
    cmd.build();
    let Some(dir) = dir else {
        let mut page = Vec::new();
        render_page(&cmd, None, &mut page)?;
        return Ok(Generated {
            command: "man",
            text: Some(String::from_utf8(page)?),
            written: vec![],
        });
    };
    let mut written = Vec::new();
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut pages = vec![("pgtune".to_string(), None, cmd.clone())];
    add_pages("pgtune", None, &cmd, &mut pages);
    for (name, sub, page) in pages {
        let path = dir.join(format!("{name}.1"));
        let mut buf = Vec::new();
        render_page(&page, sub.as_deref(), &mut buf)?;
        std::fs::write(&path, buf).with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(Generated {
        command: "man",
        text: None,
        written,
    })
}

/// A page for each command under `cmd`, and for each of theirs (`pgtune-schema-apply`), named by
/// its path; clap's own `help` command has none.
fn add_pages(
    prefix: &str,
    path: Option<&str>,
    cmd: &clap::Command,
    pages: &mut Vec<(String, Option<String>, clap::Command)>,
) {
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("{prefix}-{}", sub.get_name());
        let sub_path = match path {
            Some(p) => format!("{p} {}", sub.get_name()),
            None => sub.get_name().to_string(),
        };
        pages.push((
            name.clone(),
            Some(sub_path.clone()),
            sub.clone().name(&name),
        ));
        add_pages(&name, Some(&sub_path), sub, pages);
    }
}

fn render_page(cmd: &clap::Command, sub: Option<&str>, out: &mut impl Write) -> anyhow::Result<()> {
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    if cmd.has_subcommands() {
        man.render_subcommands_section(out)?;
    }
    out.write_all(EXIT_STATUS.as_bytes())?;
    out.write_all(environment().as_bytes())?;
    out.write_all(FILES.as_bytes())?;
    write_examples(sub, out)?;
    if cmd.get_version().is_some() {
        man.render_version_section(out)?;
    }
    Ok(())
}

const EXIT_STATUS: &str = r#".SH "EXIT STATUS"
.TP
0
ran; nothing to report
.TP
1
ran; warnings found (or a relation skipped because another session held it)
.TP
2
ran; critical findings, or a verification or step failed
.TP
3
could not run: bad input, a usage error, a connection failure, an internal error, or interrupted (Ctrl\-C, SIGTERM)
"#;

/// ENVIRONMENT: the connection variables from conninfo's own table, so the page cannot miss one.
fn environment() -> String {
    format!(
        ".SH ENVIRONMENT\n.TP\n{}\nas libpq reads them, after the flags and the connection string (DATABASE_URL last, only when nothing else names a host or database)\n.TP\nNO_COLOR\nno colour in tables\n",
        crate::conninfo::environment_variables().join(", ").replace('_', "\\_")
    )
}

const FILES: &str = r#".SH FILES
.TP
~/.pgpass
passwords, as libpq reads them (ignored unless mode 0600 or stricter)
.TP
~/.pg_service.conf, PGSYSCONFDIR/pg_service.conf
connection services
.TP
~/.postgresql/root.crt, postgresql.crt, postgresql.key
TLS root and client certificates, as libpq uses them
.TP
profiles/*.toml
the built\-in profiles (compiled in); \-\-profile takes a name or a path to your own
"#;

/// Examples for a page: the command's own, or an overview on pgtune.1.
fn write_examples(sub: Option<&str>, out: &mut impl Write) -> std::io::Result<()> {
    let examples: &[(&str, &str)] = match sub {
        None => &[
            ("pgtune config --memory 16GB --cpus 8", "postgresql.conf settings for a machine, no database needed"),
            ("pgtune -h db1 -d app check", "settings and health of a server, read-only"),
            ("pgtune -d app maintain daily", "the daily playbook, as cron runs it"),
            ("pgtune -d app schema verify migrations/indexes.sql", "the CI gate for declared indexes"),
        ],
        Some("check") => &[
            ("pgtune -d app check", "read-only: never changes anything, never asks"),
            ("pgtune -d app check --apply", "on a terminal: pick settings (none preselected), preview, confirm"),
            ("pgtune -d app check --apply --yes --setting work_mem --write-conf /etc/postgresql/17/main/conf.d/pgtune.conf", "unattended, one setting, into a conf.d file the server reads"),
            ("pgtune -d app check --format nagios --threshold lock_waits=1min,10min", "a monitoring probe"),
        ],
        Some("config") => &[("pgtune config --memory 64GB --cpus 16 --workload oltp --storage ssd", "settings for a given machine")],
        Some("report") => &[("pgtune -d app report unused-indexes --format json", "every unused index with the SQL that drops it")],
        Some("maintain") => &[
            ("pgtune -d app maintain daily --dry-run", "what the daily playbook would run"),
            ("pgtune -d app maintain weekly --wait 10min", "wait for a run in progress instead of failing"),
        ],
        Some("schema") => &[
            ("pgtune -d app schema plan indexes.sql", "what apply would do, read-only"),
            ("pgtune -d app schema apply indexes.sql --dry-run", "the exact statements, as a psql script"),
        ],
        Some("reindex") => &[("pgtune -d app reindex --bloated --min-size 100MB", "rebuild bloated indexes concurrently")],
        Some("analyze") => &[("pgtune -d app analyze --jobs 4", "ANALYZE only the tables whose statistics are stale")],
        Some("vacuum") => &[("pgtune -d app vacuum --freeze --jobs 2", "freeze the tables nearest wraparound")],
        Some("purge") => &[("pgtune -d app purge --table logs --column created_at --older-than '90 days'", "delete old rows in batches")],
        Some("refresh") => &[("pgtune -d app refresh --jobs 2", "refresh materialized views in dependency order")],
        Some("snapshot") => &[("pgtune -d app snapshot --retention 90d", "record sizes and counters; keep 90 days")],
        Some("trends") => &[("pgtune -d app trends --since 7d --capacity", "growth over a week, and when the disk fills")],
        Some("history") => &[("pgtune -d app history --limit 10", "the last ten maintenance runs")],
        Some("schedule") => &[("pgtune -d app schedule --emit cron", "crontab lines for the three playbooks")],
        Some("info") => &[("pgtune -h db1 -d app info", "what the server is and what this session may do")],
        Some("completions") => &[("pgtune completions bash > /etc/bash_completion.d/pgtune", "shell completion")],
        Some("man") => &[("pgtune man --dir /usr/local/share/man/man1", "install the man pages")],
        Some(_) => &[],
    };
    if examples.is_empty() {
        return Ok(());
    }
    out.write_all(b".SH EXAMPLES\n")?;
    // roff: a hyphen that must print as one (options, not line-break hints) is \-.
    let roff = |s: &str| s.replace('-', "\\-");
    for (command, what) in examples {
        writeln!(out, ".TP\n\\fB{}\\fR\n{}", roff(command), roff(what))?;
    }
    Ok(())
}
