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
