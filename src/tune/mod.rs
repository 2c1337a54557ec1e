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
