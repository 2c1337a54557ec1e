//! The verdict on each declared object, from catalog facts: pure, so every rule is tested without a
//! server. The facts come from `db::schema`; the declared index shapes from shadow builds there.

use std::collections::HashMap;

use serde::Serialize;

use super::shape::{self, Difference, IndexShape};
use super::{Declaration, Location, Source};
use crate::outcome::Status;

/// What the server says about one declared extension.
#[derive(Debug, Clone, Default)]
pub struct ExtensionFacts {
    pub name: String,
    /// (schema, version) when installed in this database.
    pub installed: Option<(String, String)>,
    /// Whether the server can install it at all (pg_available_extensions).
    pub available: bool,
    pub default_version: Option<String>,
}

/// A table a declared index names, as PostgreSQL resolved it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRef {
    pub oid: u32,
    pub schema: String,
    pub name: String,
    /// A partitioned table cannot have an index built on it concurrently.
    pub partitioned: bool,
    /// Its partitions at every level, parents first (empty unless partitioned).
    pub partitions: Vec<crate::report::fk::Partition>,
    /// How it is partitioned, as the server spells it (`pg_get_partkeydef`: `RANGE (k)`), so a
    /// shadow build meets the rules a partitioned table adds (a unique index holds its key).
    pub partition_key: Option<String>,
}

impl TableRef {
    pub fn qualified(&self) -> String {
        super::QualifiedName {
            schema: Some(self.schema.clone()),
            name: self.name.clone(),
        }
        .quoted()
    }
}

/// An index that exists.
#[derive(Debug, Clone)]
pub struct LiveIndex {
    pub oid: u32,
    pub schema: String,
    pub name: String,
    pub table_oid: u32,
    /// Quoted and qualified.
    pub table: String,
    /// As it is, without its schema.
    pub table_name: String,
    pub valid: bool,
    pub ready: bool,
    pub definition: String,
    /// The constraint it backs (primary key, unique, exclusion), if any.
    pub constraint: Option<String>,
    pub owned_by_extension: bool,
    pub partition_child: bool,
    /// An index on a partitioned table (relkind 'I').
    pub partitioned: bool,
}

/// How a verdict's detail begins when the shadow build failed for want of a declared extension not
/// installed yet: a provisional reason, which `apply` drops once the real build has spoken.
pub const CHECKED_AFTER_EXTENSIONS: &str =
    "its definition is checked once the declared extensions are installed";

/// How a verdict's detail begins when the plan could not check the definition (its table locked,
/// a privilege missing): provisional too, dropped by `apply` once the real build has spoken.
pub const NOT_CHECKED: &str = "its definition was not checked";

/// PostgreSQL's refusal of a declared definition in its shadow build.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub message: String,
    pub sqlstate: Option<String>,
}

impl Refusal {
    /// Whether an extension not installed yet could be why: an object it would provide (operator
    /// class, type, access method: undefined_object; a function or operator: undefined_function) is
    /// missing. A missing column or a syntax error is the declaration's own fault.
    fn may_need_extension(&self) -> bool {
        matches!(self.sqlstate.as_deref(), Some("42704" | "42883"))
    }
}

/// Everything the verdicts are made from.
#[derive(Debug, Default, Clone)]
pub struct Facts {
    pub extensions: Vec<ExtensionFacts>,
    /// By declaration position: the table of each declared index, when it exists.
    pub tables: HashMap<usize, TableRef>,
    pub indexes: Vec<LiveIndex>,
    /// The live indexes' shapes, by oid.
    pub live_shapes: HashMap<u32, IndexShape>,
    /// By declaration position: the declared index built on a shadow table, or PostgreSQL's error.
    pub declared_shapes: HashMap<usize, Result<IndexShape, Refusal>>,
    /// Why no shadow could be built at all (a standby, no TEMP privilege), if so.
    pub unverifiable: Option<String>,
    /// By declaration position: why this one's shadow build could not be tried (its table locked).
    pub not_compared: HashMap<usize, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Exists, valid, and matches the declaration.
    Ok,
    Missing,
    /// Exists but differs (see the differences).
    Differs,
    /// Exists but is not valid or not ready: a failed concurrent build's leftover.
    Invalid,
    /// Exists and is valid, but its definition could not be compared (see the detail).
    Unverified,
    /// An extension the server does not have.
    Unavailable,
    /// The index's table does not exist.
    NoTable,
    /// PostgreSQL rejects the declared definition.
    Rejected,
    /// An index without a name, or a second declaration of the same object: not managed.
    NotManaged,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::Missing => "missing",
            Verdict::Differs => "differs",
            Verdict::Invalid => "invalid",
            Verdict::Unverified => "unverified",
            Verdict::Unavailable => "unavailable",
            Verdict::NoTable => "no-table",
            Verdict::Rejected => "rejected",
            Verdict::NotManaged => "not-managed",
        }
    }

    /// For `plan`: changes pending are warnings; what apply cannot fix is critical.
    pub fn plan_status(self) -> Status {
        match self {
            Verdict::Ok => Status::Ok,
            Verdict::Missing | Verdict::Differs | Verdict::Invalid | Verdict::Unverified => {
                Status::Warning
            }
            Verdict::Unavailable | Verdict::NoTable | Verdict::Rejected | Verdict::NotManaged => {
                Status::Critical
            }
        }
    }

    /// For `verify`: anything not proven present, valid and matching fails, except a verdict that
    /// could not be proven either way (a standby), which warns.
    pub fn verify_status(self) -> Status {
        match self {
            Verdict::Ok => Status::Ok,
            Verdict::Unverified => Status::Warning,
            _ => Status::Critical,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Extension,
    Index,
}

/// The verdict on one declaration.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectPlan {
    pub kind: Kind,
    /// Schema-qualified for an index (its table's schema), bare for an extension; quoted as SQL.
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    #[serde(flatten)]
    pub raw: RawNames,
    #[serde(flatten)]
    pub at: Location,
    pub verdict: Verdict,
    /// What the verdict means for this command's exit code.
    pub status: Status,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<Difference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Position of the declaration in the source.
    #[serde(skip)]
    pub declaration: usize,
    /// The live index of that name, when there is one.
    #[serde(skip)]
    pub live: Option<LiveIndex>,
    #[serde(skip)]
    pub resolved_table: Option<TableRef>,
}

/// Names as they are, unquoted, beside the quoted `name` and `table`: what a JSON consumer matches on.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RawNames {
    /// The schema of the index (its table's) or of the extension, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// The table, without its schema.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table_name: Option<String>,
}

/// An index on a declared table that no file declares.
#[derive(Debug, Clone, Serialize)]
pub struct ExtraIndex {
    pub name: String,
    pub table: String,
    #[serde(flatten)]
    pub raw: RawNames,
    pub definition: String,
    pub valid: bool,
    /// Ok, unless verify runs with --strict.
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct Plan {
    pub objects: Vec<ObjectPlan>,
    pub extra: Vec<ExtraIndex>,
}

/// The verdict on every declaration, and the extra indexes on the tables they touch.
pub fn plan(source: &Source, facts: &Facts) -> Plan {
    let missing_extensions: Vec<&str> = facts
        .extensions
        .iter()
        .filter(|e| e.installed.is_none())
        .map(|e| e.name.as_str())
        .collect();
    let mut objects = Vec::new();
    let mut matched: Vec<u32> = Vec::new();
    for (i, decl) in source.declarations.iter().enumerate() {
        let object = match decl {
            Declaration::Extension(e) => {
                let f = facts.extensions.iter().find(|f| f.name == e.name);
                let (verdict, differences, detail) = extension_verdict(e, f);
                ObjectPlan {
                    kind: Kind::Extension,
                    name: crate::sql::quote::quote_ident(&e.name),
                    table: None,
                    raw: RawNames {
                        schema: e.schema.clone(),
                        extension: Some(e.name.clone()),
                        ..RawNames::default()
                    },
                    at: e.at.clone(),
                    verdict,
                    status: verdict.plan_status(),
                    differences,
                    detail,
                    declaration: i,
                    live: None,
                    resolved_table: None,
                }
            }
            Declaration::Index(ix) => {
                let table = facts.tables.get(&i).cloned();
                let name = match (&ix.name, &table) {
                    (Some(n), Some(t)) => format!(
                        "{}.{}",
                        crate::sql::quote::quote_ident(&t.schema),
                        crate::sql::quote::quote_ident(n)
                    ),
                    (Some(n), None) => match &ix.table.schema {
                        Some(s) => format!(
                            "{}.{}",
                            crate::sql::quote::quote_ident(s),
                            crate::sql::quote::quote_ident(n)
                        ),
                        None => crate::sql::quote::quote_ident(n),
                    },
                    (None, _) => "(unnamed)".into(),
                };
                let live = match (&ix.name, &table) {
                    (Some(n), Some(t)) => facts
                        .indexes
                        .iter()
                        .find(|l| l.schema == t.schema && &l.name == n)
                        .cloned(),
                    _ => None,
                };
                if let Some(l) = &live {
                    matched.push(l.oid);
                }
                let mut object = ObjectPlan {
                    kind: Kind::Index,
                    raw: RawNames {
                        schema: table
                            .as_ref()
                            .map(|t| t.schema.clone())
                            .or_else(|| ix.table.schema.clone()),
                        index: ix.name.clone(),
                        table_name: Some(
                            table
                                .as_ref()
                                .map_or_else(|| ix.table.name.clone(), |t| t.name.clone()),
                        ),
                        extension: None,
                    },
                    name,
                    table: Some(
                        table
                            .as_ref()
                            .map_or_else(|| ix.table.quoted(), |t| t.qualified()),
                    ),
                    at: ix.at.clone(),
                    verdict: Verdict::Ok,
                    status: Status::Ok,
                    differences: vec![],
                    detail: None,
                    declaration: i,
                    live: live.clone(),
                    resolved_table: table.clone(),
                };
                let (verdict, differences, detail) = if ix.name.is_none() {
                    (
                        Verdict::NotManaged,
                        vec![],
                        Some(
                            "unnamed: give the index a name so it can be verified and rebuilt"
                                .into(),
                        ),
                    )
                } else if source.is_duplicate(i) {
                    (
                        Verdict::NotManaged,
                        vec![],
                        Some("declared twice: only the first declaration is managed".into()),
                    )
                } else {
                    index_verdict(i, table.as_ref(), live.as_ref(), facts, &missing_extensions)
                };
                object.verdict = verdict;
                object.status = verdict.plan_status();
                object.differences = differences;
                object.detail = detail;
                object
            }
        };
        objects.push(object);
    }
    let declared_tables: Vec<u32> = facts.tables.values().map(|t| t.oid).collect();
    let extra = facts
        .indexes
        .iter()
        .filter(|l| declared_tables.contains(&l.table_oid) && !matched.contains(&l.oid))
        .filter(|l| l.constraint.is_none() && !l.owned_by_extension && !l.partition_child)
        .map(|l| ExtraIndex {
            name: format!(
                "{}.{}",
                crate::sql::quote::quote_ident(&l.schema),
                crate::sql::quote::quote_ident(&l.name)
            ),
            table: l.table.clone(),
            raw: RawNames {
                schema: Some(l.schema.clone()),
                index: Some(l.name.clone()),
                table_name: Some(l.table_name.clone()),
                extension: None,
            },
            definition: l.definition.clone(),
            valid: l.valid,
            status: Status::Ok,
            note: leftover_note(&l.name),
        })
        .collect();
    Plan { objects, extra }
}

fn leftover_note(name: &str) -> Option<String> {
    let base = name.trim_end_matches(|c: char| c.is_ascii_digit());
    if base.ends_with("_ccnew") || base.ends_with("_ccold") {
        Some("leftover of an interrupted REINDEX CONCURRENTLY".into())
    } else if name.ends_with(super::ddl::NEW_SUFFIX) || name.ends_with(super::ddl::OLD_SUFFIX) {
        Some("leftover of an interrupted pgtune rebuild (--rebuild-changed)".into())
    } else {
        None
    }
}

fn extension_verdict(
    e: &super::ExtensionDecl,
    f: Option<&ExtensionFacts>,
) -> (Verdict, Vec<Difference>, Option<String>) {
    let Some(f) = f else {
        return (
            Verdict::Unavailable,
            vec![],
            Some("the server does not know this extension".into()),
        );
    };
    let Some((schema, version)) = &f.installed else {
        if !f.available {
            return (
                Verdict::Unavailable,
                vec![],
                Some(format!(
                    "the server has no extension {} to install (install its package on the server)",
                    e.name
                )),
            );
        }
        let version = e.version.as_ref().or(f.default_version.as_ref());
        return (
            Verdict::Missing,
            vec![],
            version.map(|v| format!("apply installs version {v}")),
        );
    };
    let mut differences = Vec::new();
    if let Some(v) = &e.version {
        if v != version {
            differences.push(Difference {
                aspect: "version",
                declared: v.clone(),
                live: version.clone(),
            });
        }
    }
    if let Some(s) = &e.schema {
        if s != schema {
            differences.push(Difference {
                aspect: "schema",
                declared: s.clone(),
                live: schema.clone(),
            });
        }
    }
    if differences.is_empty() {
        (Verdict::Ok, differences, None)
    } else {
        (Verdict::Differs, differences, None)
    }
}

fn index_verdict(
    i: usize,
    table: Option<&TableRef>,
    live: Option<&LiveIndex>,
    facts: &Facts,
    missing_extensions: &[&str],
) -> (Verdict, Vec<Difference>, Option<String>) {
    let Some(table) = table else {
        return (
            Verdict::NoTable,
            vec![],
            Some("its table does not exist".into()),
        );
    };
    let declared = facts.declared_shapes.get(&i);
    let rejected = |refusal: &Refusal| {
        let message = &refusal.message;
        if missing_extensions.is_empty() || !refusal.may_need_extension() {
            (
                Verdict::Rejected,
                vec![],
                Some(format!(
                    "PostgreSQL rejects the declared definition: {message}"
                )),
            )
        } else {
            (
                Verdict::Missing,
                vec![],
                Some(format!(
                    "{CHECKED_AFTER_EXTENSIONS} ({}): {message}",
                    missing_extensions.join(", ")
                )),
            )
        }
    };
    let Some(live) = live else {
        return match declared {
            Some(Err(message)) => rejected(message),
            _ => (
                Verdict::Missing,
                vec![],
                facts
                    .not_compared
                    .get(&i)
                    .or(facts.unverifiable.as_ref())
                    .map(|why| format!("{NOT_CHECKED}: {why}")),
            ),
        };
    };
    if live.table_oid != table.oid {
        return (
            Verdict::Differs,
            vec![Difference {
                aspect: "table",
                declared: table.qualified(),
                live: live.table.clone(),
            }],
            Some("an index of this name exists on another table".into()),
        );
    }
    if live.partitioned && !live.valid {
        return (
            Verdict::Invalid,
            vec![],
            Some("exists but is invalid: a partitioned index some of whose partitions have no index attached to it (built ON ONLY, or a partition attached without one), not a failed build; apply completes it: the missing partitions' indexes built, concurrently on each leaf, and attached".into()),
        );
    }
    if !live.valid || !live.ready {
        return (
            Verdict::Invalid,
            vec![],
            Some(format!(
                "exists but is {}: a failed or interrupted concurrent build left it; apply drops and rebuilds it",
                if live.ready { "invalid (maintained on every write, never used)" } else { "invalid and not ready" }
            )),
        );
    }
    match (declared, facts.live_shapes.get(&live.oid)) {
        (Some(Ok(d)), Some(l)) => {
            let differences = shape::differences(d, l);
            if differences.is_empty() {
                (Verdict::Ok, differences, None)
            } else {
                (Verdict::Differs, differences, None)
            }
        }
        (Some(Err(message)), _) => rejected(message),
        _ => (
            Verdict::Unverified,
            vec![],
            Some(format!(
                "exists and is valid; its definition was not compared: {}",
                facts
                    .not_compared
                    .get(&i)
                    .or(facts.unverifiable.as_ref())
                    .map_or("the shadow build did not run", |s| s.as_str())
            )),
        ),
    }
}

#[cfg(test)]
mod tests;
