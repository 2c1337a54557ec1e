//! `pgtune config`: postgresql.conf settings for a machine and workload. PGTune's values exactly, then
//! what pgtune adds in a separate section. Needs no database; with a connection it takes the version,
//! OS and data size from the server and checks every proposed value against its `pg_settings`.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use serde::Serialize;

use crate::cli::{Cli, ConfigArgs, Format};
use crate::db::{self, config::ServerFacts, ConnectOptions};
use crate::outcome::Status;
use crate::profile::{self, Profile};
use crate::tune::beyond::{self, Rejection, ServerSetting};
use crate::tune::{self, DataSize, Inputs, Os, Setting, Storage, Value, Workload};
use crate::{guc, host, render};

/// An input pgtune found out rather than was told, and from where.
#[derive(Debug, Clone, Serialize)]
pub struct Fact {
    pub input: &'static str,
    pub value: String,
    pub source: String,
}

#[derive(Debug)]
pub struct ConfigReport {
    pub inputs: Inputs,
    pub profile: String,
    pub detected: Vec<Fact>,
    /// PGTune's warnings, as groups of lines.
    pub warnings: Vec<Vec<String>>,
    /// PGTune's settings, unchanged.
    pub core: Vec<Setting>,
    /// pgtune's additions: our rules, the profile's settings, the server's substitutes.
    pub additions: Vec<Setting>,
    /// Values the server would refuse, left out.
    pub rejected: Vec<Rejection>,
    /// Settings in effect whose change needs a restart.
    pub restart: Vec<String>,
    pub notes: Vec<String>,
    /// The server the values were checked against.
    pub server: Option<String>,
    pub pgtune_compat: bool,
}

impl ConfigReport {
    /// The settings in effect, in order.
    pub fn effective(&self) -> Vec<&Setting> {
        beyond::effective(&self.core, &self.additions)
            .into_iter()
            .filter(|s| {
                !self
                    .rejected
                    .iter()
                    .any(|r| r.name == s.name && r.value == s.value.render())
            })
            .collect()
    }
}

/// What a connected server told us.
struct Server {
    name: String,
    local: bool,
    facts: ServerFacts,
    db: db::Db,
}

pub fn run(cli: &Cli, args: &ConfigArgs, out: &mut impl Write) -> anyhow::Result<Status> {
    let format = render::choose_format(
        cli.output.format,
        &[Format::Conf, Format::Sql, Format::Json],
        "config",
    )?;
    let flags = Flags::parse(args)?;
    let profile = match &args.profile {
        Some(spec) => profile::load(spec)?,
        None => profile::builtin(args.workload.unwrap_or(Workload::Web).name())?,
    };
    let connect = args.connect || cli.conn.any_given();

    let rt;
    let server = if connect {
        let target = super::connect_target(cli)?;
        let opts = ConnectOptions {
            read_only: true,
            prompt: super::prompt_mode(cli),
            settings: db::read_only_settings(Duration::from_secs(10)),
        };
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

    let mut notes = Vec::new();
    let (inputs, detected) = resolve_inputs(&flags, args, &profile, server.as_ref(), &mut notes)?;
    let core = tune::pgtune::recommend(&inputs);
    let mut additions = Vec::new();
    let mut rejected = Vec::new();
    let mut server_settings: Option<HashMap<String, ServerSetting>> = None;
    if !args.pgtune_compat {
        additions = beyond::additions(&core, &profile.name, &profile.settings);
        if let (Some(server), Some(rt)) = (&server, &rt) {
            let names: Vec<String> = beyond::effective(&core.settings, &additions)
                .iter()
                .map(|s| s.name.clone())
                .collect();
            let settings = rt.block_on(db::config::settings(&server.db, &names))?;
            let (replaced, refused) = beyond::check_against_server(
                &beyond::effective(&core.settings, &additions),
                &settings,
            );
            additions.extend(replaced);
            rejected = refused;
            server_settings = Some(settings);
        }
    }

    let mut report = ConfigReport {
        profile: profile.name.clone(),
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

    let mut text = Vec::new();
    match format {
        Format::Json => render::config::json(&report, &mut text)?,
        Format::Sql => render::config::sql(&report, &mut text)?,
        _ => render::config::conf(&report, &mut text)?,
    }
    match &args.output {
        Some(path) => write_atomically(path, &text)?,
        None => out.write_all(&text)?,
    }
    Ok(Status::Ok)
}

/// The numeric flags, validated: each bad value is one line naming the flag and what it accepts.
struct Flags {
    memory_kb: Option<u64>,
    cpus: Option<u64>,
    connections: Option<u64>,
    pg_version: Option<u32>,
}

impl Flags {
    fn parse(args: &ConfigArgs) -> anyhow::Result<Flags> {
        let count = |v: &Option<String>, flag: &str| -> anyhow::Result<Option<u64>> {
            let Some(v) = v else { return Ok(None) };
            match v.trim().parse::<u64>() {
                Ok(n) if (1..=999_999).contains(&n) => Ok(Some(n)),
                _ => bail!("invalid {flag} \"{v}\": expected a whole number from 1 to 999999"),
            }
        };
        let memory_kb = match &args.memory {
            None => None,
            Some(m) => Some(
                guc::parse_memory_kb(m)
                    .map_err(|e| anyhow::anyhow!("invalid --memory \"{m}\": {e}"))?,
            ),
        };
        if let Some(kb) = memory_kb {
            if kb > 999_999 * 1024 * 1024 * 1024 {
                bail!(
                    "invalid --memory \"{}\": at most 999999TB",
                    args.memory.as_deref().unwrap_or("")
                );
            }
        }
        let pg_version = match &args.pg_version {
            None => None,
            Some(v) => match v.trim().parse::<u32>() {
                Ok(n) if (tune::MIN_VERSION..=tune::MAX_VERSION).contains(&n) => Some(n),
                _ => bail!(
                    "invalid --pg-version \"{v}\": expected a major version from {} to {}",
                    tune::MIN_VERSION,
                    tune::MAX_VERSION
                ),
            },
        };
        Ok(Flags {
            memory_kb,
            cpus: count(&args.cpus, "--cpus")?,
            connections: count(&args.connections, "--connections")?,
            pg_version,
        })
    }
}

/// Each input from the first source that has it: flag, profile, server, this host, PGTune's default.
fn resolve_inputs(
    flags: &Flags,
    args: &ConfigArgs,
    profile: &Profile,
    server: Option<&Server>,
    notes: &mut Vec<String>,
) -> anyhow::Result<(Inputs, Vec<Fact>)> {
    let mut detected = Vec::new();
    let p = &profile.inputs;
    let root = Path::new("/");
    let remote = server.is_some_and(|s| !s.local);

    let memory_kb = match flags.memory_kb.or(p.memory_kb) {
        Some(m) => m,
        None => {
            let d = host::memory_kb(root)
                .context("cannot detect this machine's memory: give --memory")?;
            let rounded = round_detected_memory(d.value);
            detected.push(Fact {
                input: "memory",
                value: render::config::memory_label(rounded),
                source: format!(
                    "{} of {}",
                    crate::units::format_bytes(d.value as i64 * 1024),
                    d.source
                ),
            });
            rounded
        }
    };
    let cpus = match flags.cpus.or(p.cpus) {
        Some(c) => Some(c),
        None => host::cpus(root).map(|d| {
            detected.push(Fact {
                input: "cpus",
                value: d.value.to_string(),
                source: d.source,
            });
            d.value
        }),
    };
    if remote && (flags.memory_kb.or(p.memory_kb).is_none() || flags.cpus.or(p.cpus).is_none()) {
        notes.push(format!(
            "memory and CPUs were detected on this machine, not on the server at {}: give --memory and --cpus for the server's",
            server.map(|s| s.name.as_str()).unwrap_or_default()
        ));
    }

    // A profile that pins max_connections computes work_mem for that many connections.
    let pinned_connections = profile
        .settings
        .iter()
        .find(|s| s.name == "max_connections")
        .and_then(|s| s.value.parse::<u64>().ok());
    let connections = flags.connections.or(p.connections).or(pinned_connections);

    let version = match flags.pg_version.or(p.pg_version) {
        Some(v) => {
            if let Some(s) = server.filter(|s| (s.facts.version_num / 10000) as u32 != v) {
                notes.push(format!(
                    "tuned for PostgreSQL {v}, but the server at {} runs {}: settings it does not know are left out",
                    s.name,
                    s.facts.version_num / 10000
                ));
            }
            v
        }
        None => {
            let (found, source) = match server {
                Some(s) => (
                    Some((s.facts.version_num / 10000) as u32),
                    format!("the server at {}", s.name),
                ),
                None => (host::pg_config_version(), "pg_config --version".to_string()),
            };
            match found {
                Some(v) if v < tune::MIN_VERSION => {
                    bail!("{source} says PostgreSQL {v}; pgtune config supports {} to {}: give --pg-version", tune::MIN_VERSION, tune::MAX_VERSION)
                }
                Some(v) => {
                    let used = v.min(tune::MAX_VERSION);
                    if used != v {
                        notes.push(format!(
                            "PostgreSQL {v} is newer than PGTune knows: tuned as {used}"
                        ));
                    }
                    detected.push(Fact {
                        input: "pg_version",
                        value: v.to_string(),
                        source,
                    });
                    used
                }
                None => tune::MAX_VERSION,
            }
        }
    };

    let os = match args.os.or(p.os) {
        Some(os) => os,
        None => {
            let (os, source) =
                match server.and_then(|s| os_of(&s.facts.version_string).map(|os| (os, &s.name))) {
                    Some((os, name)) => (os, format!("the server at {name}")),
                    None => (this_os(), "this machine".to_string()),
                };
            detected.push(Fact {
                input: "os",
                value: os.name().into(),
                source,
            });
            os
        }
    };

    let data_size = match args.data_size.or(p.data_size) {
        Some(d) => d,
        None => match server.and_then(|s| s.facts.databases_bytes.map(|b| (b, &s.name))) {
            Some((bytes, name)) => {
                let ram = memory_kb as f64 * 1024.0;
                let size = if (bytes as f64) < ram {
                    DataSize::LessThanRam
                } else if (bytes as f64) <= 3.0 * ram {
                    DataSize::RamTo3x
                } else {
                    DataSize::MoreThan3x
                };
                detected.push(Fact {
                    input: "data_size",
                    value: size.name().into(),
                    source: format!(
                        "{} of databases on the server at {name}",
                        crate::units::format_bytes(bytes)
                    ),
                });
                size
            }
            None => DataSize::RamTo3x,
        },
    };

    let inputs = Inputs {
        version,
        os,
        workload: args.workload.unwrap_or(profile.workload),
        memory_kb,
        cpus,
        connections,
        storage: args.storage.or(p.storage).unwrap_or(Storage::Ssd),
        data_size,
    };
    Ok((inputs, detected))
}

/// The kernel reports a little less than the installed RAM (it keeps some for itself), and PGTune's
/// values read best for whole sizes: the nearest whole GB from 2GB up, else whole MB below.
fn round_detected_memory(kb: u64) -> u64 {
    const MB: u64 = 1024;
    const GB: u64 = 1024 * 1024;
    if kb >= 2 * GB {
        (kb + GB / 2) / GB * GB
    } else {
        (kb / MB).max(1) * MB
    }
}

/// The OS in `version()`: "... on x86_64-pc-linux-gnu, compiled by ...".
fn os_of(version: &str) -> Option<Os> {
    let v = version.to_ascii_lowercase();
    if v.contains("linux") {
        Some(Os::Linux)
    } else if v.contains("darwin") || v.contains("apple") {
        Some(Os::Mac)
    } else if v.contains("mingw") || v.contains("windows") || v.contains("visual c++") {
        Some(Os::Windows)
    } else {
        None
    }
}

fn this_os() -> Os {
    if cfg!(target_os = "macos") {
        Os::Mac
    } else if cfg!(windows) {
        Os::Windows
    } else {
        Os::Linux
    }
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

/// Writes through a temporary file in the same directory and renames it into place, so a reader never
/// sees half a file and a failure leaves the old one untouched.
fn write_atomically(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".pgtune-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.write_all(contents)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    // The server must be able to read a conf.d file: keep an existing file's mode, else 0644.
    let mode = std::fs::metadata(path)
        .map(|m| m.permissions().mode())
        .unwrap_or(0o644);
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))?;
    tmp.persist(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    tracing::info!("wrote {}", path.display());
    Ok(())
}
