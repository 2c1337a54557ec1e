//! The settings audit: each setting the engine recommends (and the few that are dangerous whatever the
//! workload) compared with what the server runs. Pure: rows of `pg_settings` and the recommendation in,
//! verdicts out.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::guc;
use crate::outcome::Status;
use crate::tune::Setting;

/// A row of `pg_settings` (with `current_setting()` as `display`).
#[derive(Debug, Clone)]
pub struct Current {
    pub setting: String,
    pub display: String,
    pub unit: Option<String>,
    pub vartype: String,
    pub context: String,
    pub source: String,
    pub sourcefile: Option<String>,
    pub sourceline: Option<i32>,
    pub pending_restart: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Ok,
    Differs,
    Risky,
}

/// What it takes for a change to this setting to take effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Apply {
    Reload,
    Restart,
}

#[derive(Debug, Clone, Serialize)]
pub struct SettingAudit {
    pub name: String,
    pub current: String,
    pub recommended: Option<String>,
    pub verdict: Verdict,
    pub status: Status,
    pub apply: Apply,
    /// pg_settings.source: default, configuration file, command line, ...
    pub source: String,
    /// `file:line` where it is set, when this role may see it.
    pub location: Option<String>,
    /// Set by ALTER SYSTEM (postgresql.auto.conf), which overrides any conf.d file.
    pub set_by_alter_system: bool,
    pub pending_restart: bool,
    pub reason: String,
}

/// Settings that are dangerous whatever the recommendation, with the value that is safe.
pub const SAFETY_SETTINGS: &[&str] = &[
    "fsync",
    "full_page_writes",
    "synchronous_commit",
    "autovacuum",
];

/// The audit. `alter_system` names the settings postgresql.auto.conf sets, when we could read it.
pub fn audit(
    recommended: &[&Setting],
    current: &HashMap<String, Current>,
    memory_kb: u64,
    alter_system: Option<&HashSet<String>>,
) -> Vec<SettingAudit> {
    let mut out = Vec::new();
    for rec in recommended {
        let Some(cur) = current.get(&rec.name) else {
            continue;
        };
        let value = rec.value.render();
        let verdict = if same(&rec.name, cur, &value) {
            Verdict::Ok
        } else {
            Verdict::Differs
        };
        out.push(entry(
            &rec.name,
            cur,
            Some(value),
            verdict,
            rec.reason.clone(),
            alter_system,
        ));
    }
    for (name, safe, status, why) in [
        (
            "fsync",
            "on",
            Status::Critical,
            "off: a crash or power loss can corrupt the whole cluster",
        ),
        (
            "full_page_writes",
            "on",
            Status::Critical,
            "off: a crash during a write can leave torn, unrecoverable pages",
        ),
        (
            "autovacuum",
            "on",
            Status::Critical,
            "off: tables bloat, statistics go stale, and transaction IDs head for wraparound",
        ),
        (
            "synchronous_commit",
            "on",
            Status::Warning,
            "off: a crash can lose the last commits (no corruption); fine only if that is a choice",
        ),
    ] {
        let Some(cur) = current.get(name) else {
            continue;
        };
        if out.iter().any(|a: &SettingAudit| a.name == name) {
            continue;
        }
        let risky = cur.setting == "off";
        let mut e = entry(
            name,
            cur,
            Some(safe.to_string()),
            if risky { Verdict::Risky } else { Verdict::Ok },
            if risky {
                why.to_string()
            } else {
                "safe".into()
            },
            alter_system,
        );
        if risky {
            e.status = status;
        }
        out.push(e);
    }
    // work_mem is per sort or hash, per connection: all connections sorting at once must fit in RAM.
    let work_mem = current.get("work_mem").and_then(bytes_of);
    let max_conn = current
        .get("max_connections")
        .and_then(|c| c.setting.parse::<f64>().ok());
    if let (Some(wm), Some(mc)) = (work_mem, max_conn) {
        let ram = memory_kb as f64 * 1024.0;
        if wm * mc > ram {
            if let Some(a) = out.iter_mut().find(|a| a.name == "work_mem") {
                a.verdict = Verdict::Risky;
                a.status = Status::Warning;
                a.reason = format!(
                    "work_mem x max_connections = {} exceeds RAM ({}): a busy moment can run the server out of memory",
                    crate::units::format_bytes((wm * mc) as i64),
                    crate::units::format_bytes(ram as i64)
                );
            }
        }
    }
    out
}

/// A memory setting's value in bytes (its unit may be `kB`, `8kB`, `MB`, ...).
fn bytes_of(cur: &Current) -> Option<f64> {
    let n: f64 = cur.setting.parse().ok()?;
    let unit = cur.unit.as_deref()?;
    let per_unit = if unit.starts_with(|c: char| c.is_ascii_digit()) {
        guc::in_setting_units(unit, Some("B"))
    } else {
        guc::in_setting_units(&format!("1{unit}"), Some("B"))
    }?;
    Some(n * per_unit)
}

fn entry(
    name: &str,
    cur: &Current,
    recommended: Option<String>,
    verdict: Verdict,
    reason: String,
    alter_system: Option<&HashSet<String>>,
) -> SettingAudit {
    let by_auto_conf = cur
        .sourcefile
        .as_deref()
        .is_some_and(|f| f.ends_with("postgresql.auto.conf"));
    SettingAudit {
        name: name.to_string(),
        current: cur.display.clone(),
        recommended,
        verdict,
        status: match verdict {
            Verdict::Ok => Status::Ok,
            _ => Status::Warning,
        },
        apply: if cur.context == "postmaster" {
            Apply::Restart
        } else {
            Apply::Reload
        },
        source: cur.source.clone(),
        location: cur.sourcefile.as_ref().map(|f| match cur.sourceline {
            Some(l) => format!("{f}:{l}"),
            None => f.clone(),
        }),
        set_by_alter_system: by_auto_conf || alter_system.is_some_and(|names| names.contains(name)),
        pending_restart: cur.pending_restart,
        reason,
    }
}

/// Whether the server's value is the recommended one: numbers compared in the setting's units (sizes
/// and times within 10%, which no workload notices), words case-insensitively, and library lists by
/// whether every recommended library is loaded.
pub fn same(name: &str, cur: &Current, recommended: &str) -> bool {
    match cur.vartype.as_str() {
        "integer" | "real" => {
            let (Some(want), Ok(have)) = (
                guc::in_setting_units(recommended, cur.unit.as_deref()),
                cur.setting.parse::<f64>(),
            ) else {
                return false;
            };
            if cur.unit.is_some() {
                (have - want).abs() <= want.abs() * 0.10
            } else {
                (have - want).abs() < 1e-9
            }
        }
        "bool" => bool_value(&cur.setting) == bool_value(recommended),
        _ if guc::is_list(name) => {
            let items = |s: &str| -> Vec<String> {
                s.split(',')
                    .map(|i| i.trim().trim_matches('"').to_string())
                    .filter(|i| !i.is_empty())
                    .collect()
            };
            let have = items(&cur.setting);
            items(recommended).iter().all(|w| have.contains(w))
        }
        _ => cur.setting.eq_ignore_ascii_case(recommended),
    }
}

fn bool_value(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" => Some(true),
        "off" | "false" | "no" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tune::{Origin, Value};

    fn cur(setting: &str, unit: Option<&str>, vartype: &str, context: &str) -> Current {
        Current {
            setting: setting.into(),
            display: setting.into(),
            unit: unit.map(Into::into),
            vartype: vartype.into(),
            context: context.into(),
            source: "default".into(),
            sourcefile: None,
            sourceline: None,
            pending_restart: false,
        }
    }

    fn rec(name: &str, value: Value) -> Setting {
        Setting {
            name: name.into(),
            value,
            origin: Origin::Core,
            reason: "why".into(),
        }
    }

    #[test]
    fn verdicts() {
        let mut current = HashMap::new();
        current.insert(
            "shared_buffers".to_string(),
            cur("16384", Some("8kB"), "integer", "postmaster"),
        );
        current.insert(
            "effective_cache_size".to_string(),
            cur("1500000", Some("kB"), "integer", "user"),
        );
        current.insert(
            "random_page_cost".to_string(),
            cur("4", None, "real", "user"),
        );
        current.insert("jit".to_string(), cur("off", None, "bool", "user"));
        current.insert(
            "shared_preload_libraries".to_string(),
            cur(
                "timescaledb,pg_stat_statements",
                None,
                "string",
                "postmaster",
            ),
        );
        current.insert("fsync".to_string(), cur("off", None, "bool", "sighup"));
        current.insert("autovacuum".to_string(), cur("on", None, "bool", "sighup"));
        current.insert(
            "work_mem".to_string(),
            cur("1048576", Some("kB"), "integer", "user"),
        );
        current.insert(
            "max_connections".to_string(),
            cur("100", None, "integer", "postmaster"),
        );
        let recs = [
            rec("shared_buffers", Value::Kb(4 * 1024 * 1024)),
            rec("effective_cache_size", Value::Kb(1536 * 1024)),
            rec("random_page_cost", Value::text("1.1")),
            rec("jit", Value::text("off")),
            rec(
                "shared_preload_libraries",
                Value::text("pg_stat_statements"),
            ),
            rec("work_mem", Value::Kb(4096)),
        ];
        let refs: Vec<&Setting> = recs.iter().collect();
        let audit = audit(&refs, &current, 16 * 1024 * 1024, None);
        let v = |n: &str| {
            audit
                .iter()
                .find(|a| a.name == n)
                .map(|a| (a.verdict, a.status, a.apply))
                .unwrap()
        };
        assert_eq!(
            v("shared_buffers"),
            (Verdict::Differs, Status::Warning, Apply::Restart)
        );
        assert_eq!(v("effective_cache_size").0, Verdict::Ok, "within 10%");
        assert_eq!(v("random_page_cost").0, Verdict::Differs);
        assert_eq!(v("jit").0, Verdict::Ok);
        assert_eq!(
            v("shared_preload_libraries").0,
            Verdict::Ok,
            "already loaded among others"
        );
        assert_eq!(
            v("fsync"),
            (Verdict::Risky, Status::Critical, Apply::Reload)
        );
        assert_eq!(v("autovacuum").0, Verdict::Ok);
        // 1GB x 100 connections > 16GB of RAM.
        assert_eq!(v("work_mem").0, Verdict::Risky);
    }
}
