//! `pgtune check`: audits a live server. Its settings against the engine's recommendation for its
//! hardware and workload, and its health through one catalog query per check, run together on one
//! connection with a short statement_timeout, so it is safe to run every few minutes on a busy primary.
//! On a terminal it then offers to apply what differs; `--apply --yes` does so without asking.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context as _};

use super::tuning::{self, Hardware, Resolved};
use crate::cli::{CheckArgs, CheckPart, Format};
use crate::context::Context;
use crate::db::{self, check::Privileges, Db, QueryError};
use crate::health::audit::{self, Verdict};
use crate::health::thresholds::Thresholds;
use crate::health::{self, CheckStatus, Finding};
use crate::host::{self, Detected};
use crate::model::check::{
    AlterSystemRefused, Applied, ApplyMethod, ApplyReport, CheckReport, ConfigFileError,
};
use crate::model::Report;
use crate::outcome::Status;
use crate::render;
use crate::tune;

/// How long one check's query may run before it is reported as timed out.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// `pgtune check` on the command line: the report, then (with --apply on a terminal) the offer to
/// apply what differs, its preview and its outcome.
pub fn run_and_offer(
    ctx: &Context,
    args: &CheckArgs,
    out: &mut dyn Write,
) -> anyhow::Result<Status> {
    let format = render::format_for::<CheckReport>(ctx.output.format, "check")?;
    let args = &normalized(args);
    let mut report = run(ctx, args)?;
    render::emit(&report, format, &ctx.style(), out)?;
    if let Some(why) = report.unfinished() {
        out.flush()?;
        bail!("{why}");
    }
    if interactive(ctx, args, format) && args.only != Some(CheckPart::Health) {
        offer(ctx, args, &mut report, out)?;
    }
    Ok(report.status())
}

/// Setting names are case-insensitive to PostgreSQL (`Work_Mem` is work_mem); so here.
fn normalized(args: &CheckArgs) -> CheckArgs {
    CheckArgs {
        settings: args
            .settings
            .iter()
            .map(|s| s.to_ascii_lowercase())
            .collect(),
        ..args.clone()
    }
}

/// Only --apply ever changes the server, and only --apply on a terminal ever asks.
fn interactive(ctx: &Context, args: &CheckArgs, format: Format) -> bool {
    args.apply
        && ctx.can_prompt()
        && !args.confirm.yes
        && !args.change.dry_run
        && format == Format::Table
}

/// The audit and health checks, and what --apply --yes (or --dry-run) did: everything but the
/// terminal's questions.
pub fn run(ctx: &Context, args: &CheckArgs) -> anyhow::Result<CheckReport> {
    let args = &normalized(args);
    let format = render::format_for::<CheckReport>(ctx.output.format, "check")?;
    tuning::Flags::parse(&args.tune)?;
    let profile = tuning::load_profile(&args.tune)?;
    let mut thresholds = profile.thresholds.clone();
    for t in &args.thresholds {
        // A report's threshold would be accepted here and change nothing: said instead.
        let name = t.split('=').next().unwrap_or_default().trim();
        if crate::health::thresholds::judged_by(name) == Some("bloat") {
            bail!("invalid --threshold \"{t}\": {name} is a threshold of pgtune report bloat, not of check (set it in a profile's [report.{name}] table, used by report --profile)");
        }
        thresholds.set_from_flag(t).map_err(anyhow::Error::msg)?;
    }
    // Without --yes, --apply only ever asks (on a terminal, in table format); it never changes
    // anything unasked, JSON on a terminal included.
    if args.apply && !args.confirm.yes && !args.change.dry_run && !interactive(ctx, args, format) {
        let why = if ctx.can_prompt() {
            "it asks only with --format table"
        } else {
            "stdin is not a terminal"
        };
        bail!(
            "--apply asks before changing anything, and {why}: add --yes to apply without asking"
        );
    }
    let settings_wanted = args.only != Some(CheckPart::Health);
    let health_wanted = args.only != Some(CheckPart::Settings);

    let target = ctx.target()?;
    let opts = ctx.read_only_within(CHECK_TIMEOUT);
    let rt = db::runtime()?;
    let (db, privileges) = rt.block_on(async {
        let db = db::connect(&target, &opts).await?;
        let p = db::check::privileges(&db).await?;
        anyhow::Ok((db, p))
    })?;

    let mut report = CheckReport {
        server: db.server.clone(),
        server_version: format!(
            "{}.{}",
            privileges.version_num / 10000,
            privileges.version_num % 10000
        ),
        inputs: None,
        profile: profile.name.clone(),
        detected: Vec::new(),
        notes: Vec::new(),
        settings: Vec::new(),
        config_file_errors: Vec::new(),
        health: Vec::new(),
        apply: None,
        status: Status::Ok,
        alter_system_refused: None,
        alter_system_refusal: None,
    };
    if settings_wanted {
        settings_audit(&rt, &db, &privileges, args, ctx.can_prompt(), &mut report)?;
    }
    if health_wanted {
        report.health = rt.block_on(health_checks(&db, &privileges, &thresholds));
        let installed = rt.block_on(db::info::extensions(&db));
        report
            .health
            .extend(outcome("extensions", installed, |found| {
                let names: Vec<String> = found.into_iter().map(|e| e.name).collect();
                vec![health::expected_extensions(
                    &profile.extensions,
                    &names,
                    &profile.name,
                )]
            }));
    }

    let interactive = interactive(ctx, args, format);
    if settings_wanted {
        unknown_settings(&report, &args.settings)?;
    }
    if let Some(path) = args.write_conf.as_deref() {
        // Whether the server reads it comes first: a missing directory is then told the path to use.
        // A dry run is told it too (it reads only): it says what the run would do, and the run
        // would stop here.
        if let Some(why) = rt.block_on(conf_file_not_read(&db, path))? {
            bail!("{why}");
        }
        if !args.change.dry_run {
            crate::fsutil::check_writable(path)?;
        }
    }
    // ALTER SYSTEM may be impossible here (allow_alter_system = off, a role without the right):
    // found out before anything is picked or run, so the conf snippet can be offered instead.
    let alter_system_refusal =
        if settings_wanted && (args.apply || args.change.dry_run) && args.write_conf.is_none() {
            let names: Vec<String> = applicable(&report)
                .into_iter()
                .map(|(n, _)| n.to_string())
                .filter(|n| args.settings.is_empty() || args.settings.contains(n))
                .collect();
            if names.is_empty() {
                None
            } else {
                rt.block_on(db::check::alter_system_refusal(
                    &db,
                    privileges.version_num,
                    &names,
                ))?
            }
        } else {
            None
        };
    if let Some(why) = alter_system_refusal.as_deref().filter(|_| !interactive) {
        if args.change.dry_run {
            tracing::warn!(
                "a real run would stop here: {why}; --write-conf PATH writes a conf.d file instead"
            );
        } else {
            let items: Vec<(String, String)> = applicable(&report)
                .into_iter()
                .filter(|(n, _)| args.settings.is_empty() || args.settings.iter().any(|s| s == n))
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect();
            let (conf_lines, _) = conf_file_text(None, &items)?;
            report.status = report.worst();
            report.alter_system_refused = Some(AlterSystemRefused {
                reason: why.to_string(),
                conf_lines,
            });
            return Ok(report);
        }
    }
    if settings_wanted && !interactive && (args.apply || args.change.dry_run) {
        report.apply = apply(
            &rt,
            ctx,
            &target,
            &report,
            &ApplyPlan::from_flags(args),
            args.change.dry_run,
        )?;
    }
    report.status = report.worst();
    report.alter_system_refusal = alter_system_refusal;
    Ok(report)
}

/// The terminal's part of --apply: which settings, how (ALTER SYSTEM or a conf.d file), the
/// preview of exactly what runs, the confirmation, and what took effect.
fn offer(
    ctx: &Context,
    args: &CheckArgs,
    report: &mut CheckReport,
    mut out: &mut dyn Write,
) -> anyhow::Result<()> {
    out.flush()?;
    let style = ctx.style();
    let target = ctx.target()?;
    let rt = db::runtime()?;
    let db = rt.block_on(db::connect(&target, &ctx.read_only_within(CHECK_TIMEOUT)))?;
    let alter_system_refusal = report.alter_system_refusal.clone();
    {
        let includes = rt.block_on(server_includes(&db))?;
        let proposal = includes
            .as_ref()
            .and_then(|i| i.dirs.first().map(|d| d.join("pgtune.conf")));
        let check_path = |p: &Path| includes.as_ref().and_then(|i| not_read_reason(p, i));
        let chosen = match ask_what_to_apply(
            report,
            args,
            alter_system_refusal.as_deref(),
            proposal.as_deref(),
            &check_path,
            &mut out,
        ) {
            Err(e) if interrupted(&e) => None,
            other => other?,
        };
        let confirmed = match chosen {
            None => None,
            Some(plan) => {
                // The preview is the dry run of exactly this plan: what the real run executes.
                let preview = apply(&rt, ctx, &target, report, &plan, true)?;
                match preview {
                    None => None,
                    Some(preview) => {
                        render::check::apply_preview(&preview, report, &style, &mut out)?;
                        out.flush()?;
                        let n = preview.items.len();
                        let yes = dialoguer::Confirm::new()
                            .with_prompt(format!(
                                "Apply {n} setting{}?",
                                if n == 1 { "" } else { "s" }
                            ))
                            .default(false)
                            .interact_opt();
                        match yes {
                            Ok(answer) => answer.filter(|y| *y).map(|_| plan),
                            Err(e) => {
                                let e = anyhow::Error::from(e);
                                if !interrupted(&e) {
                                    return Err(e);
                                }
                                None
                            }
                        }
                    }
                }
            }
        };
        match confirmed {
            Some(plan) => {
                let applied = apply(&rt, ctx, &target, report, &plan, false)?;
                if let Some(applied) = &applied {
                    render::check::apply_table(applied, report, &style, &mut out)?;
                }
                report.apply = applied;
            }
            None => writeln!(out, "Nothing was changed.")?,
        }
    }
    Ok(())
}

// --- Settings audit ----------------------------------------------------------------------------

fn settings_audit(
    rt: &tokio::runtime::Runtime,
    db: &Db,
    privileges: &Privileges,
    args: &CheckArgs,
    terminal: bool,
    report: &mut CheckReport,
) -> anyhow::Result<()> {
    let facts = rt.block_on(db::config::server(db))?;
    let view = tuning::ServerView {
        name: &db.server,
        facts: &facts,
    };
    let Resolved {
        inputs,
        profile,
        detected,
        notes,
    } = tuning::resolve(&args.tune, Some(view), || {
        server_hardware(rt, db, privileges, terminal)
    })?;
    let mut advice = tune::Advice::new(&inputs, &profile.name, &profile.settings, false);
    let server_settings = rt.block_on(db::config::settings(db, &advice.names()))?;
    advice.judge(&server_settings);
    let recommended = advice.recommended();

    let mut names: Vec<String> = recommended.iter().map(|s| s.name.clone()).collect();
    names.extend(audit::SAFETY_SETTINGS.iter().map(|s| s.to_string()));
    names.extend(["work_mem".to_string(), "max_connections".to_string()]);
    let current = rt.block_on(db::check::settings(db, &names, privileges.is_superuser))?;

    let mut alter_system = None;
    if privileges.is_superuser {
        let files = rt.block_on(db::check::file_settings(db))?;
        alter_system = Some(
            files
                .iter()
                .filter(|f| {
                    f.sourcefile
                        .as_deref()
                        .is_some_and(|p| p.ends_with("postgresql.auto.conf"))
                })
                .filter_map(|f| f.name.clone())
                .collect::<HashSet<_>>(),
        );
        report.config_file_errors = files
            .into_iter()
            .filter_map(|f| {
                Some(ConfigFileError {
                    location: format!(
                        "{}:{}",
                        f.sourcefile.unwrap_or_default(),
                        f.sourceline.unwrap_or(0)
                    ),
                    name: f.name,
                    error: f.error?,
                })
            })
            .collect();
    } else {
        report.notes.push(
            "configuration file errors not checked: reading pg_file_settings needs superuser"
                .into(),
        );
    }
    report.settings = audit::audit(
        &recommended,
        &current,
        inputs.memory_kb,
        alter_system.as_ref(),
    );
    report.inputs = Some(inputs);
    report.profile = profile.name;
    report.detected = detected;
    report.notes.extend(notes);
    Ok(())
}

/// The server's memory and CPUs: this machine's when the server runs here; else the server reads its
/// own /proc and cgroup files (superuser or pg_read_server_files); else we ask on a terminal.
fn server_hardware(
    rt: &tokio::runtime::Runtime,
    db: &Db,
    p: &Privileges,
    terminal: bool,
) -> anyhow::Result<Hardware> {
    if db.is_local() {
        return Ok(tuning::this_machine());
    }
    if p.is_superuser || p.can_read_files {
        let hw = rt.block_on(read_server_hardware(db))?;
        if hw.memory_kb.is_some() {
            return Ok(hw);
        }
    }
    if terminal {
        return ask_hardware();
    }
    bail!(
        "cannot tell the memory and CPUs of the server at {} (it is not on this machine and this role may not read its files): give --memory and --cpus",
        db.server
    )
}

async fn read_server_hardware(db: &Db) -> anyhow::Result<Hardware> {
    let cgroup = db::check::read_files(db, &["/proc/self/cgroup".to_string()]).await?;
    let cgroup_text = cgroup.first().map(|(_, c)| c.clone()).unwrap_or_default();
    let files = db::check::read_files(db, &host::files_to_read(&cgroup_text)).await?;
    let root = tempfile::tempdir()?;
    for (path, contents) in
        std::iter::once(("/proc/self/cgroup".to_string(), cgroup_text)).chain(files)
    {
        let local = root.path().join(path.trim_start_matches('/'));
        if let Some(parent) = local.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(local, contents)?;
    }
    let on_server = |d: Detected| Detected {
        value: d.value,
        source: format!("the server's {}, read with pg_read_file", d.source),
    };
    Ok(Hardware {
        memory_kb: host::memory_kb(root.path()).map(on_server),
        cpus: host::cpus(root.path()).map(on_server),
    })
}

fn ask_hardware() -> anyhow::Result<Hardware> {
    let memory: String = dialoguer::Input::new()
        .with_prompt("The server's memory (e.g. 16GB)")
        .validate_with(|s: &String| crate::guc::parse_memory_kb(s).map(|_| ()))
        .interact_text()?;
    let cpus: String = dialoguer::Input::new()
        .with_prompt("The server's CPUs")
        .validate_with(|s: &String| match s.trim().parse::<u64>() {
            Ok(n) if n > 0 => Ok(()),
            _ => Err("a whole number of CPUs"),
        })
        .interact_text()?;
    let answer = |v: u64| Detected {
        value: v,
        source: "your answer".into(),
    };
    Ok(Hardware {
        memory_kb: Some(answer(
            crate::guc::parse_memory_kb(&memory).map_err(anyhow::Error::msg)?,
        )),
        cpus: Some(answer(cpus.trim().parse()?)),
    })
}

// --- Health checks ----------------------------------------------------------------------------

/// Turns one check's query result into findings: a timeout or a missing privilege is that check's
/// status, never an error of the whole run.
fn outcome<T>(
    check: &'static str,
    result: Result<T, QueryError>,
    eval: impl FnOnce(T) -> Vec<Finding>,
) -> Vec<Finding> {
    match result {
        Ok(facts) => eval(facts),
        Err(e) => vec![Finding {
            check,
            status: if e.is_timeout() || e.is_lock_timeout() {
                CheckStatus::Timeout
            } else if e.is_privilege() {
                CheckStatus::Skipped
            } else {
                CheckStatus::Error
            },
            evidence: if e.is_timeout() {
                format!(
                    "timed out after {}s (statement_timeout); the other checks ran",
                    CHECK_TIMEOUT.as_secs()
                )
            } else if e.is_lock_timeout() {
                "a catalog it reads is locked; not waited for".into()
            } else if e.is_privilege() {
                format!("needs more privileges: {}", e.message)
            } else {
                e.message.clone()
            },
            remedy: None,
            perfdata: Vec::new(),
            objects: Vec::new(),
        }],
    }
}

async fn health_checks(db: &Db, p: &Privileges, t: &Thresholds) -> Vec<Finding> {
    use db::check as q;
    use health::*;
    let sees_all_sessions = p.is_superuser || p.has_pg_monitor;
    let min = |name: &str| t.get(name).warning;
    // tokio-postgres pipelines concurrent queries on one connection: these cost about one round trip.
    let (
        cache,
        conns,
        idle,
        long,
        locks,
        dbstats,
        ckpt,
        wrap,
        dead,
        stale,
        invalid,
        seqs,
        repl,
        slots_r,
        slow,
        pending,
    ) = tokio::join!(
        q::cache_hit(db),
        q::connections(db),
        q::sessions(
            db,
            &crate::sql::HEALTH_IDLE_IN_TRANSACTION,
            min("idle_in_transaction")
        ),
        q::sessions(db, &crate::sql::HEALTH_LONG_QUERIES, min("long_query")),
        q::sessions(db, &crate::sql::HEALTH_LOCK_WAITS, min("lock_wait")),
        q::database_stats(db),
        q::checkpoints(db, p.version_num),
        q::wraparound(db),
        q::dead_tuples(db, min("dead_tuples")),
        q::stale_stats(db, min("stale_stats")),
        q::invalid_indexes(db),
        q::sequences(db, min("sequence_used")),
        q::replication(db),
        q::slots(db),
        async {
            match (&p.pg_stat_statements_schema, p.pg_stat_statements_loaded) {
                (Some(schema), true) => Some(q::slow_statements(db, schema).await),
                _ => None,
            }
        },
        q::pending_restart(db),
    );
    let needs_monitor = |check: &'static str| {
        Finding::skipped(
            check,
            "needs pg_monitor (or pg_read_all_stats) to see other roles' sessions".into(),
        )
    };
    // Without pg_monitor, other roles' sessions are invisible: a count would be wrong, so skip.
    let gated = |check: &'static str, found: Vec<Finding>| {
        if sees_all_sessions {
            found
        } else {
            vec![needs_monitor(check)]
        }
    };
    let mut findings = Vec::new();
    findings.extend(outcome("cache_hit_ratio", cache, |r| {
        vec![cache_hit(&r, t)]
    }));
    findings.extend(gated(
        "connections",
        outcome("connections", conns, |c| vec![connections(&c, t)]),
    ));
    findings.extend(gated(
        "idle_in_transaction",
        outcome("idle_in_transaction", idle, |s| {
            vec![idle_in_transaction(&s, t)]
        }),
    ));
    findings.extend(gated(
        "long_queries",
        outcome("long_queries", long, |s| vec![long_queries(&s, t)]),
    ));
    findings.extend(gated(
        "lock_waits",
        outcome("lock_waits", locks, |s| vec![lock_waits(&s, t)]),
    ));
    findings.extend(outcome("deadlocks", dbstats, |r| {
        deadlocks_and_temp_files(&r, t)
    }));
    findings.extend(outcome("checkpoints", ckpt, |r| vec![checkpoints(&r, t)]));
    findings.extend(outcome("wraparound", wrap, |r| vec![wraparound(&r, t)]));
    findings.extend(outcome("dead_tuples", dead, |r| vec![dead_tuples(&r, t)]));
    findings.extend(outcome("stale_stats", stale, |r| vec![stale_stats(&r, t)]));
    findings.extend(outcome("invalid_indexes", invalid, |r| {
        vec![invalid_indexes(&r, t)]
    }));
    findings.extend(outcome("sequences", seqs, |(r, unreadable)| {
        vec![sequences(&r, unreadable, t)]
    }));
    if sees_all_sessions {
        findings.extend(outcome("replication_lag", repl, |r| {
            vec![replication(&r, t)]
        }));
    } else {
        findings.push(Finding::skipped(
            "replication_lag",
            "needs pg_monitor to read replication positions".into(),
        ));
    }
    findings.extend(outcome("replication_slots", slots_r, |r| {
        vec![slots(&r, t)]
    }));
    findings.push(match slow {
        Some(result) => outcome("slow_statements", result, |(r, left_out)| vec![slow_statements(&r, left_out, t)]).remove(0),
        // The hint that fits: what is missing of preloading (a restart) and creating (no restart).
        None => Finding::skipped(
            "slow_statements",
            match (&p.pg_stat_statements_schema, p.pg_stat_statements_loaded) {
                (None, true) => "pg_stat_statements is preloaded but not created in this database: CREATE EXTENSION pg_stat_statements (no restart needed)".into(),
                (None, false) => "pg_stat_statements is not installed: add it to shared_preload_libraries, restart, then CREATE EXTENSION pg_stat_statements in this database".into(),
                (Some(_), _) => "pg_stat_statements is created in this database but not loaded: add it to shared_preload_libraries and restart".into(),
            },
        ),
    });
    findings.extend(outcome("pending_restart", pending, |r| {
        vec![pending_restart(&r)]
    }));
    findings
}

// --- Applying ------------------------------------------------------------------------------------

/// The settings the audit would change, with their recommended values.
fn applicable(report: &CheckReport) -> Vec<(&str, &str)> {
    report
        .settings
        .iter()
        .filter(|s| s.verdict != Verdict::Ok)
        .filter_map(|s| Some((s.name.as_str(), s.recommended.as_deref()?)))
        .collect()
}

/// A --setting name the audit does not know is a mistake to name, not a silent no-op.
fn unknown_settings(report: &CheckReport, names: &[String]) -> anyhow::Result<()> {
    match names
        .iter()
        .find(|n| !report.settings.iter().any(|s| &s.name == *n))
    {
        Some(n) => bail!("--setting {n}: pgtune has no recommendation for a setting of that name"),
        None => Ok(()),
    }
}

/// Ctrl-C in a prompt: the terminal is in raw mode, so it arrives as a key and dialoguer returns
/// an interrupted read rather than the process getting SIGINT.
fn interrupted(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::Interrupted)
            || c.downcast_ref::<dialoguer::Error>().is_some_and(|d| {
                let dialoguer::Error::IO(io) = d;
                io.kind() == std::io::ErrorKind::Interrupted
            })
    })
}

/// What to apply and how.
struct ApplyPlan {
    /// None: every applicable setting.
    names: Option<Vec<String>>,
    method: ApplyMethod,
    file: Option<PathBuf>,
}

impl ApplyPlan {
    fn from_flags(args: &CheckArgs) -> ApplyPlan {
        ApplyPlan {
            names: (!args.settings.is_empty()).then(|| args.settings.clone()),
            method: if args.write_conf.is_some() {
                ApplyMethod::ConfFile
            } else {
                ApplyMethod::AlterSystem
            },
            file: args.write_conf.clone(),
        }
    }
}

/// On a terminal: which of the differing settings, then how (ALTER SYSTEM unless --write-conf).
/// `no_alter_system`: why ALTER SYSTEM cannot be used here, said before the picker; then the
/// choices are a conf.d file or the lines to paste.
fn ask_what_to_apply(
    report: &CheckReport,
    args: &CheckArgs,
    no_alter_system: Option<&str>,
    conf_d_proposal: Option<&Path>,
    conf_d_check: &dyn Fn(&Path) -> Option<String>,
    out: &mut impl Write,
) -> anyhow::Result<Option<ApplyPlan>> {
    let items: Vec<(&str, &str)> = applicable(report)
        .into_iter()
        .filter(|(n, _)| args.settings.is_empty() || args.settings.iter().any(|s| s == n))
        .collect();
    if items.is_empty() {
        return Ok(None);
    }
    if let Some(why) = no_alter_system {
        writeln!(
            out,
            "ALTER SYSTEM is not possible here: {why}. The settings you pick can go to a conf.d file, or be shown as lines to paste."
        )?;
        out.flush()?;
    }
    let labels: Vec<String> = items
        .iter()
        .filter_map(|(name, value)| {
            let s = report.settings.iter().find(|s| s.name == *name)?;
            let when = match s.apply {
                audit::Apply::Reload => "on reload",
                audit::Apply::Restart => "after a restart",
            };
            let now = if s.current.is_empty() {
                "empty"
            } else {
                s.current.as_str()
            };
            Some(format!(
                "{name} = {value}  (now {now}; takes effect {when})"
            ))
        })
        .collect();
    let chosen = dialoguer::MultiSelect::new()
        .with_prompt("Apply which settings? (space toggles, enter confirms, esc cancels)")
        .items(&labels)
        .defaults(&vec![false; labels.len()])
        .interact_opt()?;
    let Some(chosen) = chosen.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let names = Some(chosen.into_iter().map(|i| items[i].0.to_string()).collect());
    let (method, file) = match &args.write_conf {
        Some(path) => (ApplyMethod::ConfFile, Some(path.clone())),
        None => {
            let choices: &[&str] = if no_alter_system.is_some() {
                &["a conf.d file", "show the lines to paste (changes nothing)"]
            } else {
                &["ALTER SYSTEM (postgresql.auto.conf)", "a conf.d file"]
            };
            let how = dialoguer::Select::new()
                .with_prompt("How?")
                .items(choices)
                .default(0)
                .interact_opt()?;
            let alter_system = no_alter_system.is_none();
            match how {
                None => return Ok(None),
                Some(0) if alter_system => (ApplyMethod::AlterSystem, None),
                Some(1) if !alter_system => {
                    let picked: Vec<(String, String)> = names
                        .iter()
                        .flatten()
                        .filter_map(|n| items.iter().find(|(i, _)| i == n))
                        .map(|(n, v)| (n.to_string(), v.to_string()))
                        .collect();
                    let (snippet, _) = conf_file_text(None, &picked)?;
                    writeln!(out, "{snippet}")?;
                    return Ok(None);
                }
                Some(_) => {
                    let mut input = dialoguer::Input::<String>::new()
                        .with_prompt("Path of the conf.d file (on this machine)");
                    if let Some(proposed) = conf_d_proposal {
                        input = input.default(proposed.display().to_string());
                    }
                    let path = PathBuf::from(input.interact_text()?);
                    if let Some(why) = conf_d_check(&path) {
                        writeln!(out, "{why}")?;
                        return Ok(None);
                    }
                    (ApplyMethod::ConfFile, Some(path))
                }
            }
        }
    };
    Ok(Some(ApplyPlan {
        names,
        method,
        file,
    }))
}

/// Applies (or, dry, only lists) the chosen settings: ALTER SYSTEM, or a conf.d file with
/// --write-conf; then pg_reload_conf(), and reads back what took effect. Never restarts the server.
fn apply(
    rt: &tokio::runtime::Runtime,
    ctx: &Context,
    target: &crate::conninfo::Target,
    report: &CheckReport,
    plan: &ApplyPlan,
    dry_run: bool,
) -> anyhow::Result<Option<ApplyReport>> {
    let Some(mut applied) = planned_apply(report, plan, dry_run)? else {
        return Ok(None);
    };
    if dry_run {
        return Ok(Some(applied));
    }
    let (method, items) = (applied.method, applied.items.clone());
    let opts = ctx.writing(Duration::from_secs(5), Duration::from_secs(30));
    applied.results = rt.block_on(async {
        let db = db::connect(target, &opts).await?;
        // The statements the dry run and the preview listed, exactly; for a conf.d file, its
        // lines are written and the reload (the list's last line) is run.
        let statements = match method {
            ApplyMethod::AlterSystem => applied.statements.clone(),
            ApplyMethod::ConfFile => {
                let path = plan
                    .file
                    .as_deref()
                    .expect("the conf-file method has a path");
                let (text, _) = conf_file_text(Some(path), &items)?;
                crate::fsutil::write_atomically(path, text.as_bytes())?;
                applied.statements.last().cloned().into_iter().collect()
            }
        };
        let runner = db::runner::Runner::once(&db, "check --apply");
        match runner.run(&statements).await {
            Ok(_) => {}
            Err(db::retry::Stopped::Failed(e)) => return Err(e.into()),
            Err(db::retry::Stopped::Interrupted) => anyhow::bail!("interrupted"),
        }
        read_back(&db, &items, method, plan.file.as_deref()).await
    })?;
    Ok(Some(applied))
}

/// What an apply of `plan` changes and the statements (or conf lines) it runs: the settings that
/// differ from the advice and have a value to set, narrowed to --setting; the same for the dry
/// run, the terminal's preview and the run. None when nothing applies.
fn planned_apply(
    report: &CheckReport,
    plan: &ApplyPlan,
    dry_run: bool,
) -> anyhow::Result<Option<ApplyReport>> {
    let items: Vec<(String, String)> = applicable(report)
        .into_iter()
        .filter(|(n, _)| plan.names.as_ref().is_none_or(|c| c.iter().any(|x| x == n)))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    if items.is_empty() {
        return Ok(None);
    }
    let method = plan.method;
    let reload = std::iter::once(format!("{};", crate::sql::statement::RELOAD_CONF));
    let (statements, file_changes): (Vec<String>, Vec<String>) = match method {
        ApplyMethod::AlterSystem => (
            items
                .iter()
                .map(|(n, v)| crate::guc::alter_system(n, v))
                .chain(reload)
                .collect(),
            Vec::new(),
        ),
        ApplyMethod::ConfFile => {
            let (text, changes) = conf_file_text(plan.file.as_deref(), &items)?;
            (
                text.lines().map(str::to_string).chain(reload).collect(),
                changes,
            )
        }
    };
    Ok(Some(ApplyReport {
        method,
        dry_run,
        statements,
        file: plan.file.clone(),
        results: Vec::new(),
        file_changes,
        items,
    }))
}

/// The server's postgresql.conf and the directories it includes (`include_dir`, followed through
/// included files), when pgtune can read them; `None` when it cannot tell.
async fn server_includes(db: &Db) -> anyhow::Result<Option<ServerIncludes>> {
    let Some(config) = db::check::config_file(db).await? else {
        tracing::warn!("this role may not see where postgresql.conf is: cannot tell which conf.d directories the server reads");
        return Ok(None);
    };
    let config = PathBuf::from(config);
    let mut dirs = Vec::new();
    let mut included = Vec::new();
    let mut files = vec![config.clone()];
    let mut seen = 0;
    while let Some(file) = files.pop() {
        seen += 1;
        if seen > 20 {
            break;
        }
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) if file == config => {
                tracing::warn!(
                    "cannot read {} ({}): cannot tell which conf.d directories the server reads",
                    config.display(),
                    crate::fsutil::io_reason(&e)
                );
                return Ok(None);
            }
            Err(_) => continue,
        };
        let base = file.parent().unwrap_or(Path::new("/")).to_path_buf();
        for include in crate::guc::conf_includes(&text, &base) {
            match include {
                crate::guc::Include::Dir(d) => dirs.push(d),
                crate::guc::Include::File(f) => {
                    included.push(f.clone());
                    files.push(f);
                }
            }
        }
    }
    Ok(Some(ServerIncludes {
        config,
        dirs,
        files: included,
    }))
}

/// The server's postgresql.conf, the directories it includes and the files it includes.
struct ServerIncludes {
    config: PathBuf,
    dirs: Vec<PathBuf>,
    files: Vec<PathBuf>,
}

/// Why `path` is not a file to write the settings into: the server never reads it, or it is the
/// server's own postgresql.conf (pgtune merges only into a file of its own).
fn not_read_reason(path: &Path, includes: &ServerIncludes) -> Option<String> {
    let ServerIncludes {
        config,
        dirs,
        files,
    } = includes;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let same = |a: &Path, b: &Path| {
        a.canonicalize().unwrap_or_else(|_| a.to_path_buf())
            == b.canonicalize().unwrap_or_else(|_| b.to_path_buf())
    };
    let proposal = dirs
        .first()
        .map(|d| d.join("pgtune.conf"))
        .unwrap_or_else(|| {
            config
                .parent()
                .unwrap_or(Path::new("/"))
                .join("conf.d")
                .join("pgtune.conf")
        });
    if same(&absolute, config) {
        return Some(format!(
            "{} is the server's main configuration file: pgtune writes its settings into a conf.d file of its own; use --write-conf {}",
            path.display(),
            proposal.display()
        ));
    }
    if files.iter().any(|f| same(&absolute, f)) {
        return None;
    }
    let parent = absolute
        .parent()
        .map(|p| p.canonicalize().unwrap_or_else(|_| p.to_path_buf()));
    let read = dirs.iter().any(|d| {
        let d = d.canonicalize().unwrap_or_else(|_| d.clone());
        parent.as_deref() == Some(d.as_path())
    });
    // The server reads only files ending in .conf from an include_dir.
    if read && absolute.extension().is_some_and(|e| e == "conf") {
        return None;
    }
    Some(match dirs.first() {
        Some(dir) => format!(
            "the server does not read {}: {} includes {} (only files ending in .conf); use --write-conf {}",
            path.display(),
            config.display(),
            dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", "),
            dir.join("pgtune.conf").display()
        ),
        None => format!(
            "the server does not read {}: {} includes no directory; add include_dir = 'conf.d' to it, create {}, and use --write-conf {}",
            path.display(),
            config.display(),
            config.parent().unwrap_or(Path::new("/")).join("conf.d").display(),
            config.parent().unwrap_or(Path::new("/")).join("conf.d").join("pgtune.conf").display()
        ),
    })
}

/// `--write-conf PATH`: refused when the server would never read PATH (a setting written there
/// would silently not take effect).
async fn conf_file_not_read(db: &Db, path: &Path) -> anyhow::Result<Option<String>> {
    Ok(server_includes(db)
        .await?
        .and_then(|includes| not_read_reason(path, &includes)))
}

/// The conf.d file as the apply writes it: what it holds now, merged with the chosen settings
/// (nothing an earlier apply or the user wrote is dropped), and a line per setting saying what changed.
fn conf_file_text(
    path: Option<&Path>,
    items: &[(String, String)],
) -> anyhow::Result<(String, Vec<String>)> {
    let existing = match path {
        Some(p) => match std::fs::read_to_string(p) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => bail!(
                "cannot read {}: {}",
                p.display(),
                crate::fsutil::io_reason(&e)
            ),
        },
        None => String::new(),
    };
    let header = format!(
        "# Written by pgtune {} check --apply; pgtune merges into this file and keeps other lines",
        env!("CARGO_PKG_VERSION")
    );
    let (text, changes) = crate::guc::merge_conf(&existing, &header, items);
    let notes = changes
        .into_iter()
        .map(|(name, change)| match change {
            crate::guc::ConfChange::Added => format!("{name}: added"),
            crate::guc::ConfChange::Replaced { was } => format!("{name}: replaces `{was}`"),
            crate::guc::ConfChange::Unchanged => format!("{name}: already so in the file"),
        })
        .collect();
    Ok((text, notes))
}

/// After the reload, what the server runs: polled briefly, as the postmaster re-reads its files
/// asynchronously after pg_reload_conf().
async fn read_back(
    db: &Db,
    items: &[(String, String)],
    method: ApplyMethod,
    file: Option<&Path>,
) -> anyhow::Result<Vec<Applied>> {
    let names: Vec<String> = items.iter().map(|(n, _)| n.clone()).collect();
    let superuser = db::check::privileges(db)
        .await
        .context("reading back the settings")?
        .is_superuser;
    let mut current: HashMap<String, audit::Current> = HashMap::new();
    for _ in 0..20 {
        current = db::check::settings(db, &names, superuser)
            .await
            .context("reading back the settings")?;
        let settled = items.iter().all(|(n, v)| {
            current
                .get(n)
                .is_some_and(|c| audit::same(n, c, v) || c.pending_restart)
        });
        if settled {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(items
        .iter()
        .map(|(n, v)| {
            let c = current.get(n);
            let (outcome, detail) = match c {
                Some(c) if audit::same(n, c, v) => ("in effect", None),
                Some(c) if c.pending_restart => ("waits for restart", Some("restart the server for it to take effect".to_string())),
                Some(c) => (
                    "not in effect",
                    Some(match (method, c.sourcefile.as_deref()) {
                        (ApplyMethod::ConfFile, Some(f)) if f.ends_with("postgresql.auto.conf") => format!(
                            "postgresql.auto.conf (ALTER SYSTEM) sets it and is read after {}: {}",
                            file.map(|p| p.display().to_string()).unwrap_or_default(),
                            crate::sql::statement::alter_system_reset(n)
                        ),
                        (ApplyMethod::ConfFile, _) => format!(
                            "the server did not read {}: is it in an include_dir of postgresql.conf?",
                            file.map(|p| p.display().to_string()).unwrap_or_default()
                        ),
                        (_, Some(f)) => format!("still set by {f}"),
                        _ => format!("still {}", c.display),
                    }),
                ),
                None => ("not in effect", Some("the server has no such setting".into())),
            };
            Applied {
                name: n.clone(),
                value: v.clone(),
                outcome: outcome.into(),
                detail,
            }
        })
        .collect())
}

#[cfg(test)]
mod apply_tests {
    use super::*;
    use crate::health::audit::{Apply, SettingAudit};
    use crate::model::Report;

    fn audit(
        name: &str,
        current: &str,
        recommended: Option<&str>,
        verdict: Verdict,
    ) -> SettingAudit {
        SettingAudit {
            name: name.into(),
            current: current.into(),
            recommended: recommended.map(String::from),
            verdict,
            status: if verdict == Verdict::Ok {
                Status::Ok
            } else {
                Status::Warning
            },
            apply: Apply::Reload,
            source: "default".into(),
            location: None,
            set_by_alter_system: false,
            pending_restart: false,
            reason: String::new(),
        }
    }

    fn report(settings: Vec<SettingAudit>) -> CheckReport {
        CheckReport {
            server: "socket".into(),
            server_version: "16.4".into(),
            inputs: None,
            profile: "default".into(),
            detected: vec![],
            notes: vec![],
            settings,
            config_file_errors: vec![],
            health: vec![],
            apply: None,
            status: Status::Warning,
            alter_system_refused: None,
            alter_system_refusal: None,
        }
    }

    fn plan(names: &[&str], file: Option<&Path>) -> ApplyPlan {
        ApplyPlan {
            names: (!names.is_empty()).then(|| names.iter().map(|n| n.to_string()).collect()),
            method: if file.is_some() {
                ApplyMethod::ConfFile
            } else {
                ApplyMethod::AlterSystem
            },
            file: file.map(Path::to_path_buf),
        }
    }

    fn sample() -> CheckReport {
        report(vec![
            audit("shared_buffers", "128MB", Some("4GB"), Verdict::Differs),
            audit("work_mem", "4MB", Some("4MB"), Verdict::Ok),
            audit("fsync", "off", Some("on"), Verdict::Risky),
            // Differs, with nothing to set it to: named, never applied.
            audit("max_connections", "1000", None, Verdict::Differs),
        ])
    }

    #[test]
    fn what_differs_and_has_a_value_is_applied_then_reloaded() {
        let applied = planned_apply(&sample(), &plan(&[], None), true)
            .unwrap()
            .unwrap();
        assert_eq!(
            applied.statements,
            [
                "ALTER SYSTEM SET shared_buffers = '4GB';",
                "ALTER SYSTEM SET fsync = 'on';",
                "SELECT pg_reload_conf();"
            ]
        );
        assert!(applied.dry_run);
        assert_eq!(
            applied.names().collect::<Vec<_>>(),
            ["shared_buffers", "fsync"]
        );
    }

    #[test]
    fn setting_narrows_and_an_applied_setting_in_effect_no_longer_counts() {
        let mut r = sample();
        let applied = planned_apply(&r, &plan(&["fsync"], None), false)
            .unwrap()
            .unwrap();
        assert_eq!(applied.names().collect::<Vec<_>>(), ["fsync"]);
        // Nothing applicable among the settings named: nothing to do.
        assert!(planned_apply(&r, &plan(&["work_mem"], None), false)
            .unwrap()
            .is_none());
        let result = |name: &str, outcome: &str| Applied {
            name: name.into(),
            value: "on".into(),
            outcome: outcome.into(),
            detail: None,
        };
        r.apply = Some(ApplyReport {
            results: vec![result("fsync", "in effect")],
            ..applied
        });
        // fsync fixed; shared_buffers and max_connections still differ (warnings).
        assert_eq!(r.setting_status(&r.settings[2]), Status::Ok);
        assert_eq!(r.status(), Status::Warning);
        r.settings.retain(|s| s.name == "fsync");
        assert_eq!(r.status(), Status::Ok);
        // One that waits for a restart keeps the run at a warning.
        r.apply.as_mut().unwrap().results = vec![result("fsync", "waits for restart")];
        assert_eq!(r.status(), Status::Warning);
    }

    #[test]
    fn a_conf_file_is_merged_and_its_changes_said() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pgtune.conf");
        std::fs::write(
            &path,
            "# ours\nshared_buffers = 1GB\nlog_min_duration_statement = 1s\n",
        )
        .unwrap();
        let applied = planned_apply(&sample(), &plan(&[], Some(&path)), true)
            .unwrap()
            .unwrap();
        let text = applied.statements.join("\n");
        assert!(text.contains("shared_buffers = 4GB"), "{text}");
        assert!(text.contains("log_min_duration_statement = 1s"), "{text}");
        assert!(!text.contains("shared_buffers = 1GB"), "{text}");
        assert_eq!(
            applied.statements.last().unwrap(),
            "SELECT pg_reload_conf();"
        );
        assert_eq!(
            applied.file_changes,
            [
                "shared_buffers: replaces `shared_buffers = 1GB`",
                "fsync: added"
            ]
        );
        // The dry run wrote nothing.
        assert!(std::fs::read_to_string(&path)
            .unwrap()
            .contains("shared_buffers = 1GB"));
    }
}
