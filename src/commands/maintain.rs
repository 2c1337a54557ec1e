//! `pgtune maintain PLAYBOOK`: runs a playbook's steps in order, as cron would. A step is another
//! pgtune command (its flags from the profile, checked by the command line parser, then its `run`
//! called with them) or a team's SQL statement; its report's summary is the step's recorded summary
//! and its status the step's outcome. One run per database (a polled advisory
//! lock); every run and step recorded in pgtune.maintenance_runs / maintenance_steps; a run whose
//! connection is lost ends with exit 3 and is recorded as failed by the next one.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::bail;

use crate::cli::{Cli, Command, Format, MaintainArgs};
use crate::context::Context;
use crate::db::schema::{self as dbschema, Runner};
use crate::db::{self, playbook as dbp, Db};
use crate::model::maintain::{
    ListedPlaybook, ListedStep, MaintainOutput, MaintainReport, MaintainScript, PlaybookList,
    StepReport, StepStatus,
};
use crate::outcome::Status;
use crate::profile::{OnError, PlaybookStep};
use crate::render;

/// The commands a step may run.
const STEP_COMMANDS: &[&str] = &[
    "analyze", "refresh", "reindex", "vacuum", "purge", "snapshot", "report", "check", "trends",
    "advise",
];
/// Steps that change nothing, so --dry-run only names them.
const READ_ONLY_STEPS: &[&str] = &["report", "check", "trends", "advise"];
/// Steps that read the profile's tables or thresholds: they get maintain's --profile.
const PROFILE_STEPS: &[&str] = &["purge", "check", "report"];

/// A step ready to run: the command line it stands for.
#[derive(Debug, Clone)]
pub struct Invocation {
    pub step: PlaybookStep,
    /// `pgtune <command> <flags>` as the step runs it (without connection flags); for `sql`, the statement.
    pub command: String,
    argv: Vec<String>,
    sql: Option<String>,
    timeout: Option<Duration>,
}

pub fn run(ctx: &Context, args: &MaintainArgs) -> anyhow::Result<MaintainOutput> {
    let profile = args
        .using
        .profile
        .as_deref()
        .map(crate::profile::load)
        .transpose()?;
    let mut playbooks: Vec<(String, String, Vec<PlaybookStep>)> =
        crate::profile::builtin_playbooks()
            .into_iter()
            .map(|(k, v)| (k, "built-in".to_string(), v))
            .collect();
    if let Some(p) = &profile {
        for (name, steps) in &p.playbooks {
            let source = format!("profile {}", p.name);
            match playbooks.iter_mut().find(|(n, _, _)| n == name) {
                Some(slot) => *slot = (name.clone(), source, steps.clone()),
                None => playbooks.push((name.clone(), source, steps.clone())),
            }
        }
    }
    if let Some(path) = &args.metrics_file {
        crate::fsutil::check_writable(std::path::Path::new(path))?;
    }
    let mut resolved = Vec::new();
    for (name, source, steps) in &playbooks {
        let invocations = steps
            .iter()
            .map(|s| invocation(s, args.using.profile.as_deref()))
            .collect::<anyhow::Result<Vec<_>>>()?;
        resolved.push((name.clone(), source.clone(), invocations));
    }
    if args.list {
        let list = PlaybookList {
            playbooks: resolved
                .iter()
                .map(|(name, source, inv)| ListedPlaybook {
                    name: name.clone(),
                    source: source.clone(),
                    steps: inv
                        .iter()
                        .map(|i| ListedStep {
                            name: i.step.name.clone(),
                            step: i.step.step.clone(),
                            command: i.command.clone(),
                            timeout: i.step.timeout.clone(),
                            on_error: i.step.on_error,
                        })
                        .collect(),
                })
                .collect(),
        };
        return Ok(MaintainOutput::List(list));
    }
    let playbook = args.playbook.clone().unwrap_or_default();
    let Some((_, _, invocations)) = resolved.iter().find(|(n, _, _)| *n == playbook) else {
        bail!(
            "unknown playbook \"{playbook}\": the playbooks are {} (see pgtune maintain --list)",
            resolved
                .iter()
                .map(|(n, _, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    for name in args.only.iter().chain(&args.skip) {
        if !invocations.iter().any(|i| &i.step.name == name) {
            bail!(
                "playbook {playbook} has no step named \"{name}\" (its steps: {})",
                invocations
                    .iter()
                    .map(|i| i.step.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let selected: Vec<&Invocation> = invocations
        .iter()
        .filter(|i| args.only.is_empty() || args.only.contains(&i.step.name))
        .filter(|i| !args.skip.contains(&i.step.name))
        .collect();
    if args.change.dry_run {
        // A dry run prints the script the run would execute: SQL, not a report.
        if ctx.output.format == Some(Format::Json) {
            bail!("pgtune maintain --dry-run prints the statements as a psql script; --format json is for the run's report");
        }
        return Ok(MaintainOutput::DryRun(dry_run(ctx, &playbook, &selected)?));
    }
    let wait = args.others.wait.value;
    let mut report = execute(ctx, args, &playbook, &selected, wait)?;
    report.run_status = if ctx.interrupted() || report.ended.is_some() {
        "failed"
    } else {
        report.status_word()
    };
    Ok(MaintainOutput::Run(report))
}

/// A step's flags from its options: `jobs = 2` is `--jobs 2`, `freeze = true` is `--freeze`, a list
/// repeats the flag, `args` are positional. Validated by the command line parser itself.
fn invocation(step: &PlaybookStep, profile: Option<&str>) -> anyhow::Result<Invocation> {
    let at = &step.at;
    let timeout = step
        .timeout
        .as_deref()
        .map(|t| {
            crate::units::parse_duration(t, "ms")
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "{at}: invalid timeout \"{t}\": expected a duration such as 30min or 2h"
                    )
                })
        })
        .transpose()?;
    if step.step == "sql" {
        let sql = step
            .options
            .iter()
            .find(|(k, _)| k == "sql")
            .and_then(|(_, v)| v.as_str().map(str::to_string));
        let Some(sql) = sql.filter(|s| !s.trim().is_empty()) else {
            bail!("{at}: a sql step needs `sql = \"...\"`, the statement to run");
        };
        if let Some((k, _)) = step.options.iter().find(|(k, _)| k != "sql") {
            bail!("{at}: a sql step takes no option {k}");
        }
        return Ok(Invocation {
            step: step.clone(),
            command: sql.clone(),
            argv: vec![],
            sql: Some(sql),
            timeout,
        });
    }
    if !STEP_COMMANDS.contains(&step.step.as_str()) {
        bail!(
            "{at}: unknown step \"{}\": a step is one of {}, or sql",
            step.step,
            STEP_COMMANDS.join(", ")
        );
    }
    let mut argv = vec![step.step.clone()];
    let mut positional = Vec::new();
    for (key, value) in &step.options {
        if key == "args" {
            match value.as_array() {
                Some(a) => positional.extend(a.iter().map(toml_text)),
                None => bail!("{at}: args must be a list of strings"),
            }
            continue;
        }
        let flag = format!("--{}", key.replace('_', "-"));
        match value {
            toml::Value::Boolean(true) => argv.push(flag),
            toml::Value::Boolean(false) => {}
            toml::Value::Array(items) => {
                for item in items {
                    argv.push(flag.clone());
                    argv.push(toml_text(item));
                }
            }
            other => {
                argv.push(flag);
                argv.push(toml_text(other));
            }
        }
    }
    if PROFILE_STEPS.contains(&step.step.as_str())
        && !step.options.iter().any(|(k, _)| k == "profile")
    {
        if let Some(p) = profile {
            argv.push("--profile".into());
            argv.push(p.to_string());
        }
    }
    // A subcommand (`advise indexes`) comes before its flags; other positional arguments after.
    if crate::cli::has_subcommands(&step.step) {
        argv.splice(1..1, positional);
    } else {
        argv.extend(positional);
    }
    let command = std::iter::once("pgtune".to_string())
        .chain(argv.iter().map(|a| super::shell_word(a)))
        .collect::<Vec<_>>()
        .join(" ");
    // The command line parser is the judge of the flags: the same messages as on a command line.
    if let Err(e) = step_cli(&argv) {
        bail!(
            "{at}: step {}: {}",
            step.name,
            crate::cli::usage_error_text(&e.to_string())
        );
    }
    Ok(Invocation {
        step: step.clone(),
        command,
        argv,
        sql: None,
        timeout,
    })
}

fn toml_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn step_cli(argv: &[String]) -> Result<Cli, clap::Error> {
    use clap::Parser;
    Cli::try_parse_from(std::iter::once("pgtune".to_string()).chain(argv.iter().cloned()))
}

/// The step's command, parsed (and so validated) by pgtune's own command line definitions.
fn step_command(inv: &Invocation, extra: &[&str]) -> anyhow::Result<Command> {
    let mut argv = inv.argv.clone();
    argv.extend(extra.iter().map(|s| s.to_string()));
    let step = step_cli(&argv)
        .map_err(|e| anyhow::anyhow!("{}", crate::cli::usage_error_text(&e.to_string())))?;
    Ok(step.command)
}

/// The script the run would execute: each step's own dry run (its statements as a psql script),
/// under a comment naming the step.
fn dry_run(ctx: &Context, playbook: &str, steps: &[&Invocation]) -> anyhow::Result<MaintainScript> {
    let mut out = Vec::new();
    writeln!(
        out,
        "-- pgtune maintain {playbook} --dry-run: {} step(s); nothing is changed",
        steps.len()
    )?;
    let mut unplanned: Vec<String> = Vec::new();
    for (n, inv) in steps.iter().enumerate() {
        writeln!(out)?;
        let limits = format!(
            "{}on error {}",
            inv.timeout
                .map(|t| format!("timeout {}, ", crate::units::format_duration(t)))
                .unwrap_or_default(),
            match inv.step.on_error {
                OnError::Continue => "continue",
                OnError::Stop => "stop",
            }
        );
        writeln!(
            out,
            "-- step {} {} ({limits})",
            n + 1,
            crate::sql::quote::comment(&inv.step.name)
        )?;
        if let Some(sql) = &inv.sql {
            writeln!(out, "{};", sql.trim().trim_end_matches(';'))?;
            continue;
        }
        writeln!(out, "-- {}", crate::sql::quote::comment(&inv.command))?;
        if READ_ONLY_STEPS.contains(&inv.step.step.as_str()) {
            writeln!(out, "-- reads only: nothing to show until it runs")?;
            continue;
        }
        let command = step_command(inv, &["--dry-run"])?;
        let mut step = ctx.for_step(None);
        step.output.format = Some(Format::Table);
        let mut buf = Vec::new();
        match super::dispatch(&step, &command, &mut buf) {
            Ok(_) => out.write_all(&buf)?,
            Err(e) => {
                unplanned.push(inv.step.name.clone());
                writeln!(
                    out,
                    "-- could not plan this step: {}",
                    crate::sql::quote::comment(&one_line(&format!("{e:#}")))
                )?
            }
        }
    }
    let script = MaintainScript {
        text: String::from_utf8_lossy(&out).into_owned(),
        // A dry run that cannot say what a step would do has not done its job.
        unplanned: (!unplanned.is_empty()).then(|| {
            format!(
                "could not plan step(s) {} (the reason is in the script above)",
                unplanned.join(", ")
            )
        }),
    };
    Ok(script)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Ctrl-C and SIGTERM: a watcher of the run's own (a thread, listening before the first step)
/// cancels every statement of this run server-side (they carry its application_name) and raises
/// the run's interrupt, so the run records the rest. A step's own listener, where it has one (the
/// job runner), cancels its statements too: the same signal, heard by both.
fn watch_signals(
    target: crate::conninfo::Target,
    connect: db::ConnectOptions,
    application: String,
    interrupted: Arc<AtomicBool>,
) -> anyhow::Result<()> {
    let (listening, ready) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let Ok(rt) = db::runtime() else { return };
        rt.block_on(async {
            let mut signals = match db::cancel::Signals::listen() {
                Ok(s) => s,
                Err(e) => {
                    let _ = listening.send(Err(e));
                    return;
                }
            };
            let _ = listening.send(Ok(()));
            signals.recv().await;
            interrupted.store(true, Ordering::SeqCst);
            tracing::warn!("interrupted: cancelling this run's statements");
            if let Ok(db) = db::connect(&target, &connect).await {
                if let Err(e) = dbp::cancel_application(&db, &application).await {
                    tracing::warn!("could not cancel the running statements: {}", e.message);
                }
            }
        });
    });
    ready
        .recv()
        .map_err(|_| anyhow::anyhow!("the signal watcher did not start"))??;
    Ok(())
}

fn is_connection_lost(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<db::QueryError>()
            .is_some_and(|q| q.is_connection_lost())
            || e.downcast_ref::<db::ConnectError>().is_some()
    })
}

#[allow(clippy::too_many_arguments)]
fn execute(
    ctx: &Context,
    args: &MaintainArgs,
    playbook: &str,
    steps: &[&Invocation],
    wait: Duration,
) -> anyhow::Result<MaintainReport> {
    let started = Instant::now();
    // This run's sessions, and its steps', are told apart by their application_name.
    let application = application_name(playbook, std::process::id());
    let mut named = ctx.clone();
    named.conn.application_name = Some(application.clone());
    let ctx = &named;
    let target = ctx.target()?;
    let connect = ctx.maintenance(Duration::from_secs(5));
    watch_signals(
        target.clone(),
        connect.clone(),
        application.clone(),
        ctx.interrupt_flag(),
    )?;
    let rt = db::runtime()?;
    // A password typed for this connection is reused by the steps' (their context never asks).
    let db = rt.block_on(db::connect(&target, &connect))?;
    let database = target.dbname.clone();
    if rt.block_on(dbschema::server(&db))?.in_recovery {
        bail!(
            "database {database} on {} is a standby (in recovery): maintenance runs on the primary",
            db.server
        );
    }
    rt.block_on(take_lock(&db, &database, wait, &application))?;
    let client = format!(
        "{}@{}",
        crate::sys::current_user()
            .map(|u| u.name)
            .unwrap_or_else(|| "unknown".into()),
        crate::sys::hostname().unwrap_or_else(|| "unknown".into())
    );
    let (run_id, closed) = rt.block_on(async {
        dbp::ensure_runs(&db).await?;
        let closed = dbp::close_interrupted(&db).await?;
        anyhow::Ok((dbp::run_start(&db, playbook, &client).await?, closed))
    })?;
    if !closed.is_empty() {
        tracing::warn!("recorded earlier run(s) {closed:?} as failed: they ended without recording their outcome");
    }
    let mut report = MaintainReport {
        playbook: playbook.to_string(),
        database,
        run_id: Some(run_id),
        status: Status::Ok,
        run_status: "running",
        seconds: 0.0,
        steps: vec![],
        closed_interrupted_runs: closed,
        ended: None,
    };
    let mut stopped: Option<String> = None;
    for (position, inv) in steps.iter().enumerate() {
        if let Some(why) = &stopped {
            report.steps.push(StepReport {
                name: inv.step.name.clone(),
                step: inv.step.step.clone(),
                command: inv.command.clone(),
                status: StepStatus::Skipped,
                seconds: 0.0,
                summary: None,
                error: Some(why.clone()),
            });
            let r = report.steps.last().expect("just pushed");
            let id = rt.block_on(dbp::step_start(
                &db,
                run_id,
                position as i32 + 1,
                &r.name,
                &r.step,
                &r.command,
            ));
            if let Ok(id) = id {
                let _ = rt.block_on(dbp::step_end(&db, id, "skipped", None, r.error.as_deref()));
            }
            continue;
        }
        let step_id = match rt.block_on(dbp::step_start(
            &db,
            run_id,
            position as i32 + 1,
            &inv.step.name,
            &inv.step.step,
            &inv.command,
        )) {
            Ok(id) => id,
            Err(e) if e.is_connection_lost() => bail!(
                "lost the connection to {} before step {}; the next run records this one as failed",
                db.server,
                inv.step.name
            ),
            Err(e) => return Err(e.into()),
        };
        tracing::info!("step {}: {}", inv.step.name, inv.command);
        let step_started = Instant::now();
        let result = run_step(ctx, inv, &rt, &db);
        let seconds = step_started.elapsed().as_secs_f64();
        let interrupted = ctx.interrupted();
        let (status, summary, error, lost) = match result {
            Ok((status, summary)) if !interrupted => (StepStatus::of(status), summary, None, false),
            Ok((_, summary)) => (
                StepStatus::Failed,
                summary,
                Some("interrupted (Ctrl-C or SIGTERM)".to_string()),
                false,
            ),
            Err(e) => {
                let lost = is_connection_lost(&e);
                let message = if interrupted {
                    "interrupted (Ctrl-C or SIGTERM): its statement was cancelled".to_string()
                } else {
                    one_line(&format!("{e:#}"))
                };
                (StepStatus::Failed, None, Some(message), lost)
            }
        };
        let recorded = rt.block_on(dbp::step_end(
            &db,
            step_id,
            status.name(),
            summary.as_deref(),
            error.as_deref(),
        ));
        report.steps.push(StepReport {
            name: inv.step.name.clone(),
            step: inv.step.step.clone(),
            command: inv.command.clone(),
            status,
            seconds,
            summary,
            error: error.clone(),
        });
        match recorded {
            Err(e) if e.is_connection_lost() || lost => {
                // The step may have done its work, but the run lost the session that records it:
                // the step did not end as the run knows it, so it is failed, with its real time.
                if let Some(last) = report.steps.last_mut() {
                    if last.status != StepStatus::Failed {
                        last.status = StepStatus::Failed;
                        last.error = Some(format!(
                            "its outcome could not be recorded: lost the connection to {} ({})",
                            db.server, e.message
                        ));
                    }
                }
                report.status = Status::Critical;
                report.seconds = started.elapsed().as_secs_f64();
                report.ended = Some(format!(
                    "lost the connection to {} during step {} ({}); the next run records it as failed",
                    db.server,
                    inv.step.name,
                    error.unwrap_or(e.message)
                ));
                return Ok(report);
            }
            Err(e) => return Err(e.into()),
            Ok(()) => {}
        }
        if interrupted {
            stopped = Some("not run: the run was interrupted".into());
        } else if lost {
            stopped = Some(format!(
                "not run: step {} lost its connection",
                inv.step.name
            ));
        } else if status == StepStatus::Failed && inv.step.on_error == OnError::Stop {
            stopped = Some(format!(
                "not run: step {} failed and stops the playbook (on_error = \"stop\")",
                inv.step.name
            ));
        }
    }
    report.status = report
        .steps
        .iter()
        .map(|s| s.status.status())
        .max()
        .unwrap_or(Status::Ok);
    report.seconds = started.elapsed().as_secs_f64();
    let interrupted = ctx.interrupted();
    let run_status = if interrupted {
        "failed"
    } else {
        report.status_word()
    };
    let summary = report.summary();
    rt.block_on(async {
        dbp::run_end(
            &db,
            run_id,
            run_status,
            Some(&summary),
            interrupted.then_some("interrupted (Ctrl-C or SIGTERM)"),
        )
        .await?;
        if let Some(path) = &args.metrics_file {
            let last = dbp::last_success(&db).await?;
            let text = render::playbook::metrics(&report, run_status, &last);
            crate::fsutil::write_atomically(path, text.as_bytes())?;
        }
        if let Err(e) = dbschema::unlock(&db, Runner::Maintain).await {
            tracing::warn!("could not release the run lock: {}", e.message);
        }
        anyhow::Ok(())
    })?;
    if interrupted {
        report.ended = Some(format!(
            "interrupted: run {run_id} stopped and recorded as failed (see pgtune history)"
        ));
    }
    Ok(report)
}

/// `pgtune maintain PLAYBOOK PID` as the server will store it, so that the run's sessions can be
/// found by equality: printable ASCII only (the server rewrites other characters) and at most 63 bytes
/// (it truncates longer names).
fn application_name(playbook: &str, pid: u32) -> String {
    let playbook: String = playbook
        .chars()
        .map(|c| if c.is_ascii_graphic() { c } else { '_' })
        .collect();
    let suffix = format!(" {pid}");
    let mut name = format!("pgtune maintain {playbook}");
    name.truncate(63 - suffix.len());
    name + &suffix
}

/// Runs one step: a command (its report's status and summary) or the team's SQL statement.
fn run_step(
    ctx: &Context,
    inv: &Invocation,
    rt: &tokio::runtime::Runtime,
    db: &Db,
) -> anyhow::Result<(Status, Option<String>)> {
    if let Some(sql) = &inv.sql {
        rt.block_on(async {
            db.set_statement_timeout(inv.timeout.unwrap_or_default())
                .await?;
            let runner = db::runner::Runner::once(db, "maintain sql step");
            let result = match runner.run(std::slice::from_ref(sql)).await {
                Err(db::retry::Stopped::Failed(e)) => Err(e),
                Ok(_) | Err(db::retry::Stopped::Interrupted) => Ok(()),
            };
            if !db.is_closed() {
                let _ = db.set_statement_timeout(Duration::ZERO).await;
            }
            result
        })?;
        return Ok((Status::Ok, None));
    }
    let command = step_command(inv, &[])?;
    let step = ctx.for_step(inv.timeout.map(|t| Instant::now() + t));
    let (status, summary) = super::step(&step, &command)?;
    Ok((status, Some(summary)))
}

/// One run per database: polled, and a second run says since when the other has been running.
/// The runner lock, and no statement of an earlier run still going: a run killed outright loses its
/// lock with its session while its step's REINDEX goes on under its own. Waits up to `wait` for both.
async fn take_lock(
    db: &Db,
    database: &str,
    wait: Duration,
    application: &str,
) -> anyhow::Result<()> {
    let started = Instant::now();
    if dbschema::poll_lock(db, Runner::Maintain, wait).await? {
        loop {
            let earlier = dbp::earlier_run_sessions(db, application).await?;
            let Some(first) = earlier.first() else {
                return Ok(());
            };
            if started.elapsed() < wait {
                tokio::time::sleep(Duration::from_millis(500).min(wait)).await;
                continue;
            }
            bail!(
                "an earlier maintenance run is still at work on database {database}: pid {} (application \"{}\", {} for {}) runs {}{}; \
                 its run ended without stopping it: wait for it, or stop it with SELECT pg_cancel_backend({}){}",
                first.pid,
                first.application,
                first.state,
                crate::units::format_duration(Duration::from_secs_f64(first.seconds.max(0.0))),
                if first.query.is_empty() { "a statement we may not see".to_string() } else { format!("\"{}\"", first.query) },
                match earlier.len() {
                    1 => String::new(),
                    n => format!(" (and {} more session(s))", n - 1),
                },
                first.pid,
                super::lock_wait_hint(wait)
            );
        }
    }
    let since = match dbp::in_progress(db).await? {
        Some((playbook, at, client)) => format!(
            "playbook {playbook}, started {} by {client}",
            at.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M:%S %Z")
        ),
        None => "its record is not written yet".into(),
    };
    bail!(
        "a maintenance run is already in progress on database {database} ({since}){}",
        super::lock_wait_hint(wait)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(kind: &str, options: &[(&str, toml::Value)]) -> PlaybookStep {
        PlaybookStep {
            step: kind.into(),
            name: kind.into(),
            options: options
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            timeout: None,
            on_error: OnError::Continue,
            at: "p.toml:3:1".into(),
        }
    }

    #[test]
    fn options_become_flags_checked_by_the_parser() {
        let inv = invocation(
            &step(
                "vacuum",
                &[
                    ("freeze", toml::Value::Boolean(true)),
                    ("budget", "1h".into()),
                    ("schema", toml::Value::Array(vec!["a".into(), "b c".into()])),
                ],
            ),
            None,
        )
        .unwrap();
        assert_eq!(
            inv.command,
            "pgtune vacuum --freeze --budget 1h --schema a --schema 'b c'"
        );
        let inv = invocation(
            &step(
                "report",
                &[("args", toml::Value::Array(vec!["all".into()]))],
            ),
            Some("web"),
        )
        .unwrap();
        assert_eq!(inv.command, "pgtune report --profile web all");
        let e = invocation(&step("analyze", &[("jbos", 2.into())]), None).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("p.toml:3:1: step analyze: unexpected argument '--jbos'"),
            "{e}"
        );
        let e = invocation(&step("drop", &[]), None).unwrap_err();
        assert!(e.to_string().contains("unknown step \"drop\""), "{e}");
        let e = invocation(&step("sql", &[]), None).unwrap_err();
        assert!(e.to_string().contains("needs `sql"), "{e}");
    }

    #[test]
    fn the_built_in_playbooks_are_valid_steps() {
        for (_, steps) in crate::profile::builtin_playbooks() {
            for s in steps {
                invocation(&s, Some("web")).unwrap();
            }
        }
    }

    #[test]
    fn the_application_name_survives_the_server_unchanged() {
        assert_eq!(application_name("daily", 42), "pgtune maintain daily 42");
        assert_eq!(
            application_name("nächtlich ok", 7),
            "pgtune maintain n_chtlich_ok 7"
        );
        let long = application_name(&"x".repeat(100), 4_000_000);
        assert_eq!(long.len(), 63);
        assert!(long.ends_with(" 4000000"));
    }
}
