use super::*;
use crate::schema::source::parse_file;
use std::path::Path;

fn source(text: &str) -> Source {
    let mut s = Source::default();
    parse_file(Path::new("t.sql"), text, "sum", &mut s).unwrap();
    s
}

fn table(oid: u32) -> TableRef {
    TableRef {
        oid,
        schema: "public".into(),
        name: format!("t{oid}"),
        partitioned: false,
        partitions: vec![],
        partition_key: None,
    }
}

fn live(oid: u32, name: &str, table_oid: u32) -> LiveIndex {
    LiveIndex {
        oid,
        schema: "public".into(),
        name: name.into(),
        table_oid,
        table: format!("public.t{table_oid}"),
        table_name: format!("t{table_oid}"),
        valid: true,
        ready: true,
        definition: format!("CREATE INDEX {name} ON public.t{table_oid} USING btree (a)"),
        constraint: None,
        owned_by_extension: false,
        partition_child: false,
        partitioned: false,
    }
}

fn shape(column: &str) -> IndexShape {
    IndexShape {
        method: "btree".into(),
        unique: false,
        nulls_not_distinct: false,
        keys: vec![crate::schema::shape::KeyColumn {
            expression: column.into(),
            opclass: "pg_catalog.int4_ops".into(),
            opclass_options: String::new(),
            collation: String::new(),
            descending: false,
            nulls_first: false,
        }],
        include: vec![],
        predicate: None,
        options: vec![],
        tablespace: String::new(),
    }
}

fn verdicts(p: &Plan) -> Vec<Verdict> {
    p.objects.iter().map(|o| o.verdict).collect()
}

#[test]
fn extension_verdicts() {
    let s = source(
        "CREATE EXTENSION IF NOT EXISTS a;\n\
         CREATE EXTENSION IF NOT EXISTS b VERSION '2.0';\n\
         CREATE EXTENSION IF NOT EXISTS c SCHEMA ext;\n\
         CREATE EXTENSION IF NOT EXISTS d;\n\
         CREATE EXTENSION IF NOT EXISTS e;",
    );
    let installed = |name: &str, schema: &str, version: &str| ExtensionFacts {
        name: name.into(),
        installed: Some((schema.into(), version.into())),
        available: true,
        default_version: Some(version.into()),
    };
    let facts = Facts {
        extensions: vec![
            installed("a", "public", "1.0"),
            installed("b", "public", "1.0"),
            installed("c", "public", "1.0"),
            ExtensionFacts {
                name: "d".into(),
                available: true,
                default_version: Some("1.1".into()),
                ..Default::default()
            },
            ExtensionFacts {
                name: "e".into(),
                ..Default::default()
            },
        ],
        ..Facts::default()
    };
    let p = plan(&s, &facts);
    assert_eq!(
        verdicts(&p),
        [
            Verdict::Ok,
            Verdict::Differs,
            Verdict::Differs,
            Verdict::Missing,
            Verdict::Unavailable
        ]
    );
    assert_eq!(p.objects[1].differences[0].aspect, "version");
    assert_eq!(p.objects[2].differences[0].aspect, "schema");
    assert_eq!(
        p.objects[3].detail.as_deref(),
        Some("apply installs version 1.1")
    );
    assert_eq!(p.objects[4].status, Status::Critical);
}

#[test]
fn index_verdicts() {
    let s = source(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS same ON t1 (a);\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS changed ON t1 (a);\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS absent ON t1 (a);\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS broken ON t1 (a);\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS elsewhere ON t1 (a);\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS nowhere ON gone (a);\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS unchecked ON t1 (a);\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS rejected ON t1 (a);",
    );
    let mut broken = live(4, "broken", 1);
    broken.valid = false;
    let mut facts = Facts {
        indexes: vec![
            live(1, "same", 1),
            live(2, "changed", 1),
            broken,
            live(5, "elsewhere", 2),
            live(7, "unchecked", 1),
            live(8, "rejected", 1),
            live(9, "undeclared", 1),
        ],
        ..Facts::default()
    };
    for i in [0, 1, 2, 3, 4, 6, 7] {
        facts.tables.insert(i, table(1));
    }
    facts.live_shapes.insert(1, shape("a"));
    facts.live_shapes.insert(2, shape("b"));
    facts.declared_shapes.insert(0, Ok(shape("a")));
    facts.declared_shapes.insert(1, Ok(shape("a")));
    facts
        .declared_shapes
        .insert(7, Err(refusal("42601", "ERROR: syntax error")));
    facts
        .not_compared
        .insert(6, "its table is locked by another session".into());
    let p = plan(&s, &facts);
    assert_eq!(
        verdicts(&p),
        [
            Verdict::Ok,
            Verdict::Differs,
            Verdict::Missing,
            Verdict::Invalid,
            Verdict::Differs,
            Verdict::NoTable,
            Verdict::Unverified,
            Verdict::Rejected,
        ]
    );
    assert_eq!(p.objects[1].differences[0].aspect, "columns");
    assert_eq!(p.objects[4].differences[0].aspect, "table");
    assert!(p.objects[6].detail.as_deref().unwrap().contains("locked"));
    let extra: Vec<&str> = p.extra.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(extra, ["public.undeclared"]);
}

#[test]
fn a_rejected_definition_waits_for_missing_extensions() {
    let s = source(
        "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n\
         CREATE INDEX CONCURRENTLY IF NOT EXISTS trgm ON t1 USING gin (a gin_trgm_ops);",
    );
    let mut facts = Facts {
        extensions: vec![ExtensionFacts {
            name: "pg_trgm".into(),
            available: true,
            ..Default::default()
        }],
        ..Facts::default()
    };
    facts.tables.insert(1, table(1));
    facts.declared_shapes.insert(
        1,
        Err(refusal(
            "42704",
            "operator class \"gin_trgm_ops\" does not exist",
        )),
    );
    let p = plan(&s, &facts);
    assert_eq!(verdicts(&p), [Verdict::Missing, Verdict::Missing]);
    assert!(p.objects[1].detail.as_deref().unwrap().contains("pg_trgm"));
}

#[test]
fn extra_leaves_out_constraints_extension_indexes_and_partitions_and_names_leftovers() {
    let s = source("CREATE INDEX CONCURRENTLY IF NOT EXISTS a ON t1 (a);");
    let mut pkey = live(2, "t1_pkey", 1);
    pkey.constraint = Some("t1_pkey".into());
    let mut owned = live(3, "ext_idx", 1);
    owned.owned_by_extension = true;
    let mut child = live(4, "part_idx", 1);
    child.partition_child = true;
    let mut facts = Facts {
        indexes: vec![
            live(1, "a", 1),
            pkey,
            owned,
            child,
            live(5, "a_ccnew1", 1),
            live(6, "b_pgtune_new", 1),
        ],
        ..Facts::default()
    };
    facts.tables.insert(0, table(1));
    let p = plan(&s, &facts);
    let extra: Vec<(&str, Option<&str>)> = p
        .extra
        .iter()
        .map(|e| (e.name.as_str(), e.note.as_deref()))
        .collect();
    assert_eq!(extra.len(), 2, "{extra:?}");
    assert!(extra[0].1.unwrap().contains("REINDEX CONCURRENTLY"));
    assert!(extra[1].1.unwrap().contains("pgtune rebuild"));
}

fn refusal(sqlstate: &str, message: &str) -> Refusal {
    Refusal {
        message: message.into(),
        sqlstate: Some(sqlstate.into()),
    }
}
