//! The documented JSON shape of each command (`docs/json/COMMAND.json`), held to real output: every
//! JSON document a test reads through `Run::json` is checked against its command's shape, so a
//! field added, removed or retyped fails until the shape (and `schema_version` where a field is
//! removed or changes meaning) says so. A shape is the document with each value replaced by its
//! type (`"string"`, `"number"`, `"boolean"`, `"null"`, unions such as `"string|null"`), each list
//! by the shape of its items, and a `?` after a key that is not always there.
//!
//! `PGTUNE_BLESS_JSON=1 cargo test --test integration` merges what the tests see into the files.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Mutex;

use serde_json::{Map, Value};

static BLESSING: Mutex<()> = Mutex::new(());

/// In an object's shape: the object may also be null.
const NULLABLE: &str = "$nullable";

/// The shape file of a command; the maintenance commands share one report, and so one shape.
fn path(command: &str) -> PathBuf {
    let file = match command {
        "analyze" | "refresh" | "reindex" | "vacuum" => "maintenance".to_string(),
        other => other.replace(' ', "-"),
    };
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("docs/json")
        .join(format!("{file}.json"))
}

/// The shape of one value.
fn shape_of(v: &Value) -> Value {
    match v {
        Value::Null => "null".into(),
        Value::Bool(_) => "boolean".into(),
        Value::Number(_) => "number".into(),
        Value::String(_) => "string".into(),
        Value::Array(items) => {
            let merged = items.iter().map(shape_of).reduce(|a, b| merge(&a, &b));
            Value::Array(merged.into_iter().collect())
        }
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), shape_of(v)))
                .collect(),
        ),
    }
}

fn types(s: &str) -> BTreeSet<&str> {
    s.split('|').collect()
}

/// Two shapes as one: unions of types, a key missing from either marked optional.
fn merge(a: &Value, b: &Value) -> Value {
    match (a, b) {
        (Value::String(x), Value::String(y)) => {
            let all: BTreeSet<&str> = types(x).union(&types(y)).copied().collect();
            Value::String(all.into_iter().collect::<Vec<_>>().join("|"))
        }
        (Value::Array(x), Value::Array(y)) => match (x.first(), y.first()) {
            (Some(i), Some(j)) => Value::Array(vec![merge(i, j)]),
            (Some(i), None) | (None, Some(i)) => Value::Array(vec![i.clone()]),
            (None, None) => Value::Array(vec![]),
        },
        (Value::Object(x), Value::Object(y)) => {
            let bare = |k: &str| k.trim_end_matches('?').to_string();
            let nullable = x.contains_key(NULLABLE) || y.contains_key(NULLABLE);
            let mut out = Map::new();
            let keys: BTreeSet<String> = x.keys().chain(y.keys()).map(|k| bare(k)).collect();
            for k in keys {
                fn get<'m>(m: &'m Map<String, Value>, k: &str) -> Option<(&'m Value, bool)> {
                    m.get(k)
                        .map(|v| (v, false))
                        .or_else(|| m.get(&format!("{k}?")).map(|v| (v, true)))
                }
                match (get(x, &k), get(y, &k)) {
                    (Some((v, o1)), Some((w, o2))) => {
                        out.insert(if o1 || o2 { format!("{k}?") } else { k }, merge(v, w));
                    }
                    (Some((v, _)), None) | (None, Some((v, _))) => {
                        out.insert(format!("{k}?"), v.clone());
                    }
                    (None, None) => {}
                }
            }
            out.remove(NULLABLE);
            out.remove(&format!("{NULLABLE}?"));
            if nullable {
                out.insert(NULLABLE.into(), "yes".into());
            }
            Value::Object(out)
        }
        // An object that may be null: its shape, marked.
        (Value::String(x), Value::Object(o)) | (Value::Object(o), Value::String(x))
            if x == "null" =>
        {
            let mut o = o.clone();
            o.insert(NULLABLE.into(), "yes".into());
            Value::Object(o)
        }
        // A value seen as a scalar and as a list or an object: say both.
        (Value::String(x), other) | (other, Value::String(x)) => {
            Value::String(format!("{x}|{}", compact(other)))
        }
        (x, _) => x.clone(),
    }
}

fn compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Where `v` (at `at`) leaves the documented `shape`.
fn deviations(v: &Value, shape: &Value, at: &str, out: &mut Vec<String>) {
    match (v, shape) {
        (Value::Null, Value::Object(doc)) if doc.contains_key(NULLABLE) => {}
        (_, Value::String(allowed)) => {
            let t = match shape_of(v) {
                Value::String(t) => t,
                other => compact(&other),
            };
            let ok = types(allowed).contains(t.as_str())
                || (matches!(v, Value::Array(_) | Value::Object(_)) && allowed.contains(&t));
            if !ok {
                out.push(format!("{at}: {t}, documented as {allowed}"));
            }
        }
        (Value::Array(items), Value::Array(item_shape)) => match item_shape.first() {
            Some(s) => {
                for (i, item) in items.iter().enumerate() {
                    deviations(item, s, &format!("{at}[{i}]"), out);
                }
            }
            None if !items.is_empty() => out.push(format!("{at}: items undocumented")),
            None => {}
        },
        (Value::Object(fields), Value::Object(doc)) => {
            for (k, val) in fields {
                match doc.get(k).or_else(|| doc.get(&format!("{k}?"))) {
                    Some(s) => deviations(val, s, &format!("{at}.{k}"), out),
                    None => out.push(format!("{at}.{k}: undocumented field")),
                }
            }
            for k in doc.keys().filter(|k| !k.ends_with('?') && *k != NULLABLE) {
                if !fields.contains_key(k) {
                    out.push(format!("{at}.{k}: documented, missing"));
                }
            }
        }
        _ => out.push(format!(
            "{at}: {}, documented as {}",
            compact(&shape_of(v)),
            compact(shape)
        )),
    }
}

/// Checks (or with PGTUNE_BLESS_JSON, records) a command's JSON document against its shape.
pub fn check(doc: &Value) {
    let Some(command) = doc.get("command").and_then(Value::as_str) else {
        return;
    };
    let file = path(command);
    let blessing = std::env::var_os("PGTUNE_BLESS_JSON").is_some();
    let _guard = BLESSING.lock().unwrap_or_else(|e| e.into_inner());
    let documented: Option<Value> = std::fs::read_to_string(&file)
        .ok()
        .map(|t| serde_json::from_str(&t).expect("a shape file is JSON"));
    if blessing {
        let seen = shape_of(doc);
        let merged = match &documented {
            Some(d) => merge(d, &seen),
            None => seen,
        };
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, serde_json::to_string_pretty(&merged).unwrap() + "\n").unwrap();
        return;
    }
    let Some(documented) = documented else {
        panic!(
            "pgtune {command} --format json has no documented shape: {} (PGTUNE_BLESS_JSON=1 records it)",
            file.display()
        );
    };
    let mut out = Vec::new();
    deviations(doc, &documented, "$", &mut out);
    assert!(
        out.is_empty(),
        "pgtune {command} JSON leaves its documented shape {}:\n{}\n(if the change is meant, \
         PGTUNE_BLESS_JSON=1 records it; bump the command's schema_version when a field is removed \
         or changes meaning)",
        file.display(),
        out.join("\n")
    );
}
