//! A statement's plan as `EXPLAIN (FORMAT JSON, VERBOSE)` gives it, and what advice reads from it:
//! its cost, the indexes it uses, and each scan of a table with the conditions an index could serve
//! (its own filter, the join conditions above it, a sort under a LIMIT).

use serde::Deserialize;

use super::predicate::{sort_key, Conditions};

/// One node of a plan (the fields advice reads; EXPLAIN gives many more).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlanNode {
    #[serde(rename = "Node Type")]
    pub node_type: String,
    #[serde(rename = "Relation Name")]
    pub relation: Option<String>,
    #[serde(rename = "Schema")]
    pub schema: Option<String>,
    #[serde(rename = "Alias")]
    pub alias: Option<String>,
    #[serde(rename = "Index Name")]
    pub index_name: Option<String>,
    #[serde(rename = "Total Cost")]
    pub total_cost: f64,
    #[serde(rename = "Plan Rows")]
    pub plan_rows: f64,
    #[serde(rename = "Filter")]
    pub filter: Option<String>,
    #[serde(rename = "Index Cond")]
    pub index_cond: Option<String>,
    #[serde(rename = "Recheck Cond")]
    pub recheck_cond: Option<String>,
    #[serde(rename = "Hash Cond")]
    pub hash_cond: Option<String>,
    #[serde(rename = "Merge Cond")]
    pub merge_cond: Option<String>,
    #[serde(rename = "Join Filter")]
    pub join_filter: Option<String>,
    #[serde(rename = "Sort Key")]
    pub sort_key: Vec<String>,
    /// Partitions an Append or MergeAppend left out when the executor started.
    #[serde(rename = "Subplans Removed")]
    pub subplans_removed: i64,
    #[serde(rename = "Plans")]
    pub plans: Vec<PlanNode>,
}

/// The top of `EXPLAIN (FORMAT JSON)`'s one-element array.
#[derive(Debug, Clone, Deserialize)]
pub struct Explained {
    #[serde(rename = "Plan")]
    pub plan: PlanNode,
}

/// A scan of one table and what the statement asks of it there.
#[derive(Debug, Clone)]
pub struct Scan {
    pub schema: String,
    pub table: String,
    pub node_type: String,
    /// The scan's own cost (its node's total cost) and the rows it is expected to return.
    pub cost: f64,
    pub rows: f64,
    /// The conditions an index could serve, all of them (the scan's own and the joins').
    pub conditions: Conditions,
    /// Whether the scan leaves rows to a filter (or reads the whole table) that an index could
    /// have kept it from reading.
    pub wasteful: bool,
    /// The scan's own filter, as the plan prints it.
    pub filter: Option<String>,
    /// The sort keys (column, descending) of a Sort under a LIMIT that reads only this scan.
    pub limited_sort: Vec<(String, bool)>,
}

impl PlanNode {
    pub fn walk<'a>(&'a self, out: &mut Vec<&'a PlanNode>) {
        out.push(self);
        for child in &self.plans {
            child.walk(out);
        }
    }

    /// Whether partitions were pruned when the executor started: planned with every parameter
    /// NULL, a partitioned table's scans can all be pruned away, leaving nothing to judge.
    pub fn pruned_partitions(&self) -> bool {
        let mut nodes = Vec::new();
        self.walk(&mut nodes);
        nodes.iter().any(|n| n.subplans_removed > 0)
    }

    /// Whether any node of the plan reads the index named `name`.
    pub fn uses_index(&self, name: &str) -> bool {
        let mut nodes = Vec::new();
        self.walk(&mut nodes);
        nodes.iter().any(|n| n.index_name.as_deref() == Some(name))
    }

    /// Every scan of a table, with the conditions above it that name its alias.
    pub fn scans(&self) -> Vec<Scan> {
        let mut out = Vec::new();
        self.collect_scans(&[], None, &mut out);
        out
    }

    fn collect_scans(&self, joins: &[&str], sort: Option<&[String]>, out: &mut Vec<Scan>) {
        let mut joins: Vec<&str> = joins.to_vec();
        for cond in [&self.hash_cond, &self.merge_cond, &self.join_filter]
            .into_iter()
            .flatten()
        {
            joins.push(cond);
        }
        // A Sort's keys matter to an index only under a Limit, and only over one scan.
        let sort = match self.node_type.as_str() {
            "Limit" => self
                .plans
                .first()
                .filter(|c| c.node_type == "Sort" || c.node_type == "Incremental Sort")
                .map(|c| c.sort_key.as_slice()),
            "Sort" | "Incremental Sort" => sort,
            _ if self.plans.len() > 1 => None,
            _ => sort,
        };
        if let (Some(table), Some(schema), Some(alias)) =
            (&self.relation, &self.schema, &self.alias)
        {
            let mut conditions = Conditions::default();
            for cond in [&self.filter, &self.index_cond, &self.recheck_cond]
                .into_iter()
                .flatten()
            {
                conditions.read(cond, alias);
            }
            for cond in &joins {
                conditions.read(cond, alias);
            }
            let limited_sort: Vec<(String, bool)> = sort
                .map(|keys| keys.iter().map(|k| sort_key(k, alias)).collect())
                .and_then(|keys: Option<Vec<_>>| keys)
                .unwrap_or_default();
            let wasteful = match self.node_type.as_str() {
                "Seq Scan" => {
                    self.filter.is_some() || !conditions.is_empty() || !limited_sort.is_empty()
                }
                "Index Scan" | "Index Only Scan" | "Bitmap Heap Scan" => self.filter.is_some(),
                _ => false,
            };
            out.push(Scan {
                schema: schema.clone(),
                table: table.clone(),
                node_type: self.node_type.clone(),
                cost: self.total_cost,
                rows: self.plan_rows,
                conditions,
                wasteful,
                filter: self.filter.clone(),
                limited_sort,
            });
            if self.node_type == "Bitmap Heap Scan" {
                return;
            }
        }
        for child in &self.plans {
            child.collect_scans(&joins, sort, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(json: &str) -> PlanNode {
        crate::db::advise::parse_plan(json).unwrap()
    }

    #[test]
    fn a_seq_scan_under_a_hash_join_carries_the_join_column() {
        let plan = node(
            r#"[{"Plan": {"Node Type": "Hash Join", "Total Cost": 100.0, "Plan Rows": 10,
              "Hash Cond": "(oi.order_id = o.id)",
              "Plans": [
                {"Node Type": "Seq Scan", "Relation Name": "order_items", "Schema": "public",
                 "Alias": "oi", "Total Cost": 90.0, "Plan Rows": 1000},
                {"Node Type": "Hash", "Total Cost": 5.0, "Plan Rows": 1, "Plans": [
                  {"Node Type": "Index Scan", "Relation Name": "orders", "Schema": "public",
                   "Alias": "o", "Index Name": "orders_pkey", "Total Cost": 5.0, "Plan Rows": 1,
                   "Index Cond": "(o.id = $1)"}]}]}}]"#,
        );
        let scans = plan.scans();
        assert_eq!(scans.len(), 2);
        assert_eq!(scans[0].table, "order_items");
        assert_eq!(scans[0].conditions.equality, ["order_id"]);
        assert!(scans[0].wasteful);
        assert!(!scans[1].wasteful);
        assert!(plan.uses_index("orders_pkey"));
    }

    #[test]
    fn a_sort_under_a_limit_names_its_keys() {
        let plan = node(
            r#"[{"Plan": {"Node Type": "Limit", "Total Cost": 50.0, "Plan Rows": 10, "Plans": [
              {"Node Type": "Sort", "Total Cost": 50.0, "Plan Rows": 100,
               "Sort Key": ["o.created_at DESC"], "Plans": [
                {"Node Type": "Seq Scan", "Relation Name": "orders", "Schema": "public",
                 "Alias": "o", "Total Cost": 40.0, "Plan Rows": 100,
                 "Filter": "(o.school_id = $1)"}]}]}}]"#,
        );
        let scans = plan.scans();
        assert_eq!(scans[0].limited_sort, [("created_at".to_string(), true)]);
        assert_eq!(scans[0].conditions.equality, ["school_id"]);
    }
}
