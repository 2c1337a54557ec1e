//! The tuning engine. Pure: inputs (hardware, workload, version) and a profile in, advice out; no IO.
//! `pgtune` reproduces PGTune's algorithm exactly; `beyond` adds what PGTune leaves out, always as
//! separate, labelled settings that never alter a core value in place.

pub mod beyond;
pub mod pgtune;

use serde::Serialize;

/// The workload presets PGTune knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Workload {
    /// Web application: many short queries
    Web,
    /// Online transaction processing
    Oltp,
    /// Data warehouse: few, large analytical queries
    Dw,
    /// A developer's machine
    Desktop,
    /// Mixed web and analytics
    Mixed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Storage {
    Ssd,
    Hdd,
    San,
    Nvme,
}

/// Total data size relative to RAM (PGTune's "Total Data Size").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum DataSize {
    /// The data fits in RAM
    LessThanRam,
    /// Between one and three times RAM
    // The documented spelling, in flags, profiles and JSON alike; clap and serde would derive
    // "ram-to3x" (kept as an alias for whoever typed it).
    #[value(name = "ram-to-3x", alias = "ram-to3x")]
    #[serde(rename = "ram-to-3x", alias = "ram-to3x")]
    RamTo3x,
    /// More than three times RAM
    #[value(name = "more-than-3x", alias = "more-than3x")]
    #[serde(rename = "more-than-3x", alias = "more-than3x")]
    MoreThan3x,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    Linux,
    Windows,
    Mac,
}

macro_rules! names {
    ($ty:ty { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $ty {
            pub fn name(self) -> &'static str {
                match self { $(Self::$variant => $name),* }
            }
        }
    };
}
names!(Workload { Web => "web", Oltp => "oltp", Dw => "dw", Desktop => "desktop", Mixed => "mixed" });
names!(Storage { Ssd => "ssd", Hdd => "hdd", San => "san", Nvme => "nvme" });
names!(DataSize { LessThanRam => "less-than-ram", RamTo3x => "ram-to-3x", MoreThan3x => "more-than-3x" });
names!(Os { Linux => "linux", Windows => "windows", Mac => "mac" });

/// Oldest and newest major versions PGTune (and so the engine) knows.
pub const MIN_VERSION: u32 = 10;
pub const MAX_VERSION: u32 = 18;

/// Everything the algorithm depends on, resolved (flags, profile, detection, defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inputs {
    pub version: u32,
    pub os: Os,
    pub workload: Workload,
    pub memory_kb: u64,
    pub cpus: Option<u64>,
    pub connections: Option<u64>,
    pub storage: Storage,
    pub data_size: DataSize,
}

/// A setting's value as PGTune would print it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// A memory size in kB, printed in the largest unit that divides it exactly (`4GB`, `20164kB`).
    Kb(u64),
    Int(u64),
    Text(String),
}

impl Value {
    pub fn text(s: &str) -> Value {
        Value::Text(s.to_string())
    }

    /// PGTune's `formatValue`: no rounding, only exact larger units.
    pub fn render(&self) -> String {
        match self {
            Value::Kb(kb) if kb % (1024 * 1024) == 0 => format!("{}GB", kb / (1024 * 1024)),
            Value::Kb(kb) if kb % 1024 == 0 => format!("{}MB", kb / 1024),
            Value::Kb(kb) => format!("{kb}kB"),
            Value::Int(n) => n.to_string(),
            Value::Text(s) => s.clone(),
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render())
    }
}

/// Where a setting in the advice comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// PGTune's algorithm, byte-identical.
    Core,
    /// pgtune's own rule beyond PGTune.
    Pgtune,
    /// The profile pins or adds it.
    Profile,
    /// The connected server rejects the value we would propose; this is its substitute.
    Server,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Setting {
    pub name: String,
    pub value: Value,
    pub origin: Origin,
    /// One line on why this value.
    pub reason: String,
}

/// PGTune's advice: warnings as groups of lines, settings in PGTune's emission order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Core {
    pub warnings: Vec<Vec<String>>,
    pub settings: Vec<Setting>,
}

/// The whole advice for a server, the one pipeline `config` and `check` share: PGTune's core
/// settings, ours and the profile's as additions, then (when a server is known) judged against its
/// `pg_settings`: a value it would refuse replaced or left out, with why.
#[derive(Debug, Clone)]
pub struct Advice {
    pub core: Core,
    pub additions: Vec<Setting>,
    pub rejected: Vec<beyond::Rejection>,
}

impl Advice {
    /// PGTune's settings for `inputs`, and unless `pgtune_compat` what pgtune adds.
    pub fn new(
        inputs: &Inputs,
        profile_name: &str,
        profile_settings: &[beyond::ProfileSetting],
        pgtune_compat: bool,
    ) -> Advice {
        let core = pgtune::recommend(inputs);
        let additions = if pgtune_compat {
            Vec::new()
        } else {
            beyond::additions(&core, profile_name, profile_settings)
        };
        Advice {
            core,
            additions,
            rejected: Vec::new(),
        }
    }

    /// The settings whose server facts `judge` needs.
    pub fn names(&self) -> Vec<String> {
        self.effective().iter().map(|s| s.name.clone()).collect()
    }

    /// Judged against the server's settings: replacements join the additions, refusals are kept.
    pub fn judge(&mut self, server: &std::collections::HashMap<String, beyond::ServerSetting>) {
        let (replaced, rejected) = beyond::check_against_server(&self.effective(), server);
        self.additions.extend(replaced);
        self.rejected = rejected;
    }

    /// Every setting in effect: a later one of the same name replaces an earlier.
    pub fn effective(&self) -> Vec<&Setting> {
        beyond::effective(&self.core.settings, &self.additions)
    }

    /// What to recommend: the settings in effect but those the server refused.
    pub fn recommended(&self) -> Vec<&Setting> {
        beyond::recommended(&self.core.settings, &self.additions, &self.rejected)
    }
}

#[cfg(test)]
mod advice_tests {
    use super::*;

    fn inputs() -> Inputs {
        Inputs {
            version: 16,
            os: Os::Linux,
            workload: Workload::Oltp,
            memory_kb: 16 * 1024 * 1024,
            cpus: Some(8),
            connections: None,
            storage: Storage::Ssd,
            data_size: DataSize::RamTo3x,
        }
    }

    #[test]
    fn pgtune_compat_is_pgtune_alone() {
        let advice = Advice::new(&inputs(), "default", &[], true);
        assert!(advice.additions.is_empty());
        assert_eq!(advice.effective().len(), advice.core.settings.len());
    }

    #[test]
    fn a_setting_the_server_lacks_is_rejected_and_not_recommended() {
        let mut advice = Advice::new(&inputs(), "default", &[], false);
        let names = advice.names();
        let (missing, known) = names.split_first().unwrap();
        let server = known
            .iter()
            .map(|n| {
                (
                    n.clone(),
                    beyond::ServerSetting {
                        vartype: "string".into(),
                        unit: None,
                        min_val: None,
                        max_val: None,
                        enumvals: None,
                        context: "sighup".into(),
                        setting: None,
                    },
                )
            })
            .collect();
        advice.judge(&server);
        assert_eq!(
            advice.rejected.iter().map(|r| &r.name).collect::<Vec<_>>(),
            [missing]
        );
        let recommended: Vec<&str> = advice
            .recommended()
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert!(!recommended.contains(&missing.as_str()));
        assert_eq!(recommended.len(), names.len() - 1);
    }
}
