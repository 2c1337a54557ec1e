//! What pgtune adds to PGTune's advice, as separate labelled settings:
//! - our own rules (max_worker_processes never below PostgreSQL's default of 8);
//! - the profile's pinned and extra settings;
//! - with a connected server, a check of every proposed value against its `pg_settings`
//!   (enumvals, min_val/max_val, unknown names), with a substitute where one exists.

use std::collections::HashMap;

use serde::Serialize;

use super::{Core, Origin, Setting, Value};
use crate::guc;

/// A setting as the profile gives it: the value already in PostgreSQL's spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileSetting {
    pub name: String,
    pub value: String,
}

/// What the connected server says about one setting (a row of `pg_settings`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSetting {
    pub vartype: String,
    pub unit: Option<String>,
    pub min_val: Option<String>,
    pub max_val: Option<String>,
    pub enumvals: Option<Vec<String>>,
    pub context: String,
    /// The value in effect now.
    pub setting: Option<String>,
}

/// A proposed value that the server would refuse and that has no substitute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    pub name: String,
    pub value: String,
    pub origin: Origin,
    pub reason: String,
}

/// Our rules and the profile's settings, in that order. `profile_name` labels the profile's lines.
pub fn additions(core: &Core, profile_name: &str, profile: &[ProfileSetting]) -> Vec<Setting> {
    let mut out = Vec::new();
    if let Some(s) = core
        .settings
        .iter()
        .find(|s| s.name == "max_worker_processes")
    {
        if matches!(s.value, Value::Int(n) if n < 8) {
            out.push(Setting {
                name: s.name.clone(),
                value: Value::Int(8),
                origin: Origin::Pgtune,
                reason: format!(
                    "PostgreSQL's default of 8; PGTune's {} leaves no worker slots for logical replication, \
                     parallel apply or extensions",
                    s.value
                ),
            });
        }
    }
    // At the extremes of memory PGTune's arithmetic leaves PostgreSQL's range, and the server
    // would refuse the file: the nearest value it accepts instead.
    for s in &core.settings {
        let (Value::Kb(kb), Some((least, most))) = (&s.value, crate::guc::memory_range_kb(&s.name))
        else {
            continue;
        };
        let (value, bound) = if *kb > most {
            (most, "the most")
        } else if *kb < least {
            (least, "the least")
        } else {
            continue;
        };
        out.push(Setting {
            name: s.name.clone(),
            value: Value::Kb(value),
            origin: Origin::Pgtune,
            reason: format!(
                "{bound} PostgreSQL accepts; PGTune's {} is out of its range, and the server would refuse the file",
                s.value
            ),
        });
    }
    for p in profile {
        let proposed = out
            .iter()
            .chain(core.settings.iter())
            .find(|s| s.name == p.name)
            .map(|s| s.value.render());
        if proposed.as_deref() == Some(p.value.as_str()) {
            continue;
        }
        let reason = match proposed {
            Some(was) => format!("pinned by profile {profile_name} (would be {was})"),
            None => format!("added by profile {profile_name}"),
        };
        out.retain(|s| s.name != p.name);
        out.push(Setting {
            name: p.name.clone(),
            value: Value::Text(p.value.clone()),
            origin: Origin::Profile,
            reason,
        });
    }
    out
}

/// The settings in effect: core in PGTune's order with later additions taking a name's place, then
/// settings that only the additions have.
/// The settings in effect but those the server refused: what pgtune recommends.
pub fn recommended<'a>(
    core: &'a [Setting],
    additions: &'a [Setting],
    rejected: &[Rejection],
) -> Vec<&'a Setting> {
    effective(core, additions)
        .into_iter()
        .filter(|s| {
            !rejected
                .iter()
                .any(|r| r.name == s.name && r.value == s.value.render())
        })
        .collect()
}

pub fn effective<'a>(core: &'a [Setting], additions: &'a [Setting]) -> Vec<&'a Setting> {
    let mut out: Vec<&Setting> = core
        .iter()
        .map(|c| {
            additions
                .iter()
                .rev()
                .find(|a| a.name == c.name)
                .unwrap_or(c)
        })
        .collect();
    for a in additions {
        let last_for_name = additions.iter().rev().find(|x| x.name == a.name) == Some(a);
        if last_for_name && !core.iter().any(|c| c.name == a.name) {
            out.push(a);
        }
    }
    out
}

/// Values that would replace a refused enum value, best first.
fn substitutes(name: &str) -> &'static [&'static str] {
    match name {
        "wal_compression" => &["zstd", "pglz", "on"],
        "io_method" => &["worker", "sync"],
        "huge_pages" => &["try", "off"],
        _ => &[],
    }
}

enum Verdict {
    Accept,
    Replace(Value, String),
    Reject(String),
}

fn list_items(s: &str) -> Vec<String> {
    s.split(',')
        .map(|i| i.trim().trim_matches('"').to_string())
        .filter(|i| !i.is_empty())
        .collect()
}

fn judge(name: &str, value: &Value, server: Option<&ServerSetting>) -> Verdict {
    if let (true, Some(current)) = (
        guc::is_list(name),
        server.and_then(|s| s.setting.as_deref()),
    ) {
        let mut merged = list_items(current);
        let kept = merged.clone();
        for item in list_items(&value.render()) {
            if !merged.contains(&item) {
                merged.push(item);
            }
        }
        if !kept.is_empty() && merged != list_items(&value.render()) {
            return Verdict::Replace(
                Value::Text(merged.join(",")),
                format!("keeps what the server already loads ({})", kept.join(", ")),
            );
        }
    }
    let Some(s) = server else {
        if name.contains('.') {
            // An extension's setting: accepted as a placeholder until the extension loads.
            return Verdict::Accept;
        }
        return Verdict::Reject("this server has no such setting".into());
    };
    let text = value.render();
    match s.vartype.as_str() {
        "enum" => {
            let allowed = s.enumvals.clone().unwrap_or_default();
            if allowed.iter().any(|a| a.eq_ignore_ascii_case(&text)) {
                return Verdict::Accept;
            }
            let listed = allowed.join(", ");
            match substitutes(name)
                .iter()
                .find(|sub| allowed.iter().any(|a| a == *sub))
            {
                Some(sub) => Verdict::Replace(
                    Value::text(sub),
                    format!("this server's build does not accept {text} (it accepts {listed})"),
                ),
                None => Verdict::Reject(format!("this server accepts only {listed}")),
            }
        }
        "bool" => match text.to_ascii_lowercase().as_str() {
            "on" | "off" | "true" | "false" | "yes" | "no" | "1" | "0" => Verdict::Accept,
            _ => Verdict::Reject(format!("{text} is not a boolean")),
        },
        "integer" | "real" => {
            let Some(n) = guc::in_setting_units(&text, s.unit.as_deref()) else {
                return Verdict::Reject(format!(
                    "{text} is not a number in units this setting takes ({})",
                    s.unit.as_deref().unwrap_or("none")
                ));
            };
            let bound = |b: &Option<String>| b.as_deref().and_then(|v| v.parse::<f64>().ok());
            let in_units = |raw: &str| match &s.unit {
                Some(u) => format!("{raw} x {u}"),
                None => raw.to_string(),
            };
            if let (Some(max), Some(raw)) = (bound(&s.max_val), s.max_val.as_deref()) {
                if n > max {
                    return Verdict::Replace(
                        Value::Text(raw.to_string()),
                        format!("{text} is above this server's maximum ({})", in_units(raw)),
                    );
                }
            }
            if let (Some(min), Some(raw)) = (bound(&s.min_val), s.min_val.as_deref()) {
                if n < min {
                    return Verdict::Replace(
                        Value::Text(raw.to_string()),
                        format!("{text} is below this server's minimum ({})", in_units(raw)),
                    );
                }
            }
            Verdict::Accept
        }
        _ => Verdict::Accept,
    }
}

/// Checks every setting in effect against the server. Returns substitutes (to add after the other
/// additions) and the values to drop.
pub fn check_against_server(
    effective: &[&Setting],
    server: &HashMap<String, ServerSetting>,
) -> (Vec<Setting>, Vec<Rejection>) {
    let mut replaced = Vec::new();
    let mut rejected = Vec::new();
    for s in effective {
        match judge(&s.name, &s.value, server.get(&s.name)) {
            Verdict::Accept => {}
            Verdict::Replace(value, reason) => replaced.push(Setting {
                name: s.name.clone(),
                value,
                origin: Origin::Server,
                reason,
            }),
            Verdict::Reject(reason) => rejected.push(Rejection {
                name: s.name.clone(),
                value: s.value.render(),
                origin: s.origin,
                reason,
            }),
        }
    }
    (replaced, rejected)
}

/// Whether changing this setting needs a restart: the server's word when we have it.
pub fn needs_restart(
    name: &str,
    version: u32,
    server: Option<&HashMap<String, ServerSetting>>,
) -> bool {
    match server.and_then(|s| s.get(name)) {
        Some(s) => s.context == "postmaster",
        None => guc::needs_restart(name, version),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn core_with(settings: &[(&str, Value)]) -> Core {
        Core {
            warnings: vec![],
            settings: settings
                .iter()
                .map(|(n, v)| Setting {
                    name: n.to_string(),
                    value: v.clone(),
                    origin: Origin::Core,
                    reason: String::new(),
                })
                .collect(),
        }
    }

    fn enum_setting(vals: &[&str]) -> ServerSetting {
        ServerSetting {
            vartype: "enum".into(),
            unit: None,
            min_val: None,
            max_val: None,
            enumvals: Some(vals.iter().map(|s| s.to_string()).collect()),
            context: "superuser".into(),
            setting: None,
        }
    }

    #[test]
    fn worker_floor_and_profile_pins() {
        let core = core_with(&[
            ("random_page_cost", Value::text("4")),
            ("max_worker_processes", Value::Int(4)),
            ("effective_io_concurrency", Value::Int(200)),
        ]);
        let profile = vec![
            ProfileSetting {
                name: "random_page_cost".into(),
                value: "1.1".into(),
            },
            ProfileSetting {
                name: "effective_io_concurrency".into(),
                value: "200".into(),
            },
            ProfileSetting {
                name: "track_io_timing".into(),
                value: "on".into(),
            },
        ];
        let adds = additions(&core, "p", &profile);
        let got: Vec<(&str, String, Origin)> = adds
            .iter()
            .map(|s| (s.name.as_str(), s.value.render(), s.origin))
            .collect();
        assert_eq!(
            got,
            vec![
                ("max_worker_processes", "8".into(), Origin::Pgtune),
                ("random_page_cost", "1.1".into(), Origin::Profile),
                ("track_io_timing", "on".into(), Origin::Profile),
            ]
        );
        let eff: Vec<String> = effective(&core.settings, &adds)
            .iter()
            .map(|s| format!("{}={}", s.name, s.value))
            .collect();
        assert_eq!(
            eff,
            [
                "random_page_cost=1.1",
                "max_worker_processes=8",
                "effective_io_concurrency=200",
                "track_io_timing=on"
            ]
        );
    }

    #[test]
    fn server_check_substitutes_clamps_and_rejects() {
        let core = core_with(&[
            ("wal_compression", Value::text("lz4")),
            ("io_method", Value::text("io_uring")),
            ("effective_io_concurrency", Value::Int(1000)),
            ("shared_buffers", Value::Kb(4 * 1024 * 1024)),
            ("made_up_setting", Value::text("1")),
            ("pg_stat_statements.max", Value::Int(5000)),
        ]);
        let mut server = HashMap::new();
        server.insert(
            "wal_compression".to_string(),
            enum_setting(&["pglz", "zstd", "on", "off"]),
        );
        server.insert("io_method".to_string(), enum_setting(&["sync", "worker"]));
        server.insert(
            "effective_io_concurrency".to_string(),
            ServerSetting {
                vartype: "integer".into(),
                unit: None,
                min_val: Some("0".into()),
                max_val: Some("0".into()),
                enumvals: None,
                context: "user".into(),
                setting: None,
            },
        );
        server.insert(
            "shared_buffers".to_string(),
            ServerSetting {
                vartype: "integer".into(),
                unit: Some("8kB".into()),
                min_val: Some("16".into()),
                max_val: Some("1073741823".into()),
                enumvals: None,
                context: "postmaster".into(),
                setting: None,
            },
        );
        let eff = effective(&core.settings, &[]);
        let (replaced, rejected) = check_against_server(&eff, &server);
        let got: Vec<String> = replaced
            .iter()
            .map(|s| format!("{}={}", s.name, s.value))
            .collect();
        assert_eq!(
            got,
            [
                "wal_compression=zstd",
                "io_method=worker",
                "effective_io_concurrency=0"
            ]
        );
        assert!(
            replaced[0].reason.contains("does not accept lz4"),
            "{}",
            replaced[0].reason
        );
        let names: Vec<&str> = rejected.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["made_up_setting"]);
        assert!(needs_restart("shared_buffers", 15, Some(&server)));

        // A preload list keeps what the server loads today.
        let mut preload = enum_setting(&[]);
        preload.vartype = "string".into();
        preload.setting = Some("timescaledb, auto_explain".into());
        server.insert("shared_preload_libraries".into(), preload);
        let spl = core_with(&[(
            "shared_preload_libraries",
            Value::text("pg_stat_statements"),
        )]);
        let (replaced, _) = check_against_server(&effective(&spl.settings, &[]), &server);
        assert_eq!(
            replaced[0].value.render(),
            "timescaledb,auto_explain,pg_stat_statements"
        );
        assert!(!needs_restart(
            "effective_io_concurrency",
            15,
            Some(&server)
        ));
        assert!(needs_restart("autovacuum_max_workers", 17, None));
        assert!(!needs_restart("autovacuum_max_workers", 18, None));
    }
}
