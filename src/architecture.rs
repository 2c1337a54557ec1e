//! Architecture invariants checked by reading `src/`: which crate may be used where, and what no
//! module may do (exit the process, write the environment, keep global mutable state beyond the
//! listed). ARCHITECTURE.md states each and names the test here.

use std::path::Path;

/// Every source file under `src/` (path relative to it, with `/`), its test modules left out:
/// tests may use what they like.
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, base, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(base).unwrap().display().to_string();
                if rel == "architecture.rs" || rel.ends_with("/tests.rs") || rel == "tests.rs" {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                // Test modules come last in a file, by this code base's convention.
                let code = match text.find("#[cfg(test)]\nmod ") {
                    Some(at) => text[..at].to_string(),
                    None => text,
                };
                out.push((rel, code));
            }
        }
    }
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    walk(&base, &base, &mut out);
    out.sort();
    out
}

/// Lines of code (comments left out) that contain `needle`, as `file:line`.
fn uses(needle: &str, allowed: impl Fn(&str) -> bool) -> Vec<String> {
    let mut found = Vec::new();
    for (file, code) in sources() {
        if allowed(&file) {
            continue;
        }
        for (n, line) in code.lines().enumerate() {
            let line = line.trim_start();
            if !line.starts_with("//") && line.contains(needle) {
                found.push(format!("src/{file}:{}: {line}", n + 1));
            }
        }
    }
    found
}

#[test]
fn the_database_driver_and_tls_stay_in_db() {
    for krate in ["tokio_postgres", "rustls"] {
        let outside = uses(krate, |f| f.starts_with("db/"));
        assert!(
            outside.is_empty(),
            "{krate} outside db/:\n{}",
            outside.join("\n")
        );
    }
}

#[test]
fn tables_and_json_are_rendered_in_render() {
    let outside = uses("comfy_table", |f| f.starts_with("render/"));
    assert!(
        outside.is_empty(),
        "comfy_table outside render/:\n{}",
        outside.join("\n")
    );
    // db/ decodes JSON columns; health's findings carry their objects as JSON values (the JSON
    // model of a finding).
    let outside = uses("serde_json", |f| {
        f.starts_with("render/") || f.starts_with("db/") || f == "health/mod.rs"
    });
    assert!(
        outside.is_empty(),
        "serde_json outside render/ and db/:\n{}",
        outside.join("\n")
    );
}

#[test]
fn layers_import_downward_only() {
    // Reports live in model/, below both commands/ and render/: nothing but main.rs reaches up
    // into commands/, and model/ knows neither the renderers nor the commands.
    let up = uses("commands::", |f| {
        f.starts_with("commands/") || f == "main.rs"
    });
    assert!(
        up.is_empty(),
        "commands/ used from below it:\n{}",
        up.join("\n")
    );
    let model_up = uses("crate::render", |f| !f.starts_with("model/"));
    assert!(
        model_up.is_empty(),
        "model/ uses render/:\n{}",
        model_up.join("\n")
    );
}

/// Statement keywords: a literal that is SQL text starts with (or holds, before a `{` a name goes
/// into) one of these.
const STATEMENT_KEYWORDS: &str = "SELECT|SET|CREATE|DROP|ALTER|BEGIN|COMMIT|ROLLBACK|RELEASE|SAVEPOINT|REINDEX|VACUUM|ANALYZE|REFRESH|DELETE|INSERT|UPDATE|EXPLAIN|PREPARE|DEALLOCATE|TRUNCATE|GRANT|REVOKE|CLUSTER|LOCK|COPY";

/// Whether a string literal's text is SQL a program composes: a bare statement (`BEGIN`), a
/// statement that a name is formatted into (`VACUUM {name}`), a call (`SELECT f(...)`) or a
/// setting (`SET x = ...`). Prose that names a command (`ANALYZE them`) is not.
fn is_sql_text(literal: &str) -> bool {
    let kw = STATEMENT_KEYWORDS;
    let words = r"(\s+(\([A-Z_, ]+\)|[A-Z_]+))*";
    let patterns = [
        format!(r"^\s*({kw}){words}\s*(;|$)"),
        format!(r"\b({kw}){words}\s+\{{"),
        format!(r"\b({kw}){words}\s+[a-z_]+\("),
        r"\bSET\s+[a-z_.]+\s*=".to_string(),
    ];
    patterns
        .iter()
        .any(|p| regex_lite::Regex::new(p).unwrap().is_match(literal))
}

/// The string literals on a line of code.
fn literals(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\'' {
            // A char literal ('"') or a lifetime: skip what could be a quote in it.
            if let Some(&n) = chars.peek() {
                if n == '"' {
                    chars.next();
                }
            }
            continue;
        }
        if c != '"' {
            continue;
        }
        let mut text = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(e) = chars.next() {
                        text.push(e);
                    }
                }
                '"' => break,
                c => text.push(c),
            }
        }
        out.push(text);
    }
    out
}

#[test]
fn sql_text_is_composed_only_in_sql() {
    // Labels and prose that read like SQL, each with why it is not SQL text.
    const NOT_SQL: &[&str] = &[
        // The apply method's name in check's table and JSON.
        "ALTER SYSTEM",
        // Prose: what a role may not do.
        "role {role} may not ALTER SYSTEM {} ({how})",
    ];
    let mut found = Vec::new();
    for (file, code) in sources() {
        if file == "sql.rs" || file.starts_with("sql/") {
            continue;
        }
        for (n, line) in code.lines().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.starts_with("//") || trimmed.starts_with("#[") {
                continue;
            }
            for lit in literals(line) {
                if is_sql_text(&lit) && !NOT_SQL.contains(&lit.as_str()) {
                    found.push(format!("src/{file}:{}: \"{lit}\"", n + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "SQL text outside sql/ (compose it in sql::statement, or put the query in a file under sql/):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_sql_text_rule_tells_statements_from_prose() {
    for sql in [
        "BEGIN",
        "VACUUM (FREEZE) {name}",
        "ALTER TABLE {} ALTER COLUMN",
        "SELECT pg_reload_conf()",
        "SET statement_timeout = {left}",
        "autovacuum is off: ALTER SYSTEM SET autovacuum = on",
        "COMMIT;",
    ] {
        assert!(is_sql_text(sql), "{sql}");
    }
    for prose in [
        "ANALYZE them (pgtune analyze)",
        "VACUUM (FREEZE) the oldest tables",
        "REINDEX INDEX CONCURRENTLY failed",
        "a failed CREATE INDEX CONCURRENTLY: maintained on every write",
    ] {
        assert!(!is_sql_text(prose), "{prose}");
    }
    assert_eq!(
        literals(r#"f("a \"b\"", '"', "c")"#),
        vec!["a \"b\"".to_string(), "c".to_string()]
    );
}

#[test]
fn signals_are_caught_one_way() {
    // Ctrl-C and SIGTERM: db::cancel::Signals, and nothing else (no sigwait, no signal masks).
    for needle in [
        "tokio::signal",
        "sigwait",
        "pthread_sigmask",
        "libc::signal(",
    ] {
        let outside = uses(needle, |f| f == "db/cancel.rs");
        assert!(
            outside.is_empty(),
            "{needle} outside db/cancel.rs:\n{}",
            outside.join("\n")
        );
    }
}

/// Every file under `sql/`, its path relative to it and its text with `--` comment lines left out.
fn sql_files() -> Vec<(String, String)> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, base, out);
            } else if path.extension().is_some_and(|e| e == "sql") {
                let rel = path.strip_prefix(base).unwrap().display().to_string();
                let text = std::fs::read_to_string(&path).unwrap();
                let code: Vec<&str> = text
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("--"))
                    .collect();
                out.push((rel, code.join("\n")));
            }
        }
    }
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("sql");
    let mut out = Vec::new();
    walk(&base, &base, &mut out);
    out.sort();
    out
}

#[test]
fn the_tuning_engine_is_pure() {
    // tune/: inputs, a profile and server facts in, advice out; no IO of any kind.
    for needle in [
        "std::fs",
        "std::io",
        "std::env",
        "std::process",
        "tokio",
        "crate::db",
        "crate::host",
        "println!",
        "eprintln!",
    ] {
        let found = uses(needle, |f| !f.starts_with("tune/"));
        assert!(found.is_empty(), "IO in tune/:\n{}", found.join("\n"));
    }
}

#[test]
fn runners_poll_advisory_locks_and_never_block_on_one() {
    // pg_advisory_lock waits, and deadlocks with a concurrent index build: only the try_ form.
    let blocking: Vec<String> = sql_files()
        .into_iter()
        .filter(|(_, code)| {
            code.contains("pg_advisory_lock(") || code.contains("pg_advisory_xact_lock(")
        })
        .map(|(f, _)| f)
        .collect();
    assert!(
        blocking.is_empty(),
        "a blocking advisory lock in sql/: {blocking:?}"
    );
}

#[test]
fn relation_sizes_are_read_only_for_the_few_relations_a_query_picks() {
    // pg_relation_size takes an ACCESS SHARE lock per relation: over a whole catalog it waits
    // behind any lock and costs a lock per relation. Each use here is over a chosen few.
    const LISTED: &[(&str, &str)] = &[
        ("schema/index_state.sql", "one declared index"),
        ("maintain/index_sizes.sql", "the indexes a reindex rebuilds"),
        (
            "report/disk_sizes.sql",
            "relations the statistics know nothing of",
        ),
        ("check/health/invalid_indexes.sql", "invalid indexes only"),
    ];
    let found: Vec<String> = sql_files()
        .into_iter()
        .filter(|(_, code)| {
            code.contains("pg_relation_size(") || code.contains("pg_total_relation_size(")
        })
        .map(|(f, _)| f)
        .collect();
    let listed: Vec<String> = LISTED.iter().map(|(f, _)| f.to_string()).collect();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(
        found, listed_sorted,
        "pg_relation_size in sql/ changed: list (and argue for) a new use, or drop it from the list"
    );
}

/// pg_partition_tree takes ACCESS SHARE on every partition of a tree: one partition held
/// elsewhere stalls the query until lock_timeout. Partition trees are walked through pg_inherits
/// (`report/partition_tree.sql`, `report/partition_leaves.sql`), which takes no lock.
#[test]
fn partition_trees_are_walked_without_locks() {
    let found: Vec<String> = sql_files()
        .into_iter()
        .filter(|(_, code)| code.contains("pg_partition_tree("))
        .map(|(f, _)| f)
        .collect();
    assert!(
        found.is_empty(),
        "pg_partition_tree locks every partition; walk pg_inherits (the partition_tree or partition_leaves fragment): {found:?}"
    );
}

#[test]
fn lock_timeouts_are_retried_only_by_db_retry() {
    // A lock timeout is retried by db::retry::LockRetry; anywhere else one is only told apart
    // from other errors, at these places, each saying what it makes of one.
    const CLASSIFIED: &[(&str, &str)] = &[
        (
            "commands/check.rs",
            "a health check that met one: its status",
        ),
        (
            "commands/purge.rs",
            "a batch that met one: the table skipped, a warning",
        ),
        (
            "commands/schema/apply.rs",
            "a step that met one after its retries: failed, said why",
        ),
        (
            "jobs/run.rs",
            "a job that met one after its retries: skipped, locked",
        ),
    ];
    let mut found: Vec<String> = uses("is_lock_timeout()", |f| f.starts_with("db/"))
        .into_iter()
        .map(|l| {
            l.split(':')
                .next()
                .unwrap_or("")
                .trim_start_matches("src/")
                .to_string()
        })
        .collect();
    found.sort();
    found.dedup();
    let listed: Vec<String> = CLASSIFIED.iter().map(|(f, _)| f.to_string()).collect();
    assert_eq!(
        found, listed,
        "a lock timeout handled outside db::retry: retry it through LockRetry, or list what this place makes of one"
    );
}

#[test]
fn a_workloads_text_enters_sql_only_through_prepare() {
    // advise plans statements it did not write: only inside PREPARE, one extended-protocol
    // message, so that a second statement in the text is refused by the server.
    let outside = uses(".preparing(", |f| f == "db/advise.rs");
    assert!(
        outside.is_empty(),
        "Sql::preparing outside db/advise.rs:\n{}",
        outside.join("\n")
    );
}

#[test]
fn only_main_exits_and_nothing_writes_the_environment() {
    let exits = uses("process::exit", |f| f == "main.rs");
    assert!(
        exits.is_empty(),
        "process::exit outside main.rs:\n{}",
        exits.join("\n")
    );
    for write in ["set_var(", "remove_var("] {
        let found = uses(write, |_| false);
        assert!(
            found.is_empty(),
            "the environment is written:\n{}",
            found.join("\n")
        );
    }
}

/// Global mutable state is a side channel the types do not show. These are the ones there are,
/// each with what it carries; a new one fails here until it is argued for (or made a parameter).
#[test]
fn global_mutable_state_is_only_what_is_listed() {
    const LISTED: &[(&str, &str)] = &[
        // Computed once: the skeletons of pgtune's own SQL (immutable after).
        ("sql.rs", "SKELETONS"),
    ];
    let mut found = Vec::new();
    for (file, code) in sources() {
        for line in code.lines() {
            let line = line.trim_start();
            let Some(rest) = line
                .strip_prefix("static ")
                .or_else(|| line.strip_prefix("pub static "))
            else {
                continue;
            };
            let name = rest
                .trim_start_matches("mut ")
                .split(':')
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            found.push((file.clone(), name));
        }
    }
    let mut listed: Vec<(String, String)> = LISTED
        .iter()
        .map(|(f, n)| (f.to_string(), n.to_string()))
        .collect();
    listed.sort();
    assert_eq!(
        found, listed,
        "global statics changed: list (and argue for) a new one, or drop it from the list"
    );
}

/// A flag several commands take is declared once, in its group in `cli.rs` (`DryRun`, `Yes`,
/// `LockTimeout`, `Wait`, `ProfileArg`), and flattened where it is taken; a command words its help
/// with `mut_arg`, never with a second declaration.
#[test]
fn shared_flags_are_declared_once() {
    for field in [
        "pub dry_run: bool",
        "pub yes: bool",
        "pub lock_timeout: DurationArg",
        "pub wait: DurationArg",
        "pub profile: Option<String>",
    ] {
        let found = uses(field, |f| f != "cli.rs");
        assert_eq!(
            found.len(),
            1,
            "{field} declared more than once (flatten its group instead):\n{}",
            found.join("\n")
        );
    }
}

/// Every statement that changes something goes through `db::runner::Runner`: the type system
/// holds `Db::execute_statement` to `db/`, and this holds that visibility where it is.
#[test]
fn mutating_statements_run_only_through_the_runner() {
    let declared = uses("async fn execute_statement(", |f| f != "db/mod.rs");
    assert!(
        declared.len() == 1 && declared[0].contains("pub(in crate::db) async fn"),
        "Db::execute_statement must stay visible only in db/:\n{}",
        declared.join("\n")
    );
    let called = uses(".execute_statement(", |f| f.starts_with("db/"));
    assert!(called.is_empty(), "{}", called.join("\n"));
}
