//! Profiles: TOML files in `profiles/` (built in at compile time) or anywhere on disk, naming a base
//! workload, defaults for the tuning inputs, pinned and extra settings, and the extensions a workload
//! expects. Parsing is strict: an unknown key, a wrong type or a bad value is an error with
//! file:line:col, and a misspelt key gets a suggestion.

use std::path::Path;

use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

use crate::guc;
use crate::health::thresholds::Thresholds;
use crate::tune::beyond::ProfileSetting;
use crate::tune::{DataSize, Os, Storage, Workload};

/// The profiles shipped in `profiles/`, by name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("web", include_str!("../profiles/web.toml")),
    ("oltp", include_str!("../profiles/oltp.toml")),
    ("dw", include_str!("../profiles/dw.toml")),
    ("desktop", include_str!("../profiles/desktop.toml")),
    ("mixed", include_str!("../profiles/mixed.toml")),
    ("lunch-rush", include_str!("../profiles/lunch-rush.toml")),
];

#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub description: Option<String>,
    pub workload: Workload,
    pub inputs: Inputs,
    /// Pinned and extra settings in file order, values in PostgreSQL's spelling.
    pub settings: Vec<ProfileSetting>,
    pub extensions: Vec<String>,
    /// Health-check thresholds: the defaults with the profile's `[check]` section applied.
    pub thresholds: Thresholds,
    /// Playbooks this profile defines; they replace the built-in ones of the same name.
    pub playbooks: IndexMap<String, Vec<PlaybookStep>>,
    /// Log tables for the `purge` step.
    pub purge: Vec<PurgeTable>,
}

/// Defaults for the tuning inputs; command-line flags win over them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inputs {
    pub memory_kb: Option<u64>,
    pub cpus: Option<u64>,
    pub connections: Option<u64>,
    pub storage: Option<Storage>,
    pub data_size: Option<DataSize>,
    pub os: Option<Os>,
    pub pg_version: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    description: Option<String>,
    workload: Workload,
    #[serde(default)]
    extensions: Vec<String>,
    #[serde(default)]
    inputs: RawInputs,
    #[serde(default)]
    settings: IndexMap<String, Spanned<toml::Value>>,
    #[serde(default)]
    check: IndexMap<String, Spanned<RawThreshold>>,
    #[serde(default)]
    report: IndexMap<String, Spanned<RawThreshold>>,
    #[serde(default)]
    playbooks: RawPlaybooks,
    #[serde(default)]
    purge: Vec<Spanned<RawPurge>>,
}

type RawPlaybooks = IndexMap<String, Vec<Spanned<IndexMap<String, toml::Value>>>>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPurge {
    table: String,
    column: String,
    older_than: String,
    batch_size: Option<i64>,
}

/// The built-in playbooks file: only [playbooks].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlaybooksFile {
    playbooks: RawPlaybooks,
}

/// What a playbook step does when it fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnError {
    Continue,
    Stop,
}

/// One step of a maintenance playbook, as written: which command, and its options.
#[derive(Debug, Clone)]
pub struct PlaybookStep {
    /// The command (analyze, refresh, ...) or `sql`.
    pub step: String,
    pub name: String,
    /// Options in file order, turned into the command's flags by `maintain`.
    pub options: Vec<(String, toml::Value)>,
    pub timeout: Option<String>,
    pub on_error: OnError,
    /// `file:line:col` of the step, for errors.
    pub at: String,
}

/// A log table whose old rows the daily purge deletes.
#[derive(Debug, Clone)]
pub struct PurgeTable {
    pub table: String,
    pub column: String,
    pub older_than: String,
    pub batch_size: Option<i64>,
}

pub const BUILTIN_PLAYBOOKS: &str = include_str!("../profiles/playbooks.toml");

/// The built-in playbooks (daily, weekly, monthly).
pub fn builtin_playbooks() -> IndexMap<String, Vec<PlaybookStep>> {
    let file = "profiles/playbooks.toml";
    let raw: RawPlaybooksFile =
        toml::from_str(BUILTIN_PLAYBOOKS).expect("the built-in playbooks parse");
    playbooks(file, BUILTIN_PLAYBOOKS, &raw.playbooks).expect("the built-in playbooks are valid")
}

fn playbooks(
    file: &str,
    text: &str,
    raw: &RawPlaybooks,
) -> Result<IndexMap<String, Vec<PlaybookStep>>, ProfileError> {
    let at = |offset: usize| {
        let (line, col) = line_col(text, offset);
        format!("{file}:{line}:{col}")
    };
    let mut out = IndexMap::new();
    for (name, steps) in raw {
        let mut parsed: Vec<PlaybookStep> = Vec::new();
        for s in steps {
            let here = at(s.span().start);
            let mut table = s.get_ref().clone();
            let string = |table: &mut IndexMap<String, toml::Value>,
                          key: &str|
             -> Result<Option<String>, ProfileError> {
                match table.shift_remove(key) {
                    None => Ok(None),
                    Some(toml::Value::String(v)) => Ok(Some(v)),
                    Some(other) => Err(ProfileError(format!(
                        "{here}: {key} must be a string, not {}",
                        other.type_str()
                    ))),
                }
            };
            let step = string(&mut table, "step")?
                .ok_or_else(|| ProfileError(format!("{here}: a step needs `step = \"...\"` (analyze, refresh, reindex, vacuum, purge, snapshot, report, check, trends or sql)")))?;
            let step_name = string(&mut table, "name")?.unwrap_or_else(|| step.clone());
            let timeout = string(&mut table, "timeout")?;
            let on_error = match string(&mut table, "on_error")?.as_deref() {
                None | Some("continue") => OnError::Continue,
                Some("stop") => OnError::Stop,
                Some(other) => {
                    return Err(ProfileError(format!(
                        "{here}: on_error must be \"continue\" or \"stop\", not \"{other}\""
                    )))
                }
            };
            if parsed.iter().any(|p| p.name == step_name) {
                return Err(ProfileError(format!("{here}: playbook {name} already has a step named {step_name}: give this one a `name`")));
            }
            parsed.push(PlaybookStep {
                step,
                name: step_name,
                options: table.into_iter().collect(),
                timeout,
                on_error,
                at: here,
            });
        }
        out.insert(name.clone(), parsed);
    }
    Ok(out)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThreshold {
    warning: Option<Spanned<toml::Value>>,
    critical: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInputs {
    memory: Option<Spanned<String>>,
    cpus: Option<Spanned<i64>>,
    connections: Option<Spanned<i64>>,
    storage: Option<Storage>,
    data_size: Option<DataSize>,
    os: Option<Os>,
    pg_version: Option<Spanned<i64>>,
}

/// A profile error: `file:line:col: message`, one line.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ProfileError(String);

/// Loads `--profile`: a built-in name, or a path (anything with a `/` or ending in `.toml`).
pub fn load(spec: &str) -> Result<Profile, ProfileError> {
    if spec.contains('/') || spec.ends_with(".toml") {
        let path = Path::new(spec);
        let text = std::fs::read_to_string(path)
            .map_err(|e| ProfileError(format!("cannot read profile {}: {e}", path.display())))?;
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        return parse(&name, &path.display().to_string(), &text);
    }
    builtin(spec)
}

pub fn builtin(name: &str) -> Result<Profile, ProfileError> {
    match BUILTIN.iter().find(|(n, _)| *n == name) {
        Some((n, text)) => parse(n, &format!("profiles/{n}.toml"), text),
        None => {
            let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
            let hint = closest(name, &names)
                .map(|n| format!("did you mean {n}? "))
                .unwrap_or_default();
            Err(ProfileError(format!(
                "unknown profile \"{name}\": {hint}built-in profiles are {}; or give the path of a .toml file",
                names.join(", ")
            )))
        }
    }
}

/// Parses a profile's text; `file` is how errors name it.
pub fn parse(name: &str, file: &str, text: &str) -> Result<Profile, ProfileError> {
    let at = |span: Option<std::ops::Range<usize>>, msg: &str| {
        let (line, col) = line_col(text, span.map(|s| s.start).unwrap_or(0));
        ProfileError(format!("{file}:{line}:{col}: {msg}"))
    };
    let raw: RawProfile = toml::from_str(text).map_err(|e| {
        let msg = e.message().trim().replace('\n', " ");
        let hint = suggestion(&msg)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        at(e.span(), &format!("{msg}{hint}"))
    })?;

    let mut inputs = Inputs {
        storage: raw.inputs.storage,
        data_size: raw.inputs.data_size,
        os: raw.inputs.os,
        ..Inputs::default()
    };
    if let Some(m) = &raw.inputs.memory {
        inputs.memory_kb = Some(
            guc::parse_memory_kb(m.get_ref())
                .map_err(|e| at(Some(m.span()), &format!("invalid memory: {e}")))?,
        );
    }
    let count = |v: &Option<Spanned<i64>>,
                 what: &str,
                 min: i64,
                 max: i64|
     -> Result<Option<u64>, ProfileError> {
        match v {
            None => Ok(None),
            Some(s) if (min..=max).contains(s.get_ref()) => Ok(Some(*s.get_ref() as u64)),
            Some(s) => Err(at(
                Some(s.span()),
                &format!("invalid {what} {}: expected {min} to {max}", s.get_ref()),
            )),
        }
    };
    inputs.cpus = count(&raw.inputs.cpus, "cpus", 1, 999_999)?;
    inputs.connections = count(&raw.inputs.connections, "connections", 1, 999_999)?;
    inputs.pg_version = count(
        &raw.inputs.pg_version,
        "pg_version",
        crate::tune::MIN_VERSION.into(),
        crate::tune::MAX_VERSION.into(),
    )?
    .map(|v| v as u32);

    let mut settings = Vec::new();
    for (key, value) in &raw.settings {
        if !guc::is_valid_name(key) {
            return Err(at(
                Some(value.span()),
                &format!("invalid setting name \"{key}\""),
            ));
        }
        let text = match value.get_ref() {
            toml::Value::String(s) => s.clone(),
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => if *b { "on" } else { "off" }.to_string(),
            other => {
                return Err(at(
                    Some(value.span()),
                    &format!(
                        "setting {key} must be a string, number or boolean, not {}",
                        other.type_str()
                    ),
                ))
            }
        };
        settings.push(ProfileSetting {
            name: key.clone(),
            value: text,
        });
    }
    let mut thresholds = Thresholds::default();
    for (name, t) in raw.check.iter().chain(raw.report.iter()) {
        let text = |v: &Option<Spanned<toml::Value>>| {
            v.as_ref().map(|v| match v.get_ref() {
                toml::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        };
        let span = t
            .get_ref()
            .warning
            .as_ref()
            .or(t.get_ref().critical.as_ref())
            .map(|v| v.span())
            .unwrap_or(t.span());
        thresholds
            .set(
                name,
                text(&t.get_ref().warning).as_deref(),
                text(&t.get_ref().critical).as_deref(),
            )
            .map_err(|e| {
                at(
                    Some(if e.starts_with("unknown threshold") {
                        t.span()
                    } else {
                        span
                    }),
                    &e,
                )
            })?;
    }
    let purge = raw
        .purge
        .iter()
        .map(|p| {
            let here = {
                let (line, col) = line_col(text, p.span().start);
                format!("{file}:{line}:{col}")
            };
            let r = p.get_ref();
            if r.batch_size.is_some_and(|b| b < 1) {
                return Err(ProfileError(format!(
                    "{here}: batch_size must be at least 1"
                )));
            }
            Ok(PurgeTable {
                table: r.table.clone(),
                column: r.column.clone(),
                older_than: r.older_than.clone(),
                batch_size: r.batch_size,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Profile {
        name: name.to_string(),
        description: raw.description,
        workload: raw.workload,
        inputs,
        settings,
        extensions: raw.extensions,
        thresholds,
        playbooks: playbooks(file, text, &raw.playbooks)?,
        purge,
    })
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

/// For serde's "unknown field `x`, expected one of `a`, `b`" (and "unknown variant"), the closest
/// expected name.
fn suggestion(msg: &str) -> Option<String> {
    let rest = msg
        .strip_prefix("unknown field `")
        .or_else(|| msg.strip_prefix("unknown variant `"))?;
    let (given, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    closest(given, &candidates).map(str::to_string)
}

/// The candidate within a small edit distance of `given`, if any.
pub fn closest<'a>(given: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (given.chars().count() / 3).max(2);
    candidates
        .iter()
        .map(|c| (edit_distance(given, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_profile_parses() {
        for (name, _) in BUILTIN {
            let p = builtin(name).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(p.name, *name);
        }
    }

    #[test]
    fn lunch_rush_is_what_the_school_platform_needs() {
        let p = builtin("lunch-rush").unwrap();
        let get = |n: &str| {
            p.settings
                .iter()
                .find(|s| s.name == n)
                .map(|s| s.value.as_str())
        };
        for (name, value) in [
            ("max_connections", "200"),
            ("log_min_duration_statement", "1s"),
            ("log_checkpoints", "on"),
            ("log_connections", "on"),
            ("log_lock_waits", "on"),
            ("autovacuum_max_workers", "6"),
            ("autovacuum_naptime", "15s"),
            ("autovacuum_vacuum_threshold", "25"),
            ("autovacuum_analyze_threshold", "10"),
            ("random_page_cost", "1.1"),
            ("effective_io_concurrency", "200"),
        ] {
            assert_eq!(get(name), Some(value), "{name}");
        }
        assert_eq!(p.extensions, ["uuid-ossp", "pg_trgm", "btree_gin"]);
    }

    #[test]
    fn errors_carry_file_line_col_and_suggestions() {
        let cases = [
            (
                "workload = \"web\"\nworkloud = \"x\"\n",
                "f.toml:2:1: unknown field `workloud`",
                Some("did you mean `workload`?"),
            ),
            (
                "workload = \"olpt\"\n",
                "f.toml:1:12: unknown variant `olpt`",
                Some("did you mean `oltp`?"),
            ),
            (
                "workload = \"web\"\n[inputs]\ncpu = 4\n",
                "f.toml:3:1: unknown field `cpu`",
                Some("did you mean `cpus`?"),
            ),
            (
                "workload = \"web\"\n[inputs]\nmemory = \"16gb\"\n",
                "f.toml:3:10: invalid memory",
                Some("did you mean 16GB?"),
            ),
            (
                "workload = \"web\"\n[inputs]\ncpus = 0\n",
                "f.toml:3:8: invalid cpus 0: expected 1 to 999999",
                None,
            ),
            (
                "workload = \"web\"\n[inputs]\npg_version = 9\n",
                "f.toml:3:14: invalid pg_version 9: expected 10 to 18",
                None,
            ),
            (
                "workload = \"web\"\n[settings]\nwork_mem = [1]\n",
                "f.toml:3:12: setting work_mem must be a string",
                None,
            ),
            (
                "workload = \"web\"\n[settings]\n\"Bad Name\" = 1\n",
                "f.toml:3:14: invalid setting name \"Bad Name\"",
                None,
            ),
            (
                "workload = \"web\"\n[inputs]\ncpus = \"four\"\n",
                "f.toml:3:8: invalid type",
                None,
            ),
            (
                "description = \"x\"\n",
                "f.toml:1:1: missing field `workload`",
                None,
            ),
            (
                "workload = \"web\"\nx = [\n",
                "f.toml:3:1: invalid array",
                None,
            ),
        ];
        for (text, prefix, hint) in cases {
            let err = parse("f", "f.toml", text).unwrap_err().to_string();
            assert!(
                err.starts_with(prefix),
                "{err}\n  expected prefix: {prefix}"
            );
            if let Some(h) = hint {
                assert!(err.contains(h), "{err}\n  expected: {h}");
            }
            assert!(!err.contains('\n'), "{err}");
        }
    }

    #[test]
    fn settings_keep_file_order_and_postgres_spelling() {
        let p = parse(
            "t",
            "t.toml",
            "workload = \"dw\"\n[settings]\nzz_last = 1\njit = true\nrandom_page_cost = 1.5\nlog_min_duration_statement = \"250ms\"\n",
        )
        .unwrap();
        let got: Vec<(&str, &str)> = p
            .settings
            .iter()
            .map(|s| (s.name.as_str(), s.value.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("zz_last", "1"),
                ("jit", "on"),
                ("random_page_cost", "1.5"),
                ("log_min_duration_statement", "250ms")
            ]
        );
    }

    #[test]
    fn check_thresholds_apply_over_defaults() {
        let p = parse(
            "t",
            "t.toml",
            "workload = \"web\"\n[check.idle_in_transaction]\nwarning = \"1min\"\ncritical = \"10min\"\n[check.cache_hit_ratio]\nwarning = 0.9\n",
        )
        .unwrap();
        assert_eq!(p.thresholds.get("idle_in_transaction").warning, 60.0);
        assert_eq!(
            p.thresholds.get("idle_in_transaction").critical,
            Some(600.0)
        );
        assert_eq!(p.thresholds.get("cache_hit_ratio").warning, 0.9);
        assert_eq!(
            p.thresholds.get("lock_wait").warning,
            30.0,
            "untouched default"
        );
    }

    #[test]
    fn unknown_builtin_suggests() {
        let err = builtin("lunchrush").unwrap_err().to_string();
        assert!(err.contains("did you mean lunch-rush?"), "{err}");
    }
}
