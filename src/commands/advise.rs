//! `pgtune advise indexes`: reads the workload, plans each statement, proposes candidates from the
//! plans and keeps those a hypothetical index proves, greedily across the whole workload (a second
//! index that adds nothing over the first is not advised). Read-only: the hypothetical indexes live
//! in this session's memory and end with it. `--write` merges the advice into a file of declared
//! indexes, for `pgtune schema apply` to build and `schema verify` to check.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context as _};

use crate::advise::plan::{PlanNode, Scan};
use crate::advise::{
    self, AdviceReport, Candidate, IndexAdvice, LeftStatement, Method, Proof, ServedStatement,
    Statement, TableFacts,
};
use crate::cli::{AdviseCommand, AdviseIndexesArgs};
use crate::context::Context;
use crate::db::advise::{Hypopg, Hypothetical, Server};
use crate::db::{self, Db};

pub fn run(ctx: &Context, command: &AdviseCommand) -> anyhow::Result<AdviceReport> {
    match command {
        AdviseCommand::Indexes(args) => indexes(ctx, args),
    }
}

/// Where the workload comes from.
#[derive(Debug, Clone)]
enum Source {
    Statements,
    Log(PathBuf),
    Queries(PathBuf),
}

impl Source {
    fn parse(values: &[String]) -> anyhow::Result<Source> {
        match values {
            [kind] if kind == "statements" => Ok(Source::Statements),
            [kind, file] if kind == "log" => Ok(Source::Log(PathBuf::from(file))),
            [kind, file] if kind == "queries" => Ok(Source::Queries(PathBuf::from(file))),
            [kind] if kind == "log" || kind == "queries" => {
                bail!("--source {kind} needs a file: --source {kind} FILE")
            }
            [kind, _] if kind == "statements" => {
                bail!("--source statements takes no file (it reads pg_stat_statements)")
            }
            [kind, ..] => {
                bail!("invalid --source \"{kind}\": expected statements, log FILE or queries FILE")
            }
            [] => Ok(Source::Statements),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Source::Statements => "pg_stat_statements",
            Source::Log(_) => "log",
            Source::Queries(_) => "queries",
        }
    }

    fn file(&self) -> Option<&Path> {
        match self {
            Source::Statements => None,
            Source::Log(p) | Source::Queries(p) => Some(p),
        }
    }
}

fn indexes(ctx: &Context, args: &AdviseIndexesArgs) -> anyhow::Result<AdviceReport> {
    let source = Source::parse(&args.source)?;
    if !(args.min_improvement > 0.0 && args.min_improvement < 100.0) {
        bail!(
            "invalid --min-improvement {}: expected a percentage above 0 and below 100",
            args.min_improvement
        );
    }
    if args.top == 0 {
        bail!("invalid --top 0: expected at least 1 statement");
    }
    // Bad input is found before connecting.
    let from_file = match &source {
        Source::Statements => None,
        Source::Log(path) => Some(advise::workload::from_log(path, &read_text(path)?)?),
        Source::Queries(path) => Some(advise::workload::from_queries(path, &read_text(path)?)?),
    };
    // Names the --write file declares are taken, built or not: advice never reuses one.
    let mut declared_names = Vec::new();
    if let Some(path) = &args.write {
        if path.exists() {
            let source = crate::schema::source::load(std::slice::from_ref(path))?;
            declared_names.extend(source.declarations.iter().filter_map(|d| match d {
                crate::schema::Declaration::Index(i) => i.name.clone().map(|name| Declared {
                    schema: i.table.schema.clone(),
                    table: i.table.name.clone(),
                    name,
                    tail: normal_sql(&i.tail),
                }),
                _ => None,
            }));
        }
        crate::fsutil::check_writable(path)?;
    }
    let min_calls = args
        .min_calls
        .unwrap_or(if from_file.is_some() { 1 } else { 5 });
    let scope = Scope::new(&args.scope);

    let target = ctx.target()?;
    let mut opts = ctx.read_only_within(Duration::from_secs(60));
    opts.settings
        .push(("plan_cache_mode", "force_generic_plan".into()));
    let report = db::runtime()?.block_on(async {
        let db = db::connect(&target, &opts).await?;
        let server = db::advise::server(&db).await?;
        let missing = hypopg(&server).and_then(|hypopg| match (&from_file, &server.pg_stat_statements_schema) {
            (None, None) => bail!(
                "pg_stat_statements is not installed in database {}: {}; or give the workload as --source log FILE or --source queries FILE",
                crate::sql::quote::quote_ident(&server.database),
                if server.pg_stat_statements_loaded {
                    "it is preloaded, so CREATE EXTENSION pg_stat_statements; there is all it takes (no restart)"
                } else {
                    "add it to shared_preload_libraries, restart, and CREATE EXTENSION pg_stat_statements"
                }
            ),
            _ => Ok(hypopg),
        });
        let hypopg = match missing {
            Ok(hypopg) => hypopg,
            Err(reason) if args.if_available => {
                return anyhow::Ok(AdviceReport::skipped(
                    &server.database,
                    source.name(),
                    reason.to_string(),
                ))
            }
            Err(reason) => return Err(reason),
        };
        let (statements, window) = match from_file {
            Some(statements) => (statements, None),
            None => {
                let schema = server
                    .pg_stat_statements_schema
                    .clone()
                    .expect("checked above");
                let statements = db::advise::statements(&db, &schema, min_calls as i64).await?;
                let window =
                    db::advise::statements_window(&db, &schema, server.version_num).await?;
                (statements, Some(window))
            }
        };
        let statements: Vec<Statement> = statements
            .into_iter()
            .filter(|s| s.calls >= min_calls as f64)
            .filter(|s| !is_advises_own(&s.query))
            .collect();
        let mut engine = Engine {
            db: &db,
            server: &server,
            hypopg,
            min_improvement: args.min_improvement / 100.0,
            window,
            declared_names,
        };
        let report = engine
            .advise(statements, args.top, &scope, &source)
            .await?;
        anyhow::Ok(report)
    })?;
    if let (Some(path), None) = (&args.write, &report.skipped) {
        write_declarations(path, &report)?;
    }
    Ok(report)
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path)
        .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), crate::fsutil::io_reason(&e)))?;
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}: not UTF-8 text (byte {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

/// HypoPG's schema, or why advice cannot be proven here (exit 3: never an unproven guess).
fn hypopg(server: &Server) -> anyhow::Result<Hypopg> {
    let major = server.version_num / 10000;
    let database = crate::sql::quote::quote_ident(&server.database);
    match (&server.hypopg_schema, server.hypopg_available) {
        (Some(schema), _) => Ok(Hypopg::new(schema)),
        (None, true) => bail!(
            "HypoPG is on the server but not in database {database}: run CREATE EXTENSION hypopg; there (it creates functions only), so that pgtune can prove each index with a hypothetical one; it advises nothing it could not prove"
        ),
        (None, false) => bail!(
            "HypoPG is not installed on this server (PostgreSQL {major}): install the package postgresql-{major}-hypopg (Debian, Ubuntu, PGDG; hypopg_{major} on RPM systems), then run CREATE EXTENSION hypopg; in database {database}; pgtune proves each index with a hypothetical one and advises nothing it could not prove"
        ),
    }
}

/// --schema, --exclude-schema and --table, matched here against the tables plans scan.
struct Scope {
    schemas: Vec<String>,
    exclude_schemas: Vec<String>,
    tables: Vec<String>,
}

impl Scope {
    fn new(args: &crate::cli::ScopeArgs) -> Scope {
        Scope {
            schemas: args.schemas.clone(),
            exclude_schemas: args.exclude_schemas.clone(),
            tables: args.tables.clone(),
        }
    }

    fn takes(&self, schema: &str, table: &str) -> bool {
        let any =
            |globs: &[String], s: &str| globs.iter().any(|g| crate::scope::glob_matches(g, s));
        (self.schemas.is_empty() || any(&self.schemas, schema))
            && !any(&self.exclude_schemas, schema)
            && (self.tables.is_empty() || any(&self.tables, table))
    }
}

/// One statement as the engine sees it: its plan, cost now, and the scans advice reads.
struct Planned {
    statement: Statement,
    /// What is prepared to plan it: the statement, or the read that finds its rows.
    read: String,
    plan: PlanNode,
    baseline: f64,
    current: f64,
    scans: Vec<Scan>,
}

/// A candidate's cost for each statement it touches, with the hypothetical index in place.
#[derive(Debug, Clone, Default)]
struct Evaluation {
    /// statement index -> cost with the candidate, for the statements whose plan uses it.
    used_by: Vec<(usize, f64)>,
    size_bytes: i64,
    /// HypoPG's refusal of the candidate (a function not IMMUTABLE, say).
    refused: Option<String>,
}

impl Evaluation {
    fn benefit(&self, planned: &[Planned]) -> f64 {
        self.used_by
            .iter()
            .map(|&(s, cost)| planned[s].statement.calls * (planned[s].current - cost).max(0.0))
            .sum()
    }

    fn before(&self, planned: &[Planned]) -> f64 {
        self.used_by
            .iter()
            .map(|&(s, _)| planned[s].statement.calls * planned[s].current)
            .sum()
    }

    fn improvement(&self, planned: &[Planned]) -> f64 {
        let before = self.before(planned);
        if before <= 0.0 {
            0.0
        } else {
            self.benefit(planned) / before
        }
    }
}

/// An index the greedy pass chose, and what it adds.
struct Chosen {
    candidate: Candidate,
    size_bytes: i64,
    /// In place while the run lasts (B-tree); none for an estimated (trigram) one.
    hypothetical: Option<Hypothetical>,
    /// (statement, its cost without this index, with it) for the statements whose plan uses it
    /// with the whole advice in place.
    serves: Vec<(usize, f64, f64)>,
}

struct Engine<'a> {
    db: &'a Db,
    server: &'a Server,
    hypopg: Hypopg,
    min_improvement: f64,
    /// Seconds the workload's counts cover (pg_stat_statements); none for a file.
    window: Option<f64>,
    /// The indexes the --write file declares.
    declared_names: Vec<Declared>,
}

/// An index a declared-index file names: an advised index with its table and definition is that
/// one (and keeps its name); any other name is taken.
struct Declared {
    schema: Option<String>,
    table: String,
    name: String,
    /// Everything after the table name, whitespace collapsed and lower-cased.
    tail: String,
}

/// A declared index's tail for comparison: whitespace collapsed (none inside parentheses or after a
/// comma), lower-cased, and `USING btree` (the default) left out.
fn normal_sql(s: &str) -> String {
    let collapsed = s
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let collapsed = collapsed
        .replace("( ", "(")
        .replace(" )", ")")
        .replace(", ", ",");
    collapsed
        .strip_prefix("using btree ")
        .unwrap_or(&collapsed)
        .to_string()
}

/// pgtune's own statements, and the calls of HypoPG's functions (advice's own, or another tool's):
/// not the application's workload.
fn is_advises_own(query: &str) -> bool {
    crate::sql::is_pgtunes_own(query)
        || query.contains("hypopg_")
        || query.contains("pgtune_advise")
}

impl Engine<'_> {
    async fn advise(
        &mut self,
        statements: Vec<Statement>,
        top: usize,
        scope: &Scope,
        source: &Source,
    ) -> anyhow::Result<AdviceReport> {
        let from_file = source.file().is_some();
        let mut not_planned = Vec::new();
        let mut kept = Vec::new();
        for s in statements {
            match advise::workload::as_read(&s.query) {
                Ok(read) => kept.push((s, read)),
                // pg_stat_statements holds every SET and BEGIN: not worth a line each.
                Err(advise::workload::Unplannable::Utility) if !from_file => {}
                Err(why) => not_planned.push(left(&s, &why.reason())),
            }
        }
        kept.sort_by(|(a, _), (b, _)| {
            let weight = |s: &Statement| s.calls * s.mean_ms.unwrap_or(1.0);
            weight(b).total_cmp(&weight(a))
        });
        kept.truncate(top);
        let considered = kept.len();

        // Plan every statement as it is.
        let mut planned: Vec<Planned> = Vec::new();
        let mut pruned = Vec::new();
        let mut failed = 0;
        for (statement, read) in kept {
            match db::advise::generic_plan(self.db, &read).await? {
                Ok(plan) => {
                    let scans: Vec<Scan> = plan
                        .scans()
                        .into_iter()
                        .filter(|s| scope.takes(&s.schema, &s.table))
                        .collect();
                    if scans.is_empty() {
                        if plan.pruned_partitions() {
                            pruned.push(left(&statement, advise::PARTITIONED));
                        }
                        continue;
                    }
                    planned.push(Planned {
                        read,
                        baseline: plan.total_cost,
                        current: plan.total_cost,
                        statement,
                        plan,
                        scans,
                    });
                }
                Err(reason) => {
                    failed += 1;
                    // pg_stat_statements keeps no search_path: the application's may differ.
                    let hint = if reason.contains("relation \"")
                        && reason.contains("does not exist")
                    {
                        " (the application may use another search_path: set it for pgtune with PGOPTIONS='-c search_path=...')"
                    } else {
                        ""
                    };
                    not_planned.push(left(
                        &statement,
                        &format!("could not be planned: {reason}{hint}"),
                    ))
                }
            }
        }
        // Nothing planned at all is not "nothing to advise": this role, or this session's
        // search_path, cannot see the workload's tables.
        if failed > 0 && failed == considered {
            let first = not_planned
                .iter()
                .rev()
                .find(|s| s.reason.starts_with("could not be planned"))
                .map(|s| s.reason.clone())
                .unwrap_or_default();
            bail!(
                "none of the {considered} statements could be planned by this session, so nothing can be advised; {first}"
            );
        }

        let tables: Vec<(String, String)> = planned
            .iter()
            .flat_map(|p| p.scans.iter().map(|s| (s.schema.clone(), s.table.clone())))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let facts = db::advise::tables(self.db, &tables).await?;
        let existing = db::advise::indexes(self.db, &tables).await?;
        let trigram = self.server.pg_trgm_schema.is_some();

        // Candidates, each with the statements that scan its table.
        // Scans that already use an index propose candidates too (an index used on a column that
        // does not lead it); only what no existing index serves is weighed.
        let mut candidates: Vec<Candidate> = Vec::new();
        // The statements each candidate came from, and for each statement an index that serves
        // every candidate it proposed (the "it exists" reason holds only then).
        let mut origins: Vec<Vec<usize>> = Vec::new();
        let mut served_already: HashMap<usize, String> = HashMap::new();
        for (i, p) in planned.iter().enumerate() {
            let mut served_one = None;
            let mut unserved = false;
            for scan in &p.scans {
                let Some(table) = facts.get(&(scan.schema.clone(), scan.table.clone())) else {
                    continue;
                };
                for c in advise::candidates(scan, table, trigram) {
                    if let Some(index) = advise::served_by(&c, &existing) {
                        served_one = Some(index.name.clone());
                        continue;
                    }
                    unserved = true;
                    match candidates.iter().position(|known| *known == c) {
                        Some(k) => origins[k].push(i),
                        None => {
                            candidates.push(c);
                            origins.push(vec![i]);
                        }
                    }
                }
            }
            if let (Some(index), false) = (served_one, unserved) {
                served_already.insert(i, index);
            }
        }
        let touching = |c: &Candidate, planned: &[Planned]| -> Vec<usize> {
            planned
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    p.scans
                        .iter()
                        .any(|s| s.schema == c.schema && s.table == c.table)
                })
                .map(|(i, _)| i)
                .collect()
        };

        // Greedy: the candidate that saves the most, proven; again with it in place; until none
        // passes --min-improvement.
        let mut evaluations: Vec<Option<Evaluation>> = vec![None; candidates.len()];
        // The latest improvement each candidate gives each statement, and HypoPG's refusals.
        let mut latest: HashMap<(usize, usize), f64> = HashMap::new();
        let mut refused: HashMap<usize, String> = HashMap::new();
        let mut chosen: Vec<Chosen> = Vec::new();
        let mut open: Vec<usize> = (0..candidates.len()).collect();
        loop {
            for &c in &open {
                if evaluations[c].is_none() {
                    let statements = touching(&candidates[c], &planned);
                    let evaluation = self
                        .evaluate(&candidates[c], &statements, &planned, &facts)
                        .await?;
                    latest.retain(|&(candidate, _), _| candidate != c);
                    for &(s, cost) in &evaluation.used_by {
                        let current = planned[s].current;
                        if current > 0.0 {
                            latest.insert((c, s), (current - cost) / current);
                        }
                    }
                    if let Some(why) = &evaluation.refused {
                        for &s in &origins[c] {
                            refused.entry(s).or_insert_with(|| {
                                format!(
                                    "HypoPG refuses the index it would want, {}: {why}",
                                    candidates[c].label()
                                )
                            });
                        }
                    }
                    evaluations[c] = Some(evaluation);
                }
            }
            let pick = open
                .iter()
                .copied()
                .filter(|&c| {
                    let e = evaluations[c].as_ref().expect("evaluated");
                    !e.used_by.is_empty() && e.improvement(&planned) >= self.min_improvement
                })
                .max_by(|&a, &b| {
                    let (ea, eb) = (
                        evaluations[a].as_ref().expect("evaluated"),
                        evaluations[b].as_ref().expect("evaluated"),
                    );
                    let (ba, bb) = (ea.benefit(&planned), eb.benefit(&planned));
                    // Within 1% of each other, the smaller index wins (a partial one, say).
                    if (ba - bb).abs() <= 0.01 * ba.max(bb) {
                        eb.size_bytes.cmp(&ea.size_bytes)
                    } else {
                        ba.total_cmp(&bb)
                    }
                });
            let Some(pick) = pick else { break };
            open.retain(|&c| c != pick);
            let evaluation = evaluations[pick].take().expect("evaluated");
            let candidate = candidates[pick].clone();
            // It stays in place (hypothetically) while the rest are weighed against it.
            let kept = match candidate.method {
                Method::Btree => Some(
                    self.hypopg
                        .create(self.db, &self.hypothetical_statement(&candidate))
                        .await?,
                ),
                Method::Trigram => None,
            };
            let serves: Vec<(usize, f64, f64)> = evaluation
                .used_by
                .iter()
                .map(|&(s, cost)| (s, planned[s].current, cost))
                .collect();
            let mut changed = HashSet::new();
            for &(s, cost) in &evaluation.used_by {
                planned[s].current = cost;
                changed.insert(s);
            }
            // Candidates touching a statement whose cost changed are weighed again.
            for &c in &open {
                if touching(&candidates[c], &planned)
                    .iter()
                    .any(|s| changed.contains(s))
                {
                    evaluations[c] = None;
                }
            }
            chosen.push(Chosen {
                candidate,
                size_bytes: evaluation.size_bytes,
                hypothetical: kept,
                serves,
            });
        }
        let chosen = self.what_each_adds(chosen, &planned).await?;
        for c in &chosen {
            if let Some(h) = &c.hypothetical {
                self.hypopg.drop(self.db, h).await?;
            }
        }

        let indexes = self.describe(&chosen, &planned, &facts).await?;
        let served: HashSet<usize> = chosen
            .iter()
            .flat_map(|c| c.serves.iter().map(|&(s, _, _)| s))
            .collect();
        let mut unhelped = pruned;
        for (i, p) in planned.iter().enumerate() {
            if served.contains(&i) || !p.scans.iter().any(|s| s.wasteful) {
                continue;
            }
            let best = latest
                .iter()
                .filter(|((_, s), _)| *s == i)
                .map(|(_, &improvement)| improvement)
                .fold(None, |best: Option<f64>, x| {
                    Some(best.map_or(x, |b| b.max(x)))
                });
            let reason = match (best, refused.get(&i)) {
                (None, Some(why)) => why.clone(),
                _ => self.why_unhelped(i, p, &facts, &served_already, best, trigram),
            };
            unhelped.push(left(&p.statement, &reason));
        }
        Ok(AdviceReport {
            database: self.server.database.clone(),
            source: source.name().to_string(),
            file: source.file().map(|p| p.display().to_string()),
            skipped: None,
            min_improvement_percent: self.min_improvement * 100.0,
            statements: considered,
            planned: planned.len(),
            indexes,
            unhelped,
            not_planned,
        })
    }

    /// With the whole advice in place, what each index adds over the others: the statements whose
    /// plan uses it, their cost without it and with it. An index that adds less than
    /// --min-improvement there (a later one serves its statements better) is dropped, from the last
    /// chosen to the first, so no saving is counted twice.
    async fn what_each_adds(
        &self,
        mut chosen: Vec<Chosen>,
        planned: &[Planned],
    ) -> anyhow::Result<Vec<Chosen>> {
        let full_plans = |chosen: &[Chosen]| {
            let touched: Vec<usize> = planned
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    p.scans.iter().any(|scan| {
                        chosen.iter().any(|c| {
                            c.hypothetical.is_some()
                                && c.candidate.schema == scan.schema
                                && c.candidate.table == scan.table
                        })
                    })
                })
                .map(|(i, _)| i)
                .collect();
            touched
        };
        for pass in 0..2 {
            // Pass 0 drops what adds too little; pass 1 measures what the rest add.
            let mut i = chosen.len();
            while i > 0 {
                i -= 1;
                let Some(h) = chosen[i].hypothetical.clone() else {
                    continue;
                };
                let mut with = Vec::new();
                for s in full_plans(&chosen) {
                    if let Ok(plan) = db::advise::generic_plan(self.db, &planned[s].read).await? {
                        if plan.uses_index(&h.name) {
                            with.push((s, plan.total_cost));
                        }
                    }
                }
                self.hypopg.drop(self.db, &h).await?;
                let mut serves = Vec::new();
                for &(s, cost_with) in &with {
                    let without = match db::advise::generic_plan(self.db, &planned[s].read).await? {
                        Ok(plan) => plan.total_cost,
                        Err(_) => planned[s].baseline,
                    };
                    serves.push((s, without.max(cost_with), cost_with));
                }
                let weighted = |pick: fn(&(usize, f64, f64)) -> f64| -> f64 {
                    serves
                        .iter()
                        .map(|t| planned[t.0].statement.calls * pick(t))
                        .sum()
                };
                let (without, with_it) = (weighted(|t| t.1), weighted(|t| t.2));
                let adds = without > 0.0 && (without - with_it) / without >= self.min_improvement;
                if pass == 0 && !adds {
                    tracing::debug!(
                        "advise: {} adds too little over the others; dropped",
                        chosen[i].candidate.label()
                    );
                    chosen.remove(i);
                    continue;
                }
                let again = self
                    .hypopg
                    .create(self.db, &self.hypothetical_statement(&chosen[i].candidate))
                    .await?;
                chosen[i].hypothetical = Some(again);
                if pass == 1 {
                    chosen[i].serves = serves;
                }
            }
        }
        Ok(chosen)
    }

    fn trigram_ops(&self) -> Option<String> {
        self.server
            .pg_trgm_schema
            .as_deref()
            .map(|s| crate::sql::quote::qualified(s, "gin_trgm_ops"))
    }

    fn hypothetical_statement(&self, c: &Candidate) -> String {
        c.create_statement(None, false, self.trigram_ops().as_deref())
    }

    /// The candidate's cost for each statement in `statements`: re-planned with a hypothetical
    /// index (B-tree), or estimated from the plan (trigram: HypoPG cannot make GIN indexes).
    async fn evaluate(
        &self,
        c: &Candidate,
        statements: &[usize],
        planned: &[Planned],
        facts: &HashMap<(String, String), TableFacts>,
    ) -> anyhow::Result<Evaluation> {
        let table = facts
            .get(&(c.schema.clone(), c.table.clone()))
            .cloned()
            .unwrap_or_default();
        let mut evaluation = Evaluation::default();
        match c.method {
            Method::Trigram => {
                let column = c.keys[0].column.clone().unwrap_or_default();
                for &s in statements {
                    let p = &planned[s];
                    let Some(scan) = p.scans.iter().find(|scan| {
                        scan.schema == c.schema
                            && scan.table == c.table
                            && scan.node_type == "Seq Scan"
                            && scan.conditions.pattern.contains(&column)
                    }) else {
                        continue;
                    };
                    let estimate = advise::trigram_scan_cost(scan, &table, &self.server.costs);
                    if estimate < scan.cost {
                        evaluation
                            .used_by
                            .push((s, p.current - scan.cost + estimate));
                    }
                }
                let width = table.columns.get(&column).map_or(16.0, |c| c.avg_width);
                evaluation.size_bytes = (table.tuples * (width * 3.0 + 6.0)) as i64;
            }
            Method::Btree => {
                let statement = self.hypothetical_statement(c);
                let h = match self.hypopg.create(self.db, &statement).await {
                    Ok(h) => h,
                    Err(e) if e.is_connection_lost() => return Err(e.into()),
                    Err(e) => {
                        tracing::info!("advise: HypoPG refused {statement}: {}", e.message);
                        evaluation.refused = Some(e.message);
                        return Ok(evaluation);
                    }
                };
                evaluation.size_bytes = self.hypopg.size(self.db, &h).await?;
                for &s in statements {
                    if let Ok(plan) = db::advise::generic_plan(self.db, &planned[s].read).await? {
                        if plan.uses_index(&h.name) && plan.total_cost < planned[s].current {
                            evaluation.used_by.push((s, plan.total_cost));
                        }
                    }
                }
                self.hypopg.drop(self.db, &h).await?;
            }
        }
        tracing::debug!(
            "advise: {} serves {} statement(s), {:.0}% better",
            c.label(),
            evaluation.used_by.len(),
            evaluation.improvement(planned) * 100.0
        );
        Ok(evaluation)
    }

    /// The advice for each chosen index: its name (PostgreSQL's own choice, free in the catalog),
    /// statement, costs, size and write cost.
    async fn describe(
        &self,
        chosen: &[Chosen],
        planned: &[Planned],
        facts: &HashMap<(String, String), TableFacts>,
    ) -> anyhow::Result<Vec<IndexAdvice>> {
        let prefixes: Vec<(String, String)> = chosen
            .iter()
            .map(|Chosen { candidate: c, .. }| {
                (
                    c.schema.clone(),
                    crate::pgname::catalog_prefix(&c.table, &c.name_parts()),
                )
            })
            .collect();
        let mut taken = db::report::taken_names(self.db, &prefixes).await?;
        for Chosen { candidate: c, .. } in chosen {
            for declared in &self.declared_names {
                taken.insert((c.schema.clone(), declared.name.clone()));
            }
        }
        let mut names = crate::pgname::IndexNames::new(taken);
        let trigram_ops = self.trigram_ops();
        let mut out = Vec::new();
        for chosen in chosen {
            let c = &chosen.candidate;
            let tail = normal_sql(&c.tail(trigram_ops.as_deref()));
            let name = match self.declared_names.iter().find(|d| {
                d.table == c.table
                    && d.schema.as_deref().is_none_or(|s| s == c.schema)
                    && d.tail == tail
            }) {
                Some(declared) => declared.name.clone(),
                None => names.choose(&c.schema, &c.table, &c.name_parts()),
            };
            let table = facts
                .get(&(c.schema.clone(), c.table.clone()))
                .cloned()
                .unwrap_or_default();
            let before: f64 = chosen
                .serves
                .iter()
                .map(|&(s, without, _)| planned[s].statement.calls * without)
                .sum();
            let after: f64 = chosen
                .serves
                .iter()
                .map(|&(s, _, with)| planned[s].statement.calls * with)
                .sum();
            let writes_per_second = (self.server.stats_seconds > 0.0)
                .then(|| table.index_writes / self.server.stats_seconds);
            let key_width: f64 = c
                .keys
                .iter()
                .filter_map(|k| k.column.as_ref())
                .map(|col| table.columns.get(col).map_or(8.0, |f| f.avg_width))
                .sum();
            let write_cost_per_second = writes_per_second.map(|w| {
                w * advise::cost_per_write(c.method, &table, key_width, &self.server.costs)
            });
            let benefit_per_second = self
                .window
                .filter(|w| *w > 0.0)
                .map(|w| (before - after) / w);
            let outweighs = matches!(
                (benefit_per_second, write_cost_per_second),
                (Some(b), Some(w)) if w > b
            );
            out.push(IndexAdvice {
                schema: c.schema.clone(),
                table: c.table.clone(),
                name: name.clone(),
                method: c.method,
                keys: c.keys.iter().map(|k| k.sql()).collect(),
                predicate: (!c.predicate.is_empty()).then(|| c.predicate.join(" AND ")),
                statement: c.create_statement(Some(&name), true, trigram_ops.as_deref()),
                proof: match c.method {
                    Method::Btree => Proof::Hypopg,
                    Method::Trigram => Proof::Estimated,
                },
                size_bytes: chosen.size_bytes,
                weighted_cost_before: before,
                weighted_cost_after: after,
                improvement_percent: if before > 0.0 {
                    100.0 * (before - after) / before
                } else {
                    0.0
                },
                writes_per_second,
                benefit_per_second,
                write_cost_per_second,
                write_cost_outweighs_benefit: outweighs,
                serves: chosen
                    .serves
                    .iter()
                    .map(|&(s, without, with)| ServedStatement {
                        query: planned[s].statement.query.clone(),
                        at: planned[s].statement.at.clone(),
                        calls: planned[s].statement.calls,
                        mean_ms: planned[s].statement.mean_ms,
                        cost_before: without,
                        cost_after: with,
                    })
                    .collect(),
            });
        }
        Ok(out)
    }

    fn why_unhelped(
        &self,
        i: usize,
        p: &Planned,
        facts: &HashMap<(String, String), TableFacts>,
        served_already: &HashMap<usize, String>,
        best: Option<f64>,
        trigram: bool,
    ) -> String {
        let wasteful: Vec<&Scan> = p.scans.iter().filter(|s| s.wasteful).collect();
        for scan in &wasteful {
            if let Some(reason) = facts
                .get(&(scan.schema.clone(), scan.table.clone()))
                .and_then(TableFacts::unprovable)
            {
                return reason.to_string();
            }
        }
        let small = wasteful.iter().all(|s| {
            facts
                .get(&(s.schema.clone(), s.table.clone()))
                .is_some_and(|f| f.pages < 16.0)
        });
        if small {
            return "its tables are small: reading them whole is already the cheapest plan".into();
        }
        if let Some(index) = served_already.get(&i) {
            return format!(
                "the index it would want exists ({}); the planner prefers another plan",
                crate::render::shown_ident(index)
            );
        }
        if !trigram && wasteful.iter().any(|s| !s.conditions.pattern.is_empty()) {
            return "a LIKE or ILIKE anywhere in the text wants a trigram index: CREATE EXTENSION pg_trgm; then advise again".into();
        }
        match best {
            Some(best) if best >= self.min_improvement => {
                return format!(
                    "an index would lower its cost by {:.0}%, but not the weighted cost of all the statements it would serve by --min-improvement {:.0}%",
                    best * 100.0,
                    self.min_improvement * 100.0
                )
            }
            Some(best) => {
                return format!(
                    "the best index found lowers its cost by {:.1}%, below --min-improvement {}%",
                    best * 100.0,
                    self.min_improvement * 100.0
                )
            }
            None => {}
        }
        if let Some(filter) = wasteful
            .iter()
            .find(|s| s.conditions.is_empty())
            .and_then(|s| s.filter.as_deref())
        {
            return format!(
                "its condition {} is not one pgtune builds candidates for (equality, range, LIKE, a function of a column)",
                crate::sql::quote::comment(filter)
            );
        }
        if wasteful.iter().all(|s| s.conditions.is_empty()) {
            return "it reads whole tables: no condition an index could serve".into();
        }
        let _ = &p.plan;
        "no index over its conditions makes the planner choose it".into()
    }
}

fn left(s: &Statement, reason: &str) -> LeftStatement {
    LeftStatement {
        query: s.query.clone(),
        calls: s.calls,
        mean_ms: s.mean_ms,
        at: s.at.clone(),
        reason: reason.to_string(),
    }
}

/// Merges the advice into `path`, a file of declared indexes: each index not already declared
/// there (by name, or by table and definition) is appended after a comment saying what it serves.
fn write_declarations(path: &Path, report: &AdviceReport) -> anyhow::Result<()> {
    let existing_text = if path.exists() {
        read_text(path)?
    } else {
        String::new()
    };
    let declared: Vec<crate::schema::IndexDecl> = if path.exists() {
        crate::schema::source::load(&[path.to_path_buf()])?
            .declarations
            .into_iter()
            .filter_map(|d| match d {
                crate::schema::Declaration::Index(i) => Some(i),
                _ => None,
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut text = existing_text.clone();
    if text.is_empty() {
        text.push_str(
            "-- Indexes declared for `pgtune schema plan|apply|verify`; written by `pgtune advise indexes`.\n",
        );
    }
    let mut added = 0;
    for index in report
        .indexes
        .iter()
        .filter(|i| !i.write_cost_outweighs_benefit)
    {
        let tail = index
            .statement
            .split_once(&format!(
                " ON {} ",
                crate::sql::quote::qualified(&index.schema, &index.table)
            ))
            .map(|(_, t)| t.to_string())
            .unwrap_or_default();
        let already = declared.iter().any(|d| {
            d.name.as_deref() == Some(index.name.as_str())
                || (d.table.name == index.table
                    && d.table.schema.as_deref().is_none_or(|s| s == index.schema)
                    && normal_sql(&d.tail) == normal_sql(&tail))
        });
        if already {
            continue;
        }
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push('\n');
        let serves: Vec<String> = index
            .serves
            .iter()
            .map(|s| crate::sql::one_line(&s.query))
            .collect();
        text.push_str(&format!(
            "-- pgtune advise {}: {:.0}% lower weighted cost ({}), serves: {}\n",
            chrono::Utc::now().format("%Y-%m-%d"),
            index.improvement_percent,
            match index.proof {
                Proof::Hypopg => "proven with a hypothetical index",
                Proof::Estimated => "estimated: HypoPG cannot simulate GIN",
            },
            crate::sql::quote::comment(&serves.join(" | "))
        ));
        let statement = crate::sql::statement::if_not_exists(&index.statement);
        text.push_str(&statement);
        text.push_str(";\n");
        added += 1;
    }
    if added > 0 || existing_text.is_empty() {
        crate::fsutil::write_atomically(path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    tracing::info!("advise: {added} index(es) written to {}", path.display());
    Ok(())
}
