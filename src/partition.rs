//! How an index is built on a partitioned table without blocking writes, the way PostgreSQL's
//! documentation gives it: PostgreSQL builds no index CONCURRENTLY on a partitioned table, so the
//! index goes ON ONLY the table (and each partitioned partition), is built CONCURRENTLY on each
//! leaf, and each partition's index is attached to its parent's; the top one becomes valid once
//! every partition's is attached. One walk of the tree for every command that proposes or runs it
//! (`report fk-without-index`, `report invalid-indexes`, `schema apply`).

use std::collections::HashMap;

use crate::report::fk::Partition;
use crate::sql::quote::qualified;

/// One statement of the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TreeStatement {
    /// Catalog-only work, quick under lock_timeout: CREATE INDEX ... ON ONLY, ALTER INDEX ... ATTACH.
    Ddl(String),
    /// A leaf's concurrent build (a failure leaves an invalid index to drop).
    Concurrent {
        schema: String,
        name: String,
        statement: String,
    },
}

impl TreeStatement {
    pub fn text(&self) -> &str {
        match self {
            TreeStatement::Ddl(s) => s,
            TreeStatement::Concurrent { statement, .. } => statement,
        }
    }
}

/// Writes `CREATE [UNIQUE] INDEX [CONCURRENTLY] name ON [ONLY] schema.table ...` for one table:
/// (schema, table, index name, on_only, concurrently).
pub type CreateIndex<'a> = dyn Fn(&str, &str, &str, bool, bool) -> String + 'a;

/// The statements below an index `root_index` of `root` (schema, table) that exists already or is
/// created first: each partition (parents first, as `partitions` lists them) gets its index, named
/// by `name_for(schema, table)` (see `IndexNames`), then is attached to its parent's.
pub fn index_partitions(
    root: (&str, &str),
    root_index: &str,
    partitions: &[Partition],
    name_for: &mut dyn FnMut(&str, &str) -> String,
    create: &CreateIndex,
) -> Vec<TreeStatement> {
    complete_partitions(
        root,
        root_index,
        partitions,
        &HashMap::new(),
        name_for,
        create,
    )
}

/// `index_partitions` for a tree some of whose partitions have their index attached already
/// (`attached`: (schema, table) -> the index on it): those are left as they are, and what is
/// missing below them is built and attached to theirs. What completes an invalid partitioned
/// index: PostgreSQL marks it valid once every partition's index is attached and valid.
pub fn complete_partitions(
    root: (&str, &str),
    root_index: &str,
    partitions: &[Partition],
    attached: &HashMap<(String, String), String>,
    name_for: &mut dyn FnMut(&str, &str) -> String,
    create: &CreateIndex,
) -> Vec<TreeStatement> {
    let mut out = Vec::new();
    let mut index_of: HashMap<(String, String), String> = HashMap::new();
    index_of.insert(
        (root.0.to_string(), root.1.to_string()),
        root_index.to_string(),
    );
    for p in partitions {
        let key = (p.schema.clone(), p.name.clone());
        if let Some(existing) = attached.get(&key) {
            index_of.insert(key, existing.clone());
            continue;
        }
        let own = name_for(&p.schema, &p.name);
        out.push(if p.partitioned {
            TreeStatement::Ddl(create(&p.schema, &p.name, &own, true, false))
        } else {
            TreeStatement::Concurrent {
                schema: p.schema.clone(),
                name: own.clone(),
                statement: create(&p.schema, &p.name, &own, false, true),
            }
        });
        if let Some(parent_index) = index_of.get(&(p.parent_schema.clone(), p.parent.clone())) {
            out.push(TreeStatement::Ddl(crate::sql::statement::attach_partition(
                &qualified(&p.parent_schema, parent_index),
                &qualified(&p.schema, &own),
            )));
        }
        index_of.insert((p.schema.clone(), p.name.clone()), own);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create_index(
        schema: &str,
        table: &str,
        name: &str,
        only: bool,
        concurrently: bool,
    ) -> String {
        format!(
            "CREATE INDEX {}{name} ON {}{schema}.{table} (a)",
            if concurrently { "CONCURRENTLY " } else { "" },
            if only { "ONLY " } else { "" }
        )
    }

    fn texts(statements: Vec<TreeStatement>) -> Vec<String> {
        statements.iter().map(|s| s.text().to_string()).collect()
    }

    fn part(name: &str, partitioned: bool, parent: &str) -> Partition {
        Partition {
            schema: "s".into(),
            name: name.into(),
            partitioned,
            parent_schema: "s".into(),
            parent: parent.into(),
        }
    }

    #[test]
    fn partitioned_partitions_get_on_only_and_leaves_a_concurrent_build_each_attached_upward() {
        let mut names = crate::pgname::IndexNames::new(Default::default());
        let got = texts(index_partitions(
            ("s", "t"),
            "t_a_idx",
            &[
                part("t_2025", true, "t"),
                part("t_2025_q1", false, "t_2025"),
            ],
            &mut |schema, table| names.choose_for_partition(schema, table, "t_a_idx"),
            &create_index,
        ));
        assert_eq!(
            got,
            [
                "CREATE INDEX t_2025_t_a_idx ON ONLY s.t_2025 (a)",
                "ALTER INDEX s.t_a_idx ATTACH PARTITION s.t_2025_t_a_idx",
                "CREATE INDEX CONCURRENTLY t_2025_q1_t_a_idx ON s.t_2025_q1 (a)",
                "ALTER INDEX s.t_2025_t_a_idx ATTACH PARTITION s.t_2025_q1_t_a_idx",
            ]
        );
    }

    #[test]
    fn completing_a_tree_builds_only_what_is_missing_attached_to_what_is_there() {
        let attached: HashMap<(String, String), String> = [
            (
                ("s".to_string(), "t_2025".to_string()),
                "old_2025".to_string(),
            ),
            (
                ("s".to_string(), "t_2025_q1".to_string()),
                "old_q1".to_string(),
            ),
        ]
        .into();
        let mut names = crate::pgname::IndexNames::new(Default::default());
        let got = texts(complete_partitions(
            ("s", "t"),
            "t_a_idx",
            &[
                part("t_2025", true, "t"),
                part("t_2026", false, "t"),
                part("t_2025_q1", false, "t_2025"),
                part("t_2025_q2", false, "t_2025"),
            ],
            &attached,
            &mut |schema, table| names.choose_for_partition(schema, table, "t_a_idx"),
            &create_index,
        ));
        assert_eq!(
            got,
            [
                "CREATE INDEX CONCURRENTLY t_2026_t_a_idx ON s.t_2026 (a)",
                "ALTER INDEX s.t_a_idx ATTACH PARTITION s.t_2026_t_a_idx",
                "CREATE INDEX CONCURRENTLY t_2025_q2_t_a_idx ON s.t_2025_q2 (a)",
                "ALTER INDEX s.old_2025 ATTACH PARTITION s.t_2025_q2_t_a_idx",
            ]
        );
    }
}
