//! `pgtune advise indexes`: the indexes a workload needs. Candidates come from the statements' plans
//! (what a scan filters, joins or sorts on); each is proven by re-planning with a hypothetical index
//! (HypoPG) before it is advice. This module holds the pure parts: the model, candidates from
//! scans, the test of whether an existing index already serves one, and the write-cost judgement.
//! `commands::advise` drives the server; `render::advise` prints.

pub mod plan;
pub mod predicate;
pub mod workload;

use std::collections::HashMap;

use serde::Serialize;

use crate::sql::quote::{qualified, quote_ident};
use plan::Scan;

/// One statement of the workload, as its source gives it.
#[derive(Debug, Clone)]
pub struct Statement {
    pub query: String,
    /// How often it ran (pg_stat_statements' calls, or how often a log or file holds it).
    pub calls: f64,
    pub mean_ms: Option<f64>,
    /// Where a file holds it (`file:line:col`).
    pub at: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Btree,
    /// GIN over `gin_trgm_ops` (pg_trgm), for LIKE and ILIKE anywhere in the text.
    Trigram,
}

/// One key of a candidate: a column (raw name) or an expression (SQL text).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub column: Option<String>,
    pub expression: Option<String>,
    /// The word PostgreSQL names an index after: the column, or `lower` for `lower(email)`.
    pub name_part: String,
    pub descending: bool,
    /// Compared for equality (the leading keys, in any order among themselves), or by range or
    /// sort (order matters).
    pub equality: bool,
}

impl Key {
    pub fn column(name: &str) -> Key {
        Key {
            column: Some(name.to_string()),
            expression: None,
            name_part: name.to_string(),
            descending: false,
            equality: false,
        }
    }

    fn equal_column(name: &str) -> Key {
        Key {
            equality: true,
            ..Key::column(name)
        }
    }

    /// The key as CREATE INDEX writes it: a quoted column, or a function call (which CREATE
    /// INDEX takes without the parentheses other expressions need).
    pub fn sql(&self) -> String {
        let key = match (&self.column, &self.expression) {
            (Some(c), _) => quote_ident(c),
            (None, Some(e)) => e.clone(),
            (None, None) => String::new(),
        };
        if self.descending {
            format!("{key} DESC")
        } else {
            key
        }
    }

    /// The key as PostgreSQL prints it back, for comparing with existing indexes.
    pub fn display(&self) -> String {
        match (&self.column, &self.expression) {
            (Some(c), _) => c.clone(),
            (None, Some(e)) => e.clone(),
            (None, None) => String::new(),
        }
    }
}

/// An index that might serve the workload: before proof, a candidate; after, advice.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Candidate {
    pub schema: String,
    pub table: String,
    pub method: Method,
    pub keys: Vec<Key>,
    /// Conditions of a partial index, ANDed (SQL text, sorted).
    pub predicate: Vec<String>,
}

impl Candidate {
    /// Everything after the table name in CREATE INDEX: `USING btree (a, b) WHERE active`.
    /// `trigram_ops` is pg_trgm's operator class, schema-qualified.
    pub fn tail(&self, trigram_ops: Option<&str>) -> String {
        let (method, keys) = match self.method {
            Method::Btree => (
                "btree",
                self.keys
                    .iter()
                    .map(Key::sql)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            Method::Trigram => (
                "gin",
                self.keys
                    .iter()
                    .map(|k| format!("{} {}", k.sql(), trigram_ops.unwrap_or("gin_trgm_ops")))
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        };
        let mut tail = format!("USING {method} ({keys})");
        if !self.predicate.is_empty() {
            tail.push_str(" WHERE ");
            tail.push_str(&self.predicate.join(" AND "));
        }
        tail
    }

    /// `CREATE INDEX [CONCURRENTLY] [name] ON schema.table <tail>`.
    pub fn create_statement(
        &self,
        name: Option<&str>,
        concurrently: bool,
        trigram_ops: Option<&str>,
    ) -> String {
        crate::sql::statement::CreateIndex {
            concurrently,
            name,
            table: &qualified(&self.schema, &self.table),
            tail: &self.tail(trigram_ops),
            ..Default::default()
        }
        .text()
    }

    /// The words PostgreSQL names the index after (its keys).
    pub fn name_parts(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.name_part.clone()).collect()
    }

    /// A short label for logs and reasons: `public.orders (student_id)`.
    pub fn label(&self) -> String {
        let keys: Vec<String> = self.keys.iter().map(Key::display).collect();
        let mut label = format!("{}.{} ({})", self.schema, self.table, keys.join(", "));
        if self.method == Method::Trigram {
            label.push_str(" trigram");
        }
        if !self.predicate.is_empty() {
            label.push_str(&format!(" WHERE {}", self.predicate.join(" AND ")));
        }
        label
    }
}

/// Why a statement on a partitioned table gets no advice.
pub const PARTITIONED: &str = "it reads a partitioned table, where HypoPG cannot make hypothetical indexes (HypoPG#52): build a candidate on a copy to compare";

/// Why a statement on one partition gets no advice.
pub const PARTITION: &str = "it reads a partition: an index belongs on its partitioned table, where HypoPG cannot make hypothetical indexes (HypoPG#52)";

/// What the catalog says of a table a plan scans.
#[derive(Debug, Clone, Default)]
pub struct TableFacts {
    pub kind: String,
    pub is_partition: bool,
    pub tuples: f64,
    pub pages: f64,
    /// Rows inserted and updated (HOT updates left out) since the statistics' reset: each costs
    /// every index one entry.
    pub index_writes: f64,
    pub columns: HashMap<String, ColumnFacts>,
}

#[derive(Debug, Clone, Default)]
pub struct ColumnFacts {
    pub n_distinct: f64,
    pub avg_width: f64,
    /// As format_type prints it: `text`, `character varying(20)`, `integer`.
    pub type_name: String,
}

impl ColumnFacts {
    fn is_text(&self) -> bool {
        let base = self.type_name.split('(').next().unwrap_or_default().trim();
        matches!(
            base,
            "text" | "character varying" | "character" | "name" | "citext"
        )
    }
}

impl TableFacts {
    /// How many distinct values a column holds (pg_stats gives a negative fraction of the rows for
    /// columns whose distinct count grows with the table); 0 when unknown.
    fn distinct(&self, column: &str) -> f64 {
        match self.columns.get(column) {
            Some(c) if c.n_distinct < 0.0 => -c.n_distinct * self.tuples,
            Some(c) => c.n_distinct,
            None => 0.0,
        }
    }

    /// Why no index on this table can be proven, if one cannot.
    pub fn unprovable(&self) -> Option<&'static str> {
        if self.kind == "p" {
            Some(PARTITIONED)
        } else if self.is_partition {
            Some(PARTITION)
        } else if self.kind != "r" && self.kind != "m" {
            Some("it reads a relation that takes no index (a view, a foreign table)")
        } else {
            None
        }
    }
}

/// The candidates one wasteful scan suggests: its equality columns (most selective first) then one
/// range column or the sort keys under a LIMIT; each expression compared for equality; a trigram
/// index per pattern-matched column (when `trigram` is available); and each B-tree candidate again
/// as a partial index when the statement carries constant conditions.
pub fn candidates(scan: &Scan, facts: &TableFacts, trigram: bool) -> Vec<Candidate> {
    if facts.unprovable().is_some() {
        return Vec::new();
    }
    let c = &scan.conditions;
    let candidate = |method, keys: Vec<Key>, predicate: Vec<String>| Candidate {
        schema: scan.schema.clone(),
        table: scan.table.clone(),
        method,
        keys,
        predicate,
    };
    let mut equality = c.equality.clone();
    equality.sort_by(|a, b| facts.distinct(b).total_cmp(&facts.distinct(a)));
    let mut range = c.range.clone();
    range.sort_by(|a, b| facts.distinct(b).total_cmp(&facts.distinct(a)));

    // A column the statement casts to text is served only by an index on the cast, unless it is
    // text already (PostgreSQL prints the cast for a varchar column).
    let key_for = |col: &str| -> Key {
        let cast = c.text_cast.iter().any(|t| t == col)
            && facts.columns.get(col).is_some_and(|f| !f.is_text());
        if cast {
            Key {
                column: None,
                expression: Some(format!("(({})::text)", quote_ident(col))),
                name_part: col.to_string(),
                descending: false,
                equality: true,
            }
        } else {
            Key::equal_column(col)
        }
    };
    let mut btree: Vec<Vec<Key>> = Vec::new();
    let mut leading: Vec<Key> = equality.iter().map(|col| key_for(col)).collect();
    if let Some(col) = range.iter().find(|r| !equality.contains(r)) {
        leading.push(Key::column(col));
    } else if !scan.limited_sort.is_empty() {
        for (col, descending) in &scan.limited_sort {
            if !equality.contains(col) {
                leading.push(Key {
                    descending: *descending,
                    ..Key::column(col)
                });
            }
        }
    }
    if !leading.is_empty() {
        btree.push(leading);
    }
    if equality.len() > 1 {
        btree.push(vec![key_for(&equality[0])]);
    }
    for e in &c.expression {
        btree.push(vec![Key {
            column: None,
            expression: Some(e.sql.clone()),
            name_part: e.name_part.clone(),
            descending: false,
            equality: true,
        }]);
    }

    let mut out = Vec::new();
    for keys in &btree {
        out.push(candidate(Method::Btree, keys.clone(), Vec::new()));
        if !c.constant.is_empty() {
            let keys: Vec<Key> = keys
                .iter()
                .filter(|k| !k.column.as_ref().is_some_and(|col| c.fixed.contains(col)))
                .cloned()
                .collect();
            if !keys.is_empty() {
                let mut predicate = c.constant.clone();
                predicate.sort();
                out.push(candidate(Method::Btree, keys, predicate));
            }
        }
    }
    if trigram {
        for col in &c.pattern {
            out.push(candidate(
                Method::Trigram,
                vec![Key::column(col)],
                Vec::new(),
            ));
        }
    }
    out.dedup();
    out
}

/// An index the table already has, as indexes.sql gives it.
#[derive(Debug, Clone)]
pub struct ExistingIndex {
    pub schema: String,
    pub table: String,
    pub name: String,
    pub method: String,
    pub keys: Vec<String>,
    pub predicate: Option<String>,
}

/// The existing index that already serves `candidate`, if any: same method, the candidate's keys
/// leading it (equality keys in any order), and no predicate narrower than the candidate's. pghero's
/// users were once advised to build an index they had.
pub fn served_by<'a>(
    candidate: &Candidate,
    existing: &'a [ExistingIndex],
) -> Option<&'a ExistingIndex> {
    let normal = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && *c != '(' && *c != ')')
            .collect()
    };
    let wanted: Vec<String> = candidate
        .keys
        .iter()
        .map(|k| normal(&k.display()))
        .collect();
    let predicate = normal(&candidate.predicate.join(" AND "));
    existing.iter().find(|index| {
        if index.schema != candidate.schema || index.table != candidate.table {
            return false;
        }
        let method_fits = match candidate.method {
            Method::Btree => index.method == "btree",
            Method::Trigram => index.method == "gin" || index.method == "gist",
        };
        // Only an index as narrow: a plain one does not serve what a partial one would do better.
        let predicate_fits = normal(index.predicate.as_deref().unwrap_or("")) == predicate;
        if !method_fits || !predicate_fits || index.keys.len() < wanted.len() {
            return false;
        }
        let have: Vec<String> = index.keys[..wanted.len()]
            .iter()
            .map(|k| normal(k))
            .collect();
        // The equality keys lead, in any order among themselves; the rest in order.
        let e = candidate.keys.iter().take_while(|k| k.equality).count();
        let mut have_equal = have[..e].to_vec();
        let mut wanted_equal = wanted[..e].to_vec();
        have_equal.sort();
        wanted_equal.sort();
        have_equal == wanted_equal && have[e..] == wanted[e..]
    })
}

/// The planner's cost settings, to price what an index costs each write.
#[derive(Debug, Clone, Copy)]
pub struct CostSettings {
    pub seq_page_cost: f64,
    pub random_page_cost: f64,
    pub cpu_tuple_cost: f64,
    pub cpu_index_tuple_cost: f64,
    pub cpu_operator_cost: f64,
}

/// What one row written costs an index, in the planner's units: a B-tree descends (a key
/// comparison per level) and dirties a leaf page; a trigram index adds an entry per trigram.
pub fn cost_per_write(
    method: Method,
    facts: &TableFacts,
    key_width: f64,
    costs: &CostSettings,
) -> f64 {
    let levels = (facts.tuples.max(2.0)).log(200.0).ceil().max(1.0);
    let descent = levels * costs.cpu_operator_cost * 2.0 + costs.cpu_index_tuple_cost;
    match method {
        Method::Btree => costs.random_page_cost + descent,
        Method::Trigram => {
            let trigrams = key_width.max(3.0);
            costs.random_page_cost + trigrams * descent
        }
    }
}

/// The cost a trigram index would leave a scan with, estimated in the planner's own terms (HypoPG
/// cannot make hypothetical GIN indexes): a bitmap heap scan fetching the rows the filter keeps,
/// page costs interpolated between random and sequential as PostgreSQL's cost_bitmap_heap_scan
/// does, plus the index's entries for the pattern's trigrams.
pub fn trigram_scan_cost(scan: &Scan, facts: &TableFacts, costs: &CostSettings) -> f64 {
    let rows = scan.rows.max(1.0);
    let pages = facts.pages.max(1.0);
    let fetched = pages.min(rows);
    let per_page = costs.random_page_cost
        - (costs.random_page_cost - costs.seq_page_cost) * (fetched / pages).sqrt();
    let trigrams = 8.0;
    let index = trigrams * (costs.random_page_cost + rows * costs.cpu_index_tuple_cost);
    index + fetched * per_page + rows * (costs.cpu_tuple_cost + costs.cpu_operator_cost)
}

/// What the report says of each index advised.
#[derive(Debug, Clone, Serialize)]
pub struct IndexAdvice {
    pub schema: String,
    pub table: String,
    pub name: String,
    pub method: Method,
    /// The keys as SQL (quoted columns, expressions in parentheses).
    pub keys: Vec<String>,
    pub predicate: Option<String>,
    /// The statement that builds it without blocking writes.
    pub statement: String,
    /// `hypopg`: every cost after is the planner's with the hypothetical index; `estimated`: HypoPG
    /// cannot simulate this kind (GIN), the cost after is estimated and is checked after building.
    pub proof: Proof,
    pub size_bytes: i64,
    /// Weighted cost (calls x plan cost) of the statements it serves without it and with it, the
    /// rest of the advice in place either way: what this index adds.
    pub weighted_cost_before: f64,
    pub weighted_cost_after: f64,
    pub improvement_percent: f64,
    /// Index entries written per second (inserts and non-HOT updates), since the statistics' reset.
    pub writes_per_second: Option<f64>,
    /// Planner cost per second saved by reads and spent by writes, when the workload has a rate.
    pub benefit_per_second: Option<f64>,
    pub write_cost_per_second: Option<f64>,
    pub write_cost_outweighs_benefit: bool,
    pub serves: Vec<ServedStatement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Proof {
    Hypopg,
    Estimated,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServedStatement {
    pub query: String,
    /// Where a file holds it (`file:line:col`).
    pub at: Option<String>,
    pub calls: f64,
    pub mean_ms: Option<f64>,
    pub cost_before: f64,
    pub cost_after: f64,
}

/// A statement advice leaves as it is, and why.
#[derive(Debug, Clone, Serialize)]
pub struct LeftStatement {
    pub query: String,
    pub calls: f64,
    pub mean_ms: Option<f64>,
    pub at: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AdviceReport {
    pub database: String,
    /// `pg_stat_statements`, `log` or `queries`.
    pub source: String,
    pub file: Option<String>,
    /// Why nothing was advised at all (`--if-available` without HypoPG or pg_stat_statements).
    pub skipped: Option<String>,
    pub min_improvement_percent: f64,
    /// Statements read from the source (after --min-calls and --top), and how many were planned.
    pub statements: usize,
    pub planned: usize,
    pub indexes: Vec<IndexAdvice>,
    /// Statements with a wasteful scan that no index was proven to help, and why.
    pub unhelped: Vec<LeftStatement>,
    /// Statements that could not be planned, with the server's reason.
    pub not_planned: Vec<LeftStatement>,
}

impl crate::model::Report for AdviceReport {
    /// Advice to act on is a warning: the workload lacks indexes.
    fn status(&self) -> crate::outcome::Status {
        if self.indexes.iter().any(|i| !i.write_cost_outweighs_benefit) {
            crate::outcome::Status::Warning
        } else {
            crate::outcome::Status::Ok
        }
    }

    /// `2 indexes advised for 7 statements: orders_customer_id_idx (93% less), ...`.
    fn summary(&self) -> String {
        if let Some(why) = &self.skipped {
            return format!("not advised: {why}");
        }
        let mut lines = vec![format!(
            "{} planned of {} statements; {}",
            self.planned,
            self.statements,
            crate::units::plural(
                self.indexes.len() as f64,
                "index advised",
                "indexes advised"
            )
        )];
        for i in self.indexes.iter().take(5) {
            lines.push(format!(
                "{}: {:.0}% less cost{}",
                crate::report::qualified(&i.schema, &i.name),
                i.improvement_percent,
                if i.write_cost_outweighs_benefit {
                    " (writes cost more than it saves)"
                } else {
                    ""
                }
            ));
        }
        if !self.unhelped.is_empty() {
            lines.push(format!(
                "{} statements no index was proven to help",
                self.unhelped.len()
            ));
        }
        lines.join("\n")
    }
}

impl AdviceReport {
    /// Nothing advised, and why: what `--if-available` reports where advice cannot be proven.
    pub fn skipped(database: &str, source: &str, reason: String) -> AdviceReport {
        AdviceReport {
            database: database.to_string(),
            source: source.to_string(),
            file: None,
            skipped: Some(reason),
            min_improvement_percent: 0.0,
            statements: 0,
            planned: 0,
            indexes: Vec::new(),
            unhelped: Vec::new(),
            not_planned: Vec::new(),
        }
    }

    /// One line for a playbook's record.
    pub fn summary(&self) -> String {
        if let Some(reason) = &self.skipped {
            return format!("skipped: {reason}");
        }
        let worth = self
            .indexes
            .iter()
            .filter(|i| !i.write_cost_outweighs_benefit)
            .count();
        format!(
            "{} planned, {} advised{}",
            crate::units::plural(self.planned as f64, "statement", "statements"),
            crate::units::plural(worth as f64, "index", "indexes"),
            match self.not_planned.len() {
                0 => String::new(),
                n => format!(", {n} not planned"),
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::predicate::Conditions;
    use super::*;

    fn scan(condition: &str) -> Scan {
        let mut conditions = Conditions::default();
        conditions.read(condition, "s");
        Scan {
            schema: "public".into(),
            table: "students".into(),
            node_type: "Seq Scan".into(),
            cost: 1000.0,
            rows: 10.0,
            conditions,
            wasteful: true,
            filter: Some(condition.to_string()),
            limited_sort: Vec::new(),
        }
    }

    fn facts(columns: &[(&str, f64)]) -> TableFacts {
        TableFacts {
            kind: "r".into(),
            tuples: 100_000.0,
            pages: 1000.0,
            columns: columns
                .iter()
                .map(|(c, n)| {
                    (
                        c.to_string(),
                        ColumnFacts {
                            n_distinct: *n,
                            avg_width: 8.0,
                            type_name: "integer".into(),
                        },
                    )
                })
                .collect(),
            ..TableFacts::default()
        }
    }

    #[test]
    fn equality_columns_lead_most_selective_first_and_range_comes_last() {
        let found = candidates(
            &scan("((s.created_at > $3) AND (s.grade = $1) AND (s.school_id = $2))"),
            &facts(&[("grade", 12.0), ("school_id", 100.0), ("created_at", -1.0)]),
            false,
        );
        let first: Vec<String> = found[0].keys.iter().map(Key::display).collect();
        assert_eq!(first, ["school_id", "grade", "created_at"]);
        assert_eq!(
            found[0].create_statement(Some("i"), true, None),
            "CREATE INDEX CONCURRENTLY i ON public.students USING btree (school_id, grade, created_at)"
        );
    }

    #[test]
    fn a_constant_condition_makes_a_partial_variant() {
        let found = candidates(
            &scan("(s.active AND (s.school_id = $1))"),
            &facts(&[]),
            false,
        );
        assert!(found
            .iter()
            .any(|c| c.predicate == ["active"] && c.keys == [Key::equal_column("school_id")]));
        assert!(found.iter().any(|c| c.predicate.is_empty()));
    }

    #[test]
    fn an_existing_index_with_the_same_leading_keys_serves_a_candidate() {
        let candidate = &candidates(&scan("(s.school_id = $1)"), &facts(&[]), false)[0];
        let existing = |keys: &[&str], predicate: Option<&str>| ExistingIndex {
            schema: "public".into(),
            table: "students".into(),
            name: "x".into(),
            method: "btree".into(),
            keys: keys.iter().map(|k| k.to_string()).collect(),
            predicate: predicate.map(str::to_string),
        };
        assert!(served_by(candidate, &[existing(&["school_id", "grade"], None)]).is_some());
        assert!(served_by(candidate, &[existing(&["grade", "school_id"], None)]).is_none());
        assert!(served_by(candidate, &[existing(&["school_id"], Some("active"))]).is_none());
        // A range key after the equality ones keeps its place; a partial candidate is not served
        // by a plain index.
        let both = &candidates(
            &scan("((s.created_at > $2) AND (s.school_id = $1))"),
            &facts(&[]),
            false,
        )[0];
        assert!(served_by(both, &[existing(&["school_id", "created_at"], None)]).is_some());
        assert!(served_by(both, &[existing(&["created_at", "school_id"], None)]).is_none());
        let partial = candidates(
            &scan("(s.active AND (s.school_id = $1))"),
            &facts(&[]),
            false,
        )
        .into_iter()
        .find(|c| !c.predicate.is_empty())
        .unwrap();
        assert!(served_by(&partial, &[existing(&["school_id"], None)]).is_none());
        assert!(served_by(&partial, &[existing(&["school_id"], Some("active"))]).is_some());
    }

    #[test]
    fn hostile_names_are_quoted_in_the_statement() {
        let mut c = Conditions::default();
        c.read(r#"(s."Grade; DROP" = $1)"#, "s");
        let mut s = scan("(s.x = 1)");
        s.conditions = c;
        s.schema = "Tenant A".into();
        let found = candidates(&s, &facts(&[]), false);
        assert_eq!(
            found[0].create_statement(None, false, None),
            r#"CREATE INDEX ON "Tenant A".students USING btree ("Grade; DROP")"#
        );
    }
}
