//! The tuning inputs of `config` and `check`, resolved the same way for both: each from the first
//! source that has it (flag, profile, server, hardware detection, PGTune's default), recording what was
//! detected and from where. The commands differ only in where hardware facts come from, which they
//! pass in.

use anyhow::bail;

use crate::cli::TuneArgs;
use crate::db::config::ServerFacts;
use crate::guc;
use crate::host::{self, Detected};
pub use crate::model::config::Fact;
use crate::profile::{self, Profile};
use crate::tune::{self, DataSize, Inputs, Os, Storage, Workload};

/// Memory and CPUs of the server's machine, from wherever the command could learn them.
#[derive(Debug, Clone, Default)]
pub struct Hardware {
    pub memory_kb: Option<Detected>,
    pub cpus: Option<Detected>,
}

/// The connected server, as input resolution sees it.
pub struct ServerView<'a> {
    pub name: &'a str,
    pub facts: &'a ServerFacts,
}

pub struct Resolved {
    pub inputs: Inputs,
    pub profile: Profile,
    pub detected: Vec<Fact>,
    pub notes: Vec<String>,
}

/// The numeric flags, validated: each bad value is one line naming the flag and what it accepts.
pub struct Flags {
    memory_kb: Option<u64>,
    cpus: Option<u64>,
    connections: Option<u64>,
    pg_version: Option<u32>,
}

impl Flags {
    pub fn parse(args: &TuneArgs) -> anyhow::Result<Flags> {
        let count = |v: &Option<String>, flag: &str| -> anyhow::Result<Option<u64>> {
            let Some(v) = v else { return Ok(None) };
            match v.trim().parse::<u64>() {
                Ok(n) if (1..=999_999).contains(&n) => Ok(Some(n)),
                _ => bail!("invalid {flag} \"{v}\": expected a whole number from 1 to 999999"),
            }
        };
        let memory_kb = match &args.memory {
            None => None,
            Some(m) => {
                let kb = guc::parse_memory_kb(m)
                    .map_err(|e| anyhow::anyhow!("invalid --memory \"{m}\": {e}"))?;
                if kb > 999_999 * 1024 * 1024 * 1024 {
                    bail!("invalid --memory \"{m}\": at most 999999TB");
                }
                Some(kb)
            }
        };
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

/// The profile named by `--profile`, else the workload's own.
pub fn load_profile(args: &TuneArgs) -> anyhow::Result<Profile> {
    Ok(match &args.using.profile {
        Some(spec) => profile::load(spec)?,
        None => profile::builtin(args.workload.unwrap_or(Workload::Web).name())?,
    })
}

/// Resolves every input. `hardware` is asked only when memory or CPUs were neither given as flags nor
/// in the profile.
pub fn resolve(
    args: &TuneArgs,
    server: Option<ServerView>,
    hardware: impl FnOnce() -> anyhow::Result<Hardware>,
) -> anyhow::Result<Resolved> {
    let flags = Flags::parse(args)?;
    let profile = load_profile(args)?;
    let mut detected = Vec::new();
    let mut notes = Vec::new();
    let p = &profile.inputs;

    let (given_memory, given_cpus) = (flags.memory_kb.or(p.memory_kb), flags.cpus.or(p.cpus));
    let hw = if given_memory.is_none() || given_cpus.is_none() {
        hardware()?
    } else {
        Hardware::default()
    };
    let memory_kb = match (given_memory, hw.memory_kb) {
        (Some(m), _) => m,
        (None, Some(d)) => {
            let rounded = round_detected_memory(d.value);
            detected.push(Fact {
                input: "memory",
                value: crate::render::config::memory_label(rounded),
                source: format!(
                    "{} of {}",
                    crate::units::format_bytes(d.value as i64 * 1024),
                    d.source
                ),
            });
            rounded
        }
        (None, None) => bail!("cannot tell how much memory the server has: give --memory"),
    };
    let cpus = match (given_cpus, hw.cpus) {
        (Some(c), _) => Some(c),
        (None, Some(d)) => {
            detected.push(Fact {
                input: "cpus",
                value: d.value.to_string(),
                source: d.source,
            });
            Some(d.value)
        }
        (None, None) => None,
    };

    // A profile that pins max_connections computes work_mem for that many connections.
    let pinned_connections = profile
        .settings
        .iter()
        .find(|s| s.name == "max_connections")
        .and_then(|s| s.value.parse::<u64>().ok());
    let connections = flags.connections.or(p.connections).or(pinned_connections);

    let server_major = server
        .as_ref()
        .map(|s| (s.facts.version_num / 10000) as u32);
    let version = match flags.pg_version.or(p.pg_version) {
        Some(v) => {
            if let (Some(s), Some(major)) = (&server, server_major.filter(|m| *m != v)) {
                notes.push(format!(
                    "tuned for PostgreSQL {v}, but the server at {} runs {major}: settings it does not know are left out",
                    s.name
                ));
            }
            v
        }
        None => {
            let (found, source) = match &server {
                Some(s) => (server_major, format!("the server at {}", s.name)),
                None => (host::pg_config_version(), "pg_config --version".to_string()),
            };
            match found {
                Some(v) if v < tune::MIN_VERSION => bail!(
                    "{source} says PostgreSQL {v}; pgtune supports {} to {}: give --pg-version",
                    tune::MIN_VERSION,
                    tune::MAX_VERSION
                ),
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
            let (os, source) = match server
                .as_ref()
                .and_then(|s| os_of(&s.facts.version_string).map(|os| (os, s.name)))
            {
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
        None => match server
            .as_ref()
            .and_then(|s| s.facts.databases_bytes.map(|b| (b, s.name)))
        {
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
    Ok(Resolved {
        inputs,
        profile,
        detected,
        notes,
    })
}

/// Memory and CPUs of the machine pgtune runs on.
pub fn this_machine() -> Hardware {
    let root = std::path::Path::new("/");
    Hardware {
        memory_kb: host::memory_kb(root),
        cpus: host::cpus(root),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detected_memory_rounds_to_whole_sizes() {
        assert_eq!(round_detected_memory(24_684_084), 24 * 1024 * 1024);
        assert_eq!(round_detected_memory(16_000_000), 15 * 1024 * 1024);
        assert_eq!(round_detected_memory(1_000_000), 976 * 1024);
    }

    #[test]
    fn server_os_from_version_string() {
        assert_eq!(
            os_of("PostgreSQL 15.18 (Debian) on x86_64-pc-linux-gnu, compiled by gcc"),
            Some(Os::Linux)
        );
        assert_eq!(
            os_of("PostgreSQL 16.2 on aarch64-apple-darwin23.2.0, compiled by Apple clang"),
            Some(Os::Mac)
        );
        assert_eq!(
            os_of("PostgreSQL 17.0, compiled by Visual C++ build 1940, 64-bit"),
            Some(Os::Windows)
        );
        assert_eq!(os_of("PostgreSQL 17.0 on x86_64-unknown-freebsd14.0"), None);
    }
}
