//! `pgtune config`: postgresql.conf settings for a machine and workload. PGTune's values exactly, then
//! what pgtune adds in a separate section. Needs no database; with a connection it takes the version,
//! OS and data size from the server and checks every proposed value against its `pg_settings`.

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use super::tuning::{self, Resolved};
use crate::cli::ConfigArgs;
use crate::context::Context;
use crate::db::{self, config::ServerFacts};
use crate::model::config::ConfigReport;
use crate::model::Report;
use crate::outcome::Status;
use crate::render;
use crate::tune::beyond::{self, ServerSetting};
use crate::tune::{self, Value};

/// What a connected server told us.
struct Server {
    name: String,
    local: bool,
    facts: ServerFacts,
    db: db::Db,
}

/// `pgtune config` on the command line: the snippet on stdout, or written whole to --output.
pub fn print(ctx: &Context, args: &ConfigArgs, out: &mut dyn Write) -> anyhow::Result<Status> {
    let format = render::format_for::<ConfigReport>(ctx.output.format, "config")?;
    let report = run(ctx, args)?;
    let mut text = Vec::new();
    render::emit(&report, format, &ctx.style(), &mut text)?;
    match &args.output {
        Some(path) => crate::fsutil::write_atomically(path, &text)?,
        None => out.write_all(&text)?,
    }
    Ok(report.status())
}

pub fn run(ctx: &Context, args: &ConfigArgs) -> anyhow::Result<ConfigReport> {
    // Validate every flag before connecting anywhere.
    tuning::Flags::parse(&args.tune)?;
    tuning::load_profile(&args.tune)?;
    let connect = args.connect || ctx.conn.any_given();

    let rt;
    let server = if connect {
        let target = ctx.target()?;
        let opts = ctx.read_only_within(Duration::from_secs(10));
        rt = Some(db::runtime()?);
        let rt = rt.as_ref().expect("just set");
        Some(rt.block_on(async {
            let db = db::connect(&target, &opts).await?;
            let facts = db::config::server(&db).await?;
            anyhow::Ok(Server {
                name: db.server.clone(),
                local: db.is_local(),
                facts,
                db,
            })
        })?)
    } else {
        rt = None;
        None
    };

    let view = server.as_ref().map(|s| tuning::ServerView {
        name: &s.name,
        facts: &s.facts,
    });
    let remote = server.as_ref().filter(|s| !s.local).map(|s| s.name.clone());
    let mut hardware_from_here = false;
    let Resolved {
        inputs,
        profile,
        detected,
        mut notes,
    } = tuning::resolve(&args.tune, view, || {
        hardware_from_here = true;
        Ok(tuning::this_machine())
    })?;
    if let (Some(name), true) = (remote, hardware_from_here) {
        notes.push(format!(
            "memory and CPUs were detected on this machine, not on the server at {name}: give --memory and --cpus for the server's"
        ));
    }
    let mut advice = tune::Advice::new(
        &inputs,
        &profile.name,
        &profile.settings,
        args.pgtune_compat,
    );
    let mut server_settings: Option<HashMap<String, ServerSetting>> = None;
    if !args.pgtune_compat {
        if let (Some(server), Some(rt)) = (&server, &rt) {
            let settings = rt.block_on(db::config::settings(&server.db, &advice.names()))?;
            advice.judge(&settings);
            server_settings = Some(settings);
        }
    }
    let tune::Advice {
        core,
        additions,
        rejected,
    } = advice;

    let mut report = ConfigReport {
        profile: profile.name.clone(),
        profile_description: profile.description.clone(),
        detected,
        warnings: core.warnings.clone(),
        core: core.settings,
        additions,
        rejected,
        restart: Vec::new(),
        notes,
        server: server.as_ref().map(|s| {
            format!(
                "{} (PostgreSQL {}.{})",
                s.name,
                s.facts.version_num / 10000,
                s.facts.version_num % 10000
            )
        }),
        pgtune_compat: args.pgtune_compat,
        inputs,
    };
    report.restart = report
        .effective()
        .iter()
        .filter(|s| beyond::needs_restart(&s.name, report.inputs.version, server_settings.as_ref()))
        .map(|s| s.name.clone())
        .collect();
    if let Some(server) = &server {
        if !args.pgtune_compat {
            if let Some(note) = huge_pages_note(&report, &server.facts) {
                report.notes.push(note);
            }
        }
    }

    Ok(report)
}

/// vm.nr_hugepages for the proposed shared_buffers, from the server's own shared memory figures
/// (PostgreSQL 15+): its current shared memory, less its current shared_buffers, plus ours.
fn huge_pages_note(report: &ConfigReport, facts: &ServerFacts) -> Option<String> {
    let (shm, needed_now) = (facts.shared_memory_bytes?, facts.huge_pages_needed?);
    let effective = report.effective();
    let proposed_sb = effective
        .iter()
        .find(|s| s.name == "shared_buffers")
        .and_then(|s| match s.value {
            Value::Kb(kb) => Some(kb as i64 * 1024),
            _ => None,
        })?;
    let huge_pages = effective
        .iter()
        .find(|s| s.name == "huge_pages")
        .map(|s| s.value.render());
    if huge_pages.as_deref() == Some("off") {
        return None;
    }
    let page = match facts.huge_page_size_bytes {
        Some(b) if b > 0 => b,
        _ => host_huge_page_size().unwrap_or(2 * 1024 * 1024),
    };
    let estimate = shm - facts.shared_buffers_bytes + proposed_sb;
    let pages = (estimate + page - 1) / page;
    Some(format!(
        "vm.nr_hugepages = {pages}: shared_buffers of {} needs about {} of shared memory, in {} huge pages \
         (the server reports {needed_now} pages for its current {} of shared_buffers); set it in /etc/sysctl.d/ before the restart",
        crate::units::format_bytes(proposed_sb),
        crate::units::format_bytes(estimate),
        crate::units::format_bytes(page),
        crate::units::format_bytes(facts.shared_buffers_bytes),
    ))
}

fn host_huge_page_size() -> Option<i64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb: i64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("Hugepagesize:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb * 1024)
}
