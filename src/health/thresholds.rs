//! Health-check thresholds: one table of names, units and defaults that feeds the defaults, the
//! `--threshold NAME=WARN[,CRIT]` flag, the profile's `[check]` section and the README.

use std::collections::HashMap;

use crate::guc;
use crate::outcome::Status;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A duration: `30s`, `5min`, `1h` (PostgreSQL's time units; a bare number is seconds).
    Seconds,
    /// A size: `1GB`, `100MB` (PostgreSQL's memory units; a bare number is bytes).
    Bytes,
    /// A fraction from 0 to 1, or a percentage: `0.95` or `95%`.
    Ratio,
    /// A plain number.
    Count,
}

#[derive(Debug)]
pub struct Def {
    pub name: &'static str,
    /// The check (or report) it judges: `--threshold` takes this name too (`lock_waits=1min`).
    pub check: &'static str,
    pub kind: Kind,
    pub warning: f64,
    pub critical: Option<f64>,
    /// A value below the threshold is the bad side (cache hit ratio).
    pub lower_is_worse: bool,
}

const MINUTE: f64 = 60.0;
const MB: f64 = 1024.0 * 1024.0;
const GB: f64 = 1024.0 * MB;

pub const DEFS: &[Def] = &[
    Def {
        name: "cache_hit_ratio",
        check: "cache_hit_ratio",
        kind: Kind::Ratio,
        warning: 0.95,
        critical: Some(0.90),
        lower_is_worse: true,
    },
    Def {
        name: "connections",
        check: "connections",
        kind: Kind::Ratio,
        warning: 0.80,
        critical: Some(0.95),
        lower_is_worse: false,
    },
    Def {
        name: "idle_in_transaction",
        check: "idle_in_transaction",
        kind: Kind::Seconds,
        warning: 5.0 * MINUTE,
        critical: Some(60.0 * MINUTE),
        lower_is_worse: false,
    },
    Def {
        name: "long_query",
        check: "long_queries",
        kind: Kind::Seconds,
        warning: 5.0 * MINUTE,
        critical: Some(60.0 * MINUTE),
        lower_is_worse: false,
    },
    Def {
        name: "lock_wait",
        check: "lock_waits",
        kind: Kind::Seconds,
        warning: 30.0,
        critical: Some(5.0 * MINUTE),
        lower_is_worse: false,
    },
    Def {
        name: "deadlocks",
        check: "deadlocks",
        kind: Kind::Count,
        warning: 1.0,
        critical: Some(100.0),
        lower_is_worse: false,
    },
    Def {
        name: "temp_bytes",
        check: "temp_files",
        kind: Kind::Bytes,
        warning: 100.0 * GB,
        critical: None,
        lower_is_worse: false,
    },
    Def {
        name: "requested_checkpoints",
        check: "checkpoints",
        kind: Kind::Ratio,
        warning: 0.20,
        critical: Some(0.50),
        lower_is_worse: false,
    },
    Def {
        name: "wraparound",
        check: "wraparound",
        kind: Kind::Ratio,
        warning: 0.50,
        critical: Some(0.75),
        lower_is_worse: false,
    },
    Def {
        name: "dead_tuples",
        check: "dead_tuples",
        kind: Kind::Count,
        warning: 2.0,
        critical: Some(10.0),
        lower_is_worse: false,
    },
    Def {
        name: "stale_stats",
        check: "stale_stats",
        kind: Kind::Count,
        warning: 2.0,
        critical: None,
        lower_is_worse: false,
    },
    Def {
        name: "invalid_indexes",
        check: "invalid_indexes",
        kind: Kind::Count,
        warning: 1.0,
        critical: None,
        lower_is_worse: false,
    },
    Def {
        name: "sequence_used",
        check: "sequences",
        kind: Kind::Ratio,
        warning: 0.75,
        critical: Some(0.90),
        lower_is_worse: false,
    },
    Def {
        name: "replication_lag",
        check: "replication_lag",
        kind: Kind::Bytes,
        warning: 100.0 * MB,
        critical: Some(GB),
        lower_is_worse: false,
    },
    Def {
        name: "standby_delay",
        check: "replication_lag",
        kind: Kind::Seconds,
        warning: MINUTE,
        critical: Some(10.0 * MINUTE),
        lower_is_worse: false,
    },
    Def {
        name: "slot_retained_wal",
        check: "replication_slots",
        kind: Kind::Bytes,
        warning: GB,
        critical: Some(10.0 * GB),
        lower_is_worse: false,
    },
    Def {
        name: "bloat_percent",
        check: "bloat",
        kind: Kind::Ratio,
        warning: 0.30,
        critical: Some(0.50),
        lower_is_worse: false,
    },
    Def {
        name: "bloat_bytes",
        check: "bloat",
        kind: Kind::Bytes,
        warning: 10.0 * MB,
        critical: Some(GB),
        lower_is_worse: false,
    },
    Def {
        name: "slow_statement",
        check: "slow_statements",
        kind: Kind::Seconds,
        warning: 5.0,
        critical: Some(30.0),
        lower_is_worse: false,
    },
];

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    pub warning: f64,
    pub critical: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct Thresholds(HashMap<&'static str, Level>);

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds(
            DEFS.iter()
                .map(|d| {
                    (
                        d.name,
                        Level {
                            warning: d.warning,
                            critical: d.critical,
                        },
                    )
                })
                .collect(),
        )
    }
}

/// A threshold by its name, or by the name of the check it judges when that check has one threshold
/// of that name or only one at all (`lock_waits` is `lock_wait`; `replication_lag` is itself).
fn def(name: &str) -> Result<&'static Def, String> {
    if let Some(d) = DEFS.iter().find(|d| d.name == name) {
        return Ok(d);
    }
    let by_check: Vec<&Def> = DEFS.iter().filter(|d| d.check == name).collect();
    match by_check.as_slice() {
        [one] => return Ok(one),
        [] => {}
        many => {
            return Err(format!(
                "check \"{name}\" has several thresholds: {}",
                many.iter().map(|d| d.name).collect::<Vec<_>>().join(", ")
            ))
        }
    }
    let mut names: Vec<&str> = DEFS.iter().map(|d| d.name).collect();
    let hint = crate::profile::closest(name, &names)
        .map(|n| format!("did you mean {n}? "))
        .unwrap_or_default();
    names.dedup();
    Err(format!(
        "unknown threshold \"{name}\": {hint}known thresholds are {}",
        names.join(", ")
    ))
}

/// The check (or report) a threshold judges, by its name or its check's name.
pub fn judged_by(name: &str) -> Option<&'static str> {
    def(name).ok().map(|d| d.check)
}

/// A value in the kind's own notation, as the README and `--help` show defaults: 30s, 5min, 1h,
/// 100MB, 1GB, 0.95, 2.
pub fn show(kind: Kind, v: f64) -> String {
    match kind {
        Kind::Seconds if v >= 3600.0 && v % 3600.0 == 0.0 => format!("{}h", v / 3600.0),
        Kind::Seconds if v >= MINUTE && v % MINUTE == 0.0 => format!("{}min", v / MINUTE),
        Kind::Seconds => format!("{v}s"),
        Kind::Bytes if v >= GB && v % GB == 0.0 => format!("{}GB", v / GB),
        Kind::Bytes if v >= MB && v % MB == 0.0 => format!("{}MB", v / MB),
        Kind::Bytes => format!("{v}B"),
        Kind::Ratio => format!("{v:.2}"),
        Kind::Count => format!("{v}"),
    }
}

/// The thresholds and their defaults, one per line, for `pgtune check --help`.
pub fn help() -> String {
    let mut text = String::from(
        "Override a health threshold: NAME=WARNING[,CRITICAL], e.g. idle_in_transaction=1min,10min. \
         NAME is a threshold or the check it judges. Durations and sizes in PostgreSQL's units, \
         ratios as 0.9 or 90%. Defaults (warning, critical):",
    );
    for d in DEFS {
        text.push_str(&format!(
            "\n  {} ({}): {}{}",
            d.name,
            d.check,
            show(d.kind, d.warning),
            d.critical
                .map(|c| format!(", {}", show(d.kind, c)))
                .unwrap_or_default()
        ));
    }
    text
}

/// A threshold value in the kind's base unit (seconds, bytes, fraction, count).
pub fn parse_value(kind: Kind, s: &str) -> Result<f64, String> {
    let s = s.trim();
    let parsed = match kind {
        Kind::Seconds => guc::in_setting_units(s, Some("s")),
        Kind::Bytes => guc::in_setting_units(s, Some("B")),
        Kind::Ratio => match s.strip_suffix('%') {
            Some(p) => p.trim().parse::<f64>().ok().map(|p| p / 100.0),
            None => s.parse::<f64>().ok(),
        },
        Kind::Count => s.parse::<f64>().ok(),
    };
    let expected = match kind {
        Kind::Seconds => "a duration such as 30s, 5min or 1h",
        Kind::Bytes => "a size such as 100MB or 1GB",
        Kind::Ratio => "a fraction such as 0.9 or a percentage such as 90%",
        Kind::Count => "a number",
    };
    match parsed {
        // A ratio beyond 1 (200%) can never be reached: refused rather than silently never firing.
        Some(v) if kind == Kind::Ratio && v > 1.0 => Err(format!(
            "\"{s}\" is more than 100%: a ratio is between 0 and 1 (0% and 100%)"
        )),
        Some(v) if v.is_finite() && v >= 0.0 => Ok(v),
        Some(v) if v < 0.0 => Err(format!(
            "\"{s}\" is negative: expected {expected}, 0 or more"
        )),
        _ => Err(format!("\"{s}\" is not {expected}")),
    }
}

impl Thresholds {
    pub fn get(&self, name: &str) -> Level {
        self.0[name]
    }

    /// Sets one threshold from text; `critical` None keeps the current critical level.
    pub fn set(
        &mut self,
        name: &str,
        warning: Option<&str>,
        critical: Option<&str>,
    ) -> Result<(), String> {
        let d = def(name)?;
        let level = self
            .0
            .get_mut(d.name)
            .expect("every defined threshold has a level");
        if let Some(w) = warning {
            level.warning = parse_value(d.kind, w).map_err(|e| format!("threshold {name}: {e}"))?;
        }
        if let Some(c) = critical {
            level.critical =
                Some(parse_value(d.kind, c).map_err(|e| format!("threshold {name}: {e}"))?);
        }
        // Both given at once: the critical level must be at least as bad as the warning level.
        if let (Some(w), Some(c), Some(crit)) = (warning, critical, level.critical) {
            let inverted = if d.lower_is_worse {
                crit > level.warning
            } else {
                crit < level.warning
            };
            if inverted {
                return Err(format!(
                    "threshold {name}: critical {} is less severe than warning {} ({} is worse here)",
                    c.trim(),
                    w.trim(),
                    if d.lower_is_worse { "lower" } else { "higher" }
                ));
            }
        }
        Ok(())
    }

    /// `--threshold NAME=WARN[,CRIT]`.
    pub fn set_from_flag(&mut self, flag: &str) -> Result<(), String> {
        let Some((name, values)) = flag.split_once('=') else {
            return Err(format!(
                "invalid --threshold \"{flag}\": expected NAME=WARNING[,CRITICAL]"
            ));
        };
        let (w, c) = match values.split_once(',') {
            Some((w, c)) => (w, Some(c)),
            None => (values, None),
        };
        self.set(name.trim(), Some(w), c)
            .map_err(|e| format!("invalid --threshold \"{flag}\": {e}"))
    }

    /// How bad `value` is for threshold `name`.
    pub fn status(&self, name: &str, value: f64) -> Status {
        let d = def(name).expect("checks use defined thresholds");
        let l = self.get(name);
        let beyond = |limit: f64| {
            if d.lower_is_worse {
                value < limit
            } else {
                value >= limit
            }
        };
        match l.critical {
            Some(c) if beyond(c) => Status::Critical,
            _ if beyond(l.warning) => Status::Warning,
            _ => Status::Ok,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverted_and_impossible_levels_are_refused() {
        let mut t = Thresholds::default();
        let e = t.set_from_flag("cache_hit_ratio=0.5,0.9").unwrap_err();
        assert!(e.contains("less severe"), "{e}");
        let e = t.set_from_flag("long_query=5min,1min").unwrap_err();
        assert!(e.contains("less severe"), "{e}");
        let e = t.set_from_flag("connections=200%").unwrap_err();
        assert!(e.contains("more than 100%"), "{e}");
        t.set_from_flag("cache_hit_ratio=0.9,0.5").unwrap();
        t.set_from_flag("long_query=1min,5min").unwrap();
    }

    #[test]
    fn defaults_flags_and_units() {
        let mut t = Thresholds::default();
        assert_eq!(t.status("idle_in_transaction", 10.0), Status::Ok);
        assert_eq!(t.status("idle_in_transaction", 301.0), Status::Warning);
        assert_eq!(t.status("idle_in_transaction", 3600.0), Status::Critical);
        assert_eq!(t.status("cache_hit_ratio", 0.99), Status::Ok);
        assert_eq!(t.status("cache_hit_ratio", 0.93), Status::Warning);
        assert_eq!(t.status("cache_hit_ratio", 0.5), Status::Critical);
        t.set_from_flag("idle_in_transaction=1s,2min").unwrap();
        assert_eq!(
            t.get("idle_in_transaction"),
            Level {
                warning: 1.0,
                critical: Some(120.0)
            }
        );
        t.set_from_flag("sequence_used=50%").unwrap();
        assert_eq!(t.get("sequence_used").warning, 0.5);
        t.set_from_flag("slot_retained_wal=512MB").unwrap();
        assert_eq!(t.get("slot_retained_wal").warning, 512.0 * 1024.0 * 1024.0);
        let err = t.set_from_flag("idle_in_transation=1s").unwrap_err();
        assert!(err.contains("did you mean idle_in_transaction?"), "{err}");
        assert!(t
            .set_from_flag("lock_wait=soon")
            .unwrap_err()
            .contains("not a duration"));
        assert!(t
            .set_from_flag("lock_wait")
            .unwrap_err()
            .contains("NAME=WARNING[,CRITICAL]"));
    }
}

#[cfg(test)]
mod readme_tests {
    use super::*;

    /// The README's threshold table shows exactly these defaults: one definition of each.
    #[test]
    fn the_readme_table_is_this_table() {
        let readme = include_str!("../../README.md");
        for d in DEFS.iter().filter(|d| d.check != "bloat") {
            let row = format!(
                "| `{}` | {} | {} | {} |",
                d.name,
                match d.kind {
                    Kind::Seconds => "duration",
                    Kind::Bytes => "size",
                    Kind::Ratio => "ratio",
                    Kind::Count => "count",
                },
                show(d.kind, d.warning),
                d.critical.map(|c| show(d.kind, c)).unwrap_or_default()
            );
            assert!(readme.contains(&row), "README lacks the row {row}");
        }
    }

    #[test]
    fn a_check_name_selects_its_threshold() {
        assert_eq!(def("lock_waits").unwrap().name, "lock_wait");
        assert_eq!(def("replication_lag").unwrap().name, "replication_lag");
        assert_eq!(def("replication_slots").unwrap().name, "slot_retained_wal");
        assert!(def("bloat").unwrap_err().contains("several thresholds"));
        assert_eq!(
            show(Kind::Bytes, def("replication_lag").unwrap().warning),
            "100MB"
        );
    }
}
