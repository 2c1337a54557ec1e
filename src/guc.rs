//! PostgreSQL setting values as the server reads them: numbers with memory or time units, and which
//! settings only take effect after a restart. Pure; used by the tuning engine and to compare proposed
//! values with a server's `pg_settings`.

/// Bytes per memory unit, as PostgreSQL spells them (case-sensitive, 1024 multiples).
const MEMORY_UNITS: &[(&str, f64)] = &[
    ("B", 1.0),
    ("kB", 1024.0),
    ("MB", 1048576.0),
    ("GB", 1073741824.0),
    ("TB", 1099511627776.0),
];

/// Milliseconds per time unit.
const TIME_UNITS: &[(&str, f64)] = &[
    ("us", 0.001),
    ("ms", 1.0),
    ("s", 1000.0),
    ("min", 60000.0),
    ("h", 3600000.0),
    ("d", 86400000.0),
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    Bytes(f64),
    Millis(f64),
}

fn unit(name: &str) -> Option<Unit> {
    MEMORY_UNITS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, b)| Unit::Bytes(*b))
        .or_else(|| {
            TIME_UNITS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, m)| Unit::Millis(*m))
        })
}

/// The least and the greatest value, in kB, PostgreSQL accepts for a memory setting the tuning
/// engine sets (8kB blocks, a 64-bit build; the same in every supported version). A value outside
/// makes the server refuse the whole file it is in.
pub fn memory_range_kb(name: &str) -> Option<(u64, u64)> {
    const INT_MAX: u64 = i32::MAX as u64;
    Some(match name {
        // NBuffers: 16 to INT_MAX / 2 buffers of 8kB.
        "shared_buffers" => (128, (INT_MAX / 2) * 8),
        // 1 to INT_MAX pages of 8kB.
        "effective_cache_size" => (8, INT_MAX * 8),
        // MAX_KILOBYTES.
        "maintenance_work_mem" | "autovacuum_work_mem" => (1024, INT_MAX),
        "work_mem" => (64, INT_MAX),
        _ => return None,
    })
}

/// Splits `"16 GB"` into `(16.0, "GB")`; the unit may be empty.
fn split_number(s: &str) -> Option<(f64, &str)> {
    let s = s.trim();
    let end = s
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || *c == '.' || ((*c == '-' || *c == '+') && *i == 0)))
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    let number: f64 = s[..end].parse().ok()?;
    Some((number, s[end..].trim()))
}

/// A pg_settings unit such as `8kB`, `kB`, `ms` or `min` as a multiple of a base unit.
fn setting_unit(s: &str) -> Option<Unit> {
    let (count, name) = match split_number(s) {
        Some((n, name)) => (n, name),
        None => (1.0, s.trim()),
    };
    match unit(name)? {
        Unit::Bytes(b) => Some(Unit::Bytes(b * count)),
        Unit::Millis(m) => Some(Unit::Millis(m * count)),
    }
}

/// `value` (e.g. `16GB`, `1s`, `200`) in the units of a setting whose pg_settings unit is
/// `setting_unit` (e.g. `8kB`), as PostgreSQL would read it. None when the value is not a number or
/// its unit does not fit the setting.
pub fn in_setting_units(value: &str, setting_unit_name: Option<&str>) -> Option<f64> {
    let (number, suffix) = split_number(value)?;
    if suffix.is_empty() {
        return Some(number);
    }
    match (unit(suffix)?, setting_unit(setting_unit_name?)?) {
        (Unit::Bytes(v), Unit::Bytes(s)) => Some(number * v / s),
        (Unit::Millis(v), Unit::Millis(s)) => Some(number * v / s),
        _ => None,
    }
}

/// A memory size given on the command line (`512MB`, `16GB`, `1TB`, `2048kB`) in kB.
pub fn parse_memory_kb(s: &str) -> Result<u64, String> {
    let accepted = "a number with one of PostgreSQL's units kB, MB, GB or TB, e.g. 16GB";
    let Some((number, suffix)) = split_number(s) else {
        return Err(format!("expected {accepted}"));
    };
    if suffix.is_empty() {
        return Err(format!("no unit given: expected {accepted}"));
    }
    let Some((_, bytes)) = MEMORY_UNITS.iter().find(|(n, _)| *n == suffix && *n != "B") else {
        let hint = MEMORY_UNITS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(suffix))
            .map(|(n, _)| {
                format!(
                    " (units are case-sensitive: did you mean {}{n}?)",
                    s.trim().trim_end_matches(suffix).trim()
                )
            })
            .unwrap_or_default();
        return Err(format!(
            "unknown unit \"{suffix}\"{hint}: expected {accepted}"
        ));
    };
    if !(number.is_finite() && number > 0.0) {
        return Err(format!("must be more than zero: expected {accepted}"));
    }
    Ok((number * bytes / 1024.0).floor() as u64)
}

/// Settings that take effect only after a server restart (context `postmaster`), for servers we
/// cannot ask. Connected, the server's own `pg_settings.context` is used instead.
pub fn needs_restart(name: &str, version: u32) -> bool {
    match name {
        "autovacuum_max_workers" => version < 18,
        _ => RESTART_SETTINGS.contains(&name),
    }
}

const RESTART_SETTINGS: &[&str] = &[
    "archive_mode",
    "autovacuum_worker_slots",
    "cluster_name",
    "dynamic_shared_memory_type",
    "huge_page_size",
    "huge_pages",
    "io_max_concurrency",
    "io_method",
    "listen_addresses",
    "max_connections",
    "max_files_per_process",
    "max_locks_per_transaction",
    "max_pred_locks_per_transaction",
    "max_prepared_transactions",
    "max_replication_slots",
    "max_wal_senders",
    "max_worker_processes",
    "min_dynamic_shared_memory",
    "port",
    "shared_buffers",
    "shared_memory_type",
    "shared_preload_libraries",
    "superuser_reserved_connections",
    "track_commit_timestamp",
    "wal_buffers",
    "wal_level",
    "wal_log_hints",
];

/// Settings whose value is a list of library names, where each item is quoted on its own in SQL and
/// replacing the list unloads whatever it held.
pub const LIBRARY_LISTS: &[&str] = &[
    "shared_preload_libraries",
    "session_preload_libraries",
    "local_preload_libraries",
];

pub fn is_list(name: &str) -> bool {
    LIBRARY_LISTS.contains(&name)
}

/// `ALTER SYSTEM SET name = 'value'`: the name's parts quoted as identifiers, the value as a literal.
/// A library list becomes a list of literals: one quoted `'a,b'` would name a single library "a,b" and
/// the server would not start.
pub fn alter_system(name: &str, value: &str) -> String {
    crate::sql::statement::alter_system_set(name, &literal_value(name, value))
}

/// A setting's value as SQL literal(s).
pub fn literal_value(name: &str, value: &str) -> String {
    let quote = crate::sql::quote::quote_literal;
    if is_list(name) {
        let items: Vec<String> = value
            .split(',')
            .map(str::trim)
            .filter(|i| !i.is_empty())
            .map(quote)
            .collect();
        if !items.is_empty() {
            return items.join(", ");
        }
    }
    quote(value)
}

/// The setting a postgresql.conf line sets (`name = value` or `name value`), lower-cased as the
/// server folds it; None for comments, blank lines and includes.
fn conf_line_setting(line: &str) -> Option<String> {
    let line = line.trim_start();
    let end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
        .unwrap_or(line.len());
    let name = line[..end].to_ascii_lowercase();
    let rest = line[end..].trim_start();
    let is_setting = !name.is_empty()
        && !matches!(
            name.as_str(),
            "include" | "include_dir" | "include_if_exists"
        )
        && (rest.starts_with('=') || !rest.is_empty());
    is_setting.then_some(name)
}

/// What a conf file includes: `include_dir`, `include` and `include_if_exists` directives, their
/// paths resolved against `base` (the including file's directory), as the server resolves them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Include {
    Dir(std::path::PathBuf),
    File(std::path::PathBuf),
}

pub fn conf_includes(text: &str, base: &std::path::Path) -> Vec<Include> {
    text.lines()
        .filter_map(|line| {
            let line = line.split('#').next().unwrap_or_default().trim();
            let end = line
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(line.len());
            let directive = line[..end].to_ascii_lowercase();
            let value = line[end..].trim_start().trim_start_matches('=').trim();
            let value = value
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .unwrap_or(value)
                .replace("''", "'");
            if value.is_empty() {
                return None;
            }
            let path = base.join(&value);
            match directive.as_str() {
                "include_dir" => Some(Include::Dir(path)),
                "include" | "include_if_exists" => Some(Include::File(path)),
                _ => None,
            }
        })
        .collect()
}

/// What merging settings into a conf file did to each of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfChange {
    Added,
    Replaced { was: String },
    Unchanged,
}

/// `existing` (a conf file's text, possibly empty) with each of `items` set: a line that sets the same
/// setting is replaced in place (later duplicates, which would win, removed), a new one is appended;
/// every other line (settings the user or an earlier apply wrote, comments) is kept as it is.
pub fn merge_conf(
    existing: &str,
    header: &str,
    items: &[(String, String)],
) -> (String, Vec<(String, ConfChange)>) {
    let line_for = |n: &str, v: &str| format!("{n} = {}", crate::sql::quote::conf_value(v));
    let mut changes: Vec<(String, ConfChange)> = Vec::new();
    let mut out: Vec<String> = Vec::new();
    if existing.trim().is_empty() {
        out.push(header.trim_end().to_string());
    }
    for line in existing.lines() {
        let Some(name) = conf_line_setting(line) else {
            out.push(line.to_string());
            continue;
        };
        match items.iter().find(|(n, _)| n.eq_ignore_ascii_case(&name)) {
            None => out.push(line.to_string()),
            Some((n, v)) => {
                if changes.iter().any(|(c, _)| c == n) {
                    continue;
                }
                let new = line_for(n, v);
                let change = if line.trim() == new {
                    ConfChange::Unchanged
                } else {
                    ConfChange::Replaced {
                        was: line.trim().to_string(),
                    }
                };
                changes.push((n.clone(), change));
                out.push(new);
            }
        }
    }
    for (n, v) in items {
        if !changes.iter().any(|(c, _)| c == n) {
            changes.push((n.clone(), ConfChange::Added));
            out.push(line_for(n, v));
        }
    }
    let mut text = out.join("\n");
    text.push('\n');
    (text, changes)
}

/// A plausible setting name: lower-case letters, digits and underscores, with at most one dot for an
/// extension's own settings (`pg_stat_statements.track`).
pub fn is_valid_name(name: &str) -> bool {
    let mut parts = name.split('.');
    let valid_part = |p: &str| {
        p.chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    let first = parts.next().is_some_and(valid_part);
    let rest: Vec<&str> = parts.collect();
    first && rest.len() <= 1 && rest.iter().all(|p| valid_part(p))
}

#[cfg(test)]
mod tests {

    #[test]
    fn includes_are_resolved_against_the_including_file() {
        let base = std::path::Path::new("/etc/postgresql/15/main");
        let text = "shared_buffers = 1GB\ninclude_dir = 'conf.d'   # drop-ins\n#include_dir = 'off'\ninclude_if_exists '/etc/pg/extra.conf'\ninclude = 'it''s.conf'\n";
        assert_eq!(
            conf_includes(text, base),
            [
                Include::Dir(base.join("conf.d")),
                Include::File("/etc/pg/extra.conf".into()),
                Include::File(base.join("it's.conf")),
            ]
        );
    }

    #[test]
    fn merging_keeps_other_settings_and_replaces_changed_ones() {
        let existing =
            "# Written by pgtune\nwork_mem = 4MB\nrandom_page_cost = 1.1 # mine\nWORK_MEM = 8MB\n";
        let items = vec![
            ("work_mem".to_string(), "16MB".to_string()),
            ("effective_io_concurrency".to_string(), "200".to_string()),
        ];
        let (text, changes) = merge_conf(existing, "# header", &items);
        assert_eq!(
            text,
            "# Written by pgtune\nwork_mem = 16MB\nrandom_page_cost = 1.1 # mine\neffective_io_concurrency = 200\n"
        );
        assert_eq!(
            changes,
            vec![
                (
                    "work_mem".to_string(),
                    ConfChange::Replaced {
                        was: "work_mem = 4MB".into()
                    }
                ),
                ("effective_io_concurrency".to_string(), ConfChange::Added),
            ]
        );
        let (fresh, _) = merge_conf("", "# header", &items);
        assert_eq!(
            fresh,
            "# header\nwork_mem = 16MB\neffective_io_concurrency = 200\n"
        );
    }
    use super::*;

    #[test]
    fn values_in_setting_units() {
        let cases: &[(&str, Option<&str>, Option<f64>)] = &[
            ("16GB", Some("8kB"), Some(2097152.0)),
            ("20164kB", Some("kB"), Some(20164.0)),
            ("1GB", Some("MB"), Some(1024.0)),
            ("1s", Some("ms"), Some(1000.0)),
            ("15s", Some("s"), Some(15.0)),
            ("2min", Some("s"), Some(120.0)),
            ("200", None, Some(200.0)),
            ("1.1", None, Some(1.1)),
            ("-1", Some("kB"), Some(-1.0)),
            ("16GB", Some("ms"), None),
            ("lz4", None, None),
        ];
        for (value, unit, expected) in cases {
            assert_eq!(
                in_setting_units(value, *unit),
                *expected,
                "{value} in {unit:?}"
            );
        }
    }

    #[test]
    fn memory_sizes() {
        assert_eq!(parse_memory_kb("512MB"), Ok(524288));
        assert_eq!(parse_memory_kb("16GB"), Ok(16777216));
        assert_eq!(parse_memory_kb("1TB"), Ok(1073741824));
        assert_eq!(parse_memory_kb("2048kB"), Ok(2048));
        assert_eq!(parse_memory_kb("1.5GB"), Ok(1572864));
        assert_eq!(parse_memory_kb(" 16 GB "), Ok(16777216));
        assert!(parse_memory_kb("16gb")
            .unwrap_err()
            .contains("did you mean 16GB?"));
        assert!(parse_memory_kb("16").unwrap_err().contains("no unit"));
        assert!(parse_memory_kb("lots").is_err());
        assert!(parse_memory_kb("0GB").is_err());
        assert!(parse_memory_kb("16PB")
            .unwrap_err()
            .contains("unknown unit \"PB\""));
    }

    #[test]
    fn alter_system_statements() {
        assert_eq!(
            alter_system("work_mem", "4MB"),
            "ALTER SYSTEM SET work_mem = '4MB';"
        );
        assert_eq!(
            alter_system("log_line_prefix", "it's"),
            "ALTER SYSTEM SET log_line_prefix = 'it''s';"
        );
        assert_eq!(
            alter_system("shared_preload_libraries", "timescaledb,pg_stat_statements"),
            "ALTER SYSTEM SET shared_preload_libraries = 'timescaledb', 'pg_stat_statements';"
        );
        assert_eq!(
            alter_system("pg_stat_statements.max", "10000"),
            "ALTER SYSTEM SET pg_stat_statements.max = '10000';"
        );
    }

    #[test]
    fn names() {
        for ok in [
            "work_mem",
            "pg_stat_statements.track",
            "auto_explain.log_min_duration",
        ] {
            assert!(is_valid_name(ok), "{ok}");
        }
        for bad in ["", "Work_mem", "a.b.c", "1x", "work mem", "x;y"] {
            assert!(!is_valid_name(bad), "{bad}");
        }
    }
}
