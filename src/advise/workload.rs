//! The workload from a file: a PostgreSQL log (statements `log_min_duration_statement` or
//! auto_explain logged, with their durations), or a file of queries. Statements that differ only in
//! their constants are one statement run several times, as pg_stat_statements counts them.

use std::collections::HashMap;
use std::path::Path;

use super::Statement;

/// Statements from a PostgreSQL log in the default `stderr` format (any `log_line_prefix`):
/// `duration: 12.3 ms  statement: ...`, `duration: ... execute <name>: ...` with its
/// `DETAIL:  parameters: $1 = '...'`, and auto_explain's `duration: ... plan:` with `Query Text:`.
/// A statement continues on the lines that start with a tab.
pub fn from_log(path: &Path, text: &str) -> anyhow::Result<Vec<Statement>> {
    let mut entries: Vec<(f64, String)> = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        let Some(after) = line.split_once("duration: ").map(|(_, a)| a) else {
            continue;
        };
        let Some((ms, rest)) = after.split_once(" ms") else {
            continue;
        };
        let Ok(ms) = ms.trim().parse::<f64>() else {
            continue;
        };
        let rest = rest.trim_start();
        let mut continuation = Vec::new();
        while i < lines.len() && lines[i].starts_with('\t') {
            continuation.push(&lines[i][1..]);
            i += 1;
        }
        let query = if let Some(q) = rest.strip_prefix("statement: ") {
            join(q, &continuation)
        } else if rest.starts_with("execute ") {
            let Some((_, q)) = rest.split_once(": ") else {
                continue;
            };
            let mut query = join(q, &continuation);
            // The next line may give the parameters.
            if let Some(detail) = lines
                .get(i)
                .and_then(|l| l.split_once("DETAIL:  parameters: "))
                .map(|(_, d)| d)
            {
                query = bind_parameters(&query, detail);
                i += 1;
            }
            query
        } else if rest.starts_with("plan:") {
            // auto_explain (text format): the query text runs until the plan starts.
            let mut query_lines = Vec::new();
            let mut in_query = false;
            for l in &continuation {
                if let Some(q) = l.trim_start().strip_prefix("Query Text: ") {
                    in_query = true;
                    query_lines.push(q.to_string());
                } else if in_query {
                    if l.contains("(cost=") || l.contains("(actual") {
                        break;
                    }
                    query_lines.push(l.to_string());
                }
            }
            if query_lines.is_empty() {
                continue;
            }
            query_lines.join("\n")
        } else {
            continue;
        };
        entries.push((ms, query.trim().trim_end_matches(';').to_string()));
    }
    if entries.is_empty() {
        anyhow::bail!(
            "{}: no statement with a duration in this log (set log_min_duration_statement, or load auto_explain)",
            path.display()
        );
    }
    Ok(group(
        entries.into_iter().map(|(ms, q)| (q, Some(ms), None)),
    ))
}

/// Statements from a file of queries separated by semicolons, each once (a statement written
/// several times counts several times).
pub fn from_queries(path: &Path, text: &str) -> anyhow::Result<Vec<Statement>> {
    let statements = crate::schema::source::statements(path, text)?;
    if statements.is_empty() {
        anyhow::bail!("{}: no statements in this file", path.display());
    }
    Ok(group(
        statements
            .into_iter()
            .map(|(at, text)| (text, None, Some(at.to_string()))),
    ))
}

fn join(first: &str, rest: &[&str]) -> String {
    std::iter::once(first)
        .chain(rest.iter().copied())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `$1 = '42', $2 = 'x'`: each parameter written into the statement as its literal (the log quotes
/// them as SQL literals, or prints NULL).
fn bind_parameters(query: &str, detail: &str) -> String {
    let mut values: Vec<(usize, String)> = Vec::new();
    let mut rest = detail;
    while let Some(start) = rest.find('$') {
        rest = &rest[start + 1..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let Ok(n) = digits.parse::<usize>() else {
            continue;
        };
        rest = rest[digits.len()..].trim_start();
        let Some(after) = rest.strip_prefix("= ") else {
            continue;
        };
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('\'') {
            // A literal ends at a quote not doubled.
            let mut end = 0;
            let bytes = quoted.as_bytes();
            while end < bytes.len() {
                if bytes[end] == b'\'' {
                    if bytes.get(end + 1) == Some(&b'\'') {
                        end += 2;
                        continue;
                    }
                    break;
                }
                end += 1;
            }
            (
                format!("'{}'", &quoted[..end.min(quoted.len())]),
                &quoted[(end + 1).min(quoted.len())..],
            )
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        values.push((n, value));
        rest = remaining;
    }
    // One pass over the statement's own parameters: a value that itself holds "$1" is never
    // substituted again.
    let values: HashMap<usize, String> = values.into_iter().collect();
    let Some(tokens) = located_tokens(query) else {
        return query.to_string();
    };
    let mut out = String::with_capacity(query.len());
    let mut copied = 0;
    for (token, range) in tokens {
        if let sqlparser::tokenizer::Token::Placeholder(p) = &token {
            if let Some(v) = p
                .strip_prefix('$')
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| values.get(&n))
            {
                out.push_str(&query[copied..range.start]);
                out.push_str(v);
                copied = range.end;
            }
        }
    }
    out.push_str(&query[copied..]);
    out
}

/// One statement per shape (constants aside), its calls the times it appears and its mean the
/// mean of its durations; the most frequent first. A constant every occurrence repeats stays in
/// the statement (`status = 'open'`: a partial index may carry it); one that varies, or that only
/// one occurrence shows, becomes a parameter, as pg_stat_statements would write it.
fn group(items: impl Iterator<Item = (String, Option<f64>, Option<String>)>) -> Vec<Statement> {
    struct Group {
        first: Statement,
        texts: Vec<String>,
        total_ms: f64,
        timed: usize,
    }
    let mut order: Vec<String> = Vec::new();
    let mut by_shape: HashMap<String, Group> = HashMap::new();
    for (query, ms, at) in items {
        let shape = crate::sql::skeleton(&query);
        let entry = by_shape.entry(shape.clone()).or_insert_with(|| {
            order.push(shape);
            Group {
                first: Statement {
                    query: query.clone(),
                    calls: 0.0,
                    mean_ms: None,
                    at,
                },
                texts: Vec::new(),
                total_ms: 0.0,
                timed: 0,
            }
        });
        entry.first.calls += 1.0;
        entry.texts.push(query);
        if let Some(ms) = ms {
            entry.total_ms += ms;
            entry.timed += 1;
        }
    }
    let mut out: Vec<Statement> = order
        .into_iter()
        .filter_map(|shape| by_shape.remove(&shape))
        .map(|g| {
            let mut s = g.first;
            s.query = parameterized(&g.texts);
            if g.timed > 0 {
                s.mean_ms = Some(g.total_ms / g.timed as f64);
            }
            s
        })
        .collect();
    out.sort_by(|a, b| {
        let weight = |s: &Statement| s.calls * s.mean_ms.unwrap_or(1.0);
        weight(b).total_cmp(&weight(a))
    });
    out
}

/// The first text with each literal that differs between `texts` (or each literal at all, when
/// there is one text) written as a parameter `$n`; everything else exactly as written.
fn parameterized(texts: &[String]) -> String {
    use sqlparser::tokenizer::Token;
    let Some(first) = located_tokens(&texts[0]) else {
        return texts[0].clone();
    };
    let others: Vec<Vec<(Token, std::ops::Range<usize>)>> = texts[1..]
        .iter()
        .filter_map(|t| located_tokens(t))
        .collect();
    if others.iter().any(|o| o.len() != first.len()) {
        return texts[0].clone();
    }
    let is_literal = |t: &Token| {
        matches!(
            t,
            Token::Number(..)
                | Token::SingleQuotedString(_)
                | Token::EscapedStringLiteral(_)
                | Token::NationalStringLiteral(_)
                | Token::HexStringLiteral(_)
        )
    };
    let mut next = first
        .iter()
        .filter_map(|(t, _)| match t {
            Token::Placeholder(p) => p.trim_start_matches('$').parse::<usize>().ok(),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let text = &texts[0];
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    // `GROUP BY 1 ORDER BY 2 DESC` name output columns: not constants (pg_stat_statements keeps them).
    let mut in_by_list = false;
    let mut previous: Option<&Token> = None;
    for (i, (token, range)) in first.iter().enumerate() {
        if matches!(token, Token::Whitespace(_)) {
            continue;
        }
        let position = matches!(token, Token::Number(..))
            && in_by_list
            && matches!(previous, Some(Token::Word(_)) | Some(Token::Comma))
            && previous.is_some_and(|p| match p {
                Token::Word(w) => w.value.eq_ignore_ascii_case("by"),
                _ => true,
            });
        match token {
            Token::Word(w) if w.value.eq_ignore_ascii_case("by") => in_by_list = true,
            Token::Word(w)
                if !["asc", "desc", "nulls", "first", "last"]
                    .iter()
                    .any(|k| w.value.eq_ignore_ascii_case(k)) =>
            {
                in_by_list = false
            }
            Token::RParen | Token::SemiColon => in_by_list = false,
            _ => {}
        }
        previous = Some(token);
        let varies = others.is_empty() || others.iter().any(|o| o[i].0 != *token);
        if is_literal(token) && varies && !position {
            next += 1;
            out.push_str(&text[copied..range.start]);
            out.push_str(&format!("${next}"));
            copied = range.end;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// The tokens of `text` with the byte range each covers in it.
fn located_tokens(
    text: &str,
) -> Option<Vec<(sqlparser::tokenizer::Token, std::ops::Range<usize>)>> {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::Tokenizer;
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, text)
        .tokenize_with_location()
        .ok()?;
    // Line starts, to turn (line, character column) into a byte offset.
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let offset = |line: u64, column: u64| -> Option<usize> {
        let start = *starts.get(usize::try_from(line).ok()?.checked_sub(1)?)?;
        let rest = &text[start..];
        let skip = usize::try_from(column).ok()?.checked_sub(1)?;
        Some(start + rest.char_indices().nth(skip).map_or(rest.len(), |(i, _)| i))
    };
    tokens
        .into_iter()
        .map(|t| {
            let from = offset(t.span.start.line, t.span.start.column)?;
            let to = offset(t.span.end.line, t.span.end.column)?;
            Some((t.token, from..to))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_gives_statements_executes_with_parameters_and_auto_explain_plans() {
        let log = "\
2026-12-03 10:00:00.000 UTC [12] LOG:  duration: 120.500 ms  statement: SELECT * FROM orders
\tWHERE student_id = 42;
2026-12-03 10:00:01.000 UTC [12] LOG:  duration: 100.500 ms  statement: SELECT * FROM orders WHERE student_id = 7
2026-12-03 10:00:02.000 UTC [13] LOG:  duration: 50.000 ms  execute <unnamed>: SELECT * FROM menu_items WHERE lower(name) = $1
2026-12-03 10:00:02.000 UTC [13] DETAIL:  parameters: $1 = 'it''s pizza'
2026-12-03 10:00:02.500 UTC [13] LOG:  duration: 5.000 ms  execute <unnamed>: SELECT * FROM t WHERE a = $1 AND b = $2
2026-12-03 10:00:02.500 UTC [13] DETAIL:  parameters: $1 = 'f', $2 = 'it''s $1 here'
2026-12-03 10:00:03.000 UTC [14] LOG:  duration: 300.000 ms  plan:
\tQuery Text: SELECT count(*) FROM students
\t  WHERE active AND school_id = 3
\tAggregate  (cost=100.00..100.01 rows=1 width=8)
\t  ->  Seq Scan on students  (cost=0.00..99.00 rows=10 width=0)
2026-12-03 10:00:04.000 UTC [15] LOG:  checkpoint starting: time
";
        let found = from_log(Path::new("pg.log"), log).unwrap();
        assert_eq!(found.len(), 4);
        // Substituted once: the value holding "$1" stays as it is (then, one occurrence, both
        // values are parameters again).
        assert!(found
            .iter()
            .any(|s| s.query == "SELECT * FROM t WHERE a = $1 AND b = $2"));
        let orders = found.iter().find(|s| s.query.contains("orders")).unwrap();
        assert_eq!(orders.calls, 2.0);
        assert_eq!(orders.mean_ms, Some(110.5));
        // The student varies: a parameter.
        assert_eq!(orders.query, "SELECT * FROM orders\nWHERE student_id = $1");
        assert!(found
            .iter()
            .any(|s| s.query == "SELECT * FROM menu_items WHERE lower(name) = $1"));
        assert!(
            found
                .iter()
                .any(|s| s.query
                    == "SELECT count(*) FROM students\n  WHERE active AND school_id = $1")
        );
    }

    #[test]
    fn a_constant_every_occurrence_repeats_stays_and_one_that_varies_is_a_parameter() {
        let texts = [
            "SELECT * FROM orders WHERE status = 'open' AND school_id = 1 LIMIT 10".to_string(),
            "SELECT * FROM orders WHERE status = 'open' AND school_id = 2 LIMIT 10".to_string(),
        ];
        assert_eq!(
            parameterized(&texts),
            "SELECT * FROM orders WHERE status = 'open' AND school_id = $1 LIMIT 10"
        );
        assert_eq!(
            parameterized(&texts[..1]),
            "SELECT * FROM orders WHERE status = $1 AND school_id = $2 LIMIT $3"
        );
        let positions = [
            "SELECT a, count(*) FROM t WHERE b = 1 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 5"
                .to_string(),
        ];
        assert_eq!(
            parameterized(&positions),
            "SELECT a, count(*) FROM t WHERE b = $1 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $2"
        );
        let hostile = ["SELECT 'it''s' FROM \"Order \"\"Log\"\"\" WHERE \"é\" = 'x'".to_string()];
        assert_eq!(
            parameterized(&hostile),
            "SELECT $1 FROM \"Order \"\"Log\"\"\" WHERE \"é\" = $2"
        );
    }

    #[test]
    fn log_parameters_are_substituted_once() {
        assert_eq!(
            bind_parameters(
                "SELECT * FROM t WHERE a = $1 AND b = $2",
                "$1 = 'f', $2 = 'it''s $1 here'"
            ),
            "SELECT * FROM t WHERE a = 'f' AND b = 'it''s $1 here'"
        );
    }

    #[test]
    fn a_log_without_durations_says_what_to_set() {
        let err = from_log(Path::new("pg.log"), "LOG:  checkpoint starting\n").unwrap_err();
        assert!(
            err.to_string().contains("log_min_duration_statement"),
            "{err}"
        );
    }
}

/// The statement as PostgreSQL can prepare it: pg_stat_statements writes a typed literal
/// (`interval '1 day'`) as `interval $2`, which is not SQL; a cast (`$2::interval`) is, and plans
/// the same. Everything else is left as written.
pub fn plannable(query: &str) -> String {
    use sqlparser::tokenizer::Token;
    const TYPED: &[&str] = &[
        "interval",
        "date",
        "time",
        "timestamp",
        "timestamptz",
        "numeric",
        "uuid",
        "json",
        "jsonb",
        "inet",
    ];
    let Some(tokens) = located_tokens(query) else {
        return query.to_string();
    };
    let mut out = String::with_capacity(query.len());
    let mut copied = 0;
    let mut i = 0;
    let word_at = |k: usize| match tokens.get(k) {
        Some((Token::Word(w), _)) if w.quote_style.is_none() => Some(w.value.to_lowercase()),
        _ => None,
    };
    let skip_space = |mut k: usize| {
        while matches!(tokens.get(k), Some((Token::Whitespace(_), _))) {
            k += 1;
        }
        k
    };
    while i < tokens.len() {
        if let Some(word) = word_at(i).filter(|w| TYPED.contains(&w.as_str())) {
            // `timestamp with time zone $1` too: the type's words, then the parameter.
            let mut type_name = word.clone();
            let mut j = skip_space(i + 1);
            if word == "timestamp" || word == "time" {
                let (a, b) = (j, skip_space(j + 1));
                if let (Some(with), Some(time)) = (word_at(a), word_at(b)) {
                    let zone = skip_space(b + 1);
                    if (with == "with" || with == "without")
                        && time == "time"
                        && word_at(zone).as_deref() == Some("zone")
                    {
                        type_name = format!("{word} {with} time zone");
                        j = skip_space(zone + 1);
                    }
                }
            }
            if let Some((Token::Placeholder(p), range)) = tokens.get(j) {
                out.push_str(&query[copied..tokens[i].1.start]);
                out.push_str(&format!("{p}::{type_name}"));
                copied = range.end;
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&query[copied..]);
    out
}

#[cfg(test)]
mod plannable_tests {
    #[test]
    fn typed_literals_pg_stat_statements_normalised_become_casts() {
        assert_eq!(
            super::plannable("SELECT 1 FROM t WHERE at >= now() - interval $2 AND d = date $3"),
            "SELECT 1 FROM t WHERE at >= now() - $2::interval AND d = $3::date"
        );
        assert_eq!(
            super::plannable("SELECT 1 FROM t WHERE at > timestamp with time zone $1"),
            "SELECT 1 FROM t WHERE at > $1::timestamp with time zone"
        );
        let untouched = "SELECT 'interval $1', \"Order \"\"Log\"\"\" FROM t WHERE a = $1";
        assert_eq!(super::plannable(untouched), untouched);
    }
}

/// What pgtune prepares to plan `query`: a read that takes no lock above AccessShare. Preparing an
/// UPDATE or DELETE takes RowExclusiveLock on its table, a SELECT ... FOR UPDATE RowShareLock; the
/// rows such a statement finds are what an index serves, so it is planned as the SELECT that finds
/// them (`UPDATE t SET ... FROM u WHERE c` as `SELECT 1 FROM t, u WHERE c`), a locking clause left
/// out, an INSERT ... SELECT as its SELECT. Err says why a statement is not planned.
pub fn as_read(query: &str) -> Result<String, Unplannable> {
    use sqlparser::ast::{FromTable, SetExpr, Statement, UpdateTableFromKind};
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::parser::Parser;
    let text = plannable(query);
    let parsed = Parser::parse_sql(&PostgreSqlDialect {}, &text);
    let statement = match parsed {
        Ok(mut statements) if statements.len() == 1 => statements.remove(0),
        Ok(_) => return Err(Unplannable::Reason("more than one statement".into())),
        // sqlparser reads less than PostgreSQL does: what it cannot read is prepared as written
        // only when no word of it could take a stronger lock (the server then judges it).
        Err(_) if is_utility(&text) => return Err(Unplannable::Utility),
        Err(_) if !may_lock(&text) => return Ok(text),
        Err(e) => {
            return Err(Unplannable::Reason(format!(
                "not read ({}), and it may write or lock: pgtune prepares only what takes no lock above AccessShare",
                e.to_string().trim_start_matches("sql parser error: ")
            )))
        }
    };
    let from_list = |tables: Vec<String>| tables.join(", ");
    let read = |q: &mut sqlparser::ast::Query| -> Result<Option<String>, Unplannable> {
        let writes = |body: &SetExpr| {
            matches!(
                body,
                SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_)
            )
        };
        if q.with
            .as_ref()
            .is_some_and(|w| w.cte_tables.iter().any(|c| writes(&c.query.body)))
        {
            return Err(Unplannable::Reason(
                "a data-modifying WITH: preparing it takes RowExclusiveLock".into(),
            ));
        }
        if q.locks.is_empty() {
            return Ok(None);
        }
        q.locks.clear();
        Ok(Some(q.to_string()))
    };
    match statement {
        // A plain read goes as written; sqlparser's rendering only where a clause was left out.
        Statement::Query(mut q) => Ok(read(&mut q)?.unwrap_or(text)),
        Statement::Update(u) => {
            let mut tables = vec![u.table.to_string()];
            if let Some(
                UpdateTableFromKind::AfterSet(from) | UpdateTableFromKind::BeforeSet(from),
            ) = &u.from
            {
                tables.extend(from.iter().map(|t| t.to_string()));
            }
            Ok(select_one(&from_list(tables), u.selection.as_ref()))
        }
        Statement::Delete(d) => {
            let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) = &d.from;
            let mut tables: Vec<String> = from.iter().map(|t| t.to_string()).collect();
            tables.extend(d.using.iter().flatten().map(|t| t.to_string()));
            Ok(select_one(&from_list(tables), d.selection.as_ref()))
        }
        Statement::Insert(i) => match i.source {
            Some(mut source) if !matches!(*source.body, SetExpr::Values(_)) => {
                Ok(read(&mut source)?.unwrap_or_else(|| source.to_string()))
            }
            _ => Err(Unplannable::Reason(
                "an INSERT of values reads no rows an index could find".into(),
            )),
        },
        _ => Err(Unplannable::Utility),
    }
}

/// Why a statement is not planned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unplannable {
    /// A utility statement (SET, VACUUM, CREATE ...): nothing an index serves.
    Utility,
    Reason(String),
}

impl Unplannable {
    pub fn reason(&self) -> String {
        match self {
            Unplannable::Utility => {
                "only SELECT, INSERT, UPDATE and DELETE statements are planned".into()
            }
            Unplannable::Reason(r) => r.clone(),
        }
    }
}

fn select_one(from: &str, selection: Option<&sqlparser::ast::Expr>) -> String {
    match selection {
        Some(condition) => format!("SELECT 1 FROM {from} WHERE {condition}"),
        None => format!("SELECT 1 FROM {from}"),
    }
}

/// Whether `text` starts with a utility command (DO, CALL, SET, VACUUM, ...), when sqlparser cannot read it.
fn is_utility(text: &str) -> bool {
    let first = crate::sql::skeleton(text)
        .split(|c: char| !c.is_ascii_alphabetic())
        .find(|w| !w.is_empty())
        .unwrap_or_default()
        .to_ascii_uppercase();
    matches!(
        first.as_str(),
        "DO" | "CALL"
            | "SET"
            | "RESET"
            | "SHOW"
            | "BEGIN"
            | "START"
            | "COMMIT"
            | "END"
            | "ROLLBACK"
            | "SAVEPOINT"
            | "RELEASE"
            | "PREPARE"
            | "EXECUTE"
            | "DEALLOCATE"
            | "DISCARD"
            | "LISTEN"
            | "NOTIFY"
            | "UNLISTEN"
            | "VACUUM"
            | "ANALYZE"
            | "CREATE"
            | "ALTER"
            | "DROP"
            | "GRANT"
            | "REVOKE"
            | "COPY"
            | "FETCH"
            | "DECLARE"
            | "CLOSE"
            | "MOVE"
            | "LOCK"
            | "TRUNCATE"
            | "COMMENT"
            | "EXPLAIN"
            | "REFRESH"
            | "REINDEX"
            | "CLUSTER"
            | "CHECKPOINT"
            | "LOAD"
            | "SECURITY"
            | "IMPORT"
            | "REASSIGN"
    )
}

/// Whether an unquoted word of `text` could make preparing it lock more than AccessShare.
fn may_lock(text: &str) -> bool {
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::{Token, Tokenizer};
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, text).tokenize() else {
        return true;
    };
    tokens.iter().any(|t| match t {
        Token::Word(w) if w.quote_style.is_none() => matches!(
            w.value.to_ascii_uppercase().as_str(),
            "UPDATE" | "DELETE" | "INSERT" | "MERGE" | "SHARE" | "LOCK" | "TRUNCATE"
        ),
        _ => false,
    })
}

#[cfg(test)]
mod read_tests {
    use super::as_read;

    #[test]
    fn writes_are_planned_as_the_reads_that_find_their_rows() {
        assert_eq!(
            as_read("UPDATE orders SET status = $1 WHERE student_id = $2").unwrap(),
            "SELECT 1 FROM orders WHERE student_id = $2"
        );
        assert_eq!(
            as_read("DELETE FROM orders o USING students s WHERE s.id = o.student_id AND s.active")
                .unwrap(),
            "SELECT 1 FROM orders o, students s WHERE s.id = o.student_id AND s.active"
        );
        assert_eq!(
            as_read("SELECT * FROM orders WHERE id = $1 FOR UPDATE SKIP LOCKED").unwrap(),
            "SELECT * FROM orders WHERE id = $1"
        );
        assert_eq!(
            as_read("INSERT INTO archive SELECT * FROM orders WHERE created_at < $1").unwrap(),
            "SELECT * FROM orders WHERE created_at < $1"
        );
        assert!(as_read("INSERT INTO t VALUES ($1)").is_err());
        assert!(as_read("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d").is_err());
        assert!(as_read("DROP TABLE t").is_err());
        // What sqlparser cannot read goes to the server as written, unless it could lock or is
        // a utility command.
        assert_eq!(
            as_read("DO $$ BEGIN PERFORM 1; END $$ LANGUAGE plpgsql"),
            Err(super::Unplannable::Utility)
        );
        assert_eq!(
            as_read("SELEC * FORM nowhere").unwrap(),
            "SELEC * FORM nowhere"
        );
        assert!(as_read("UPDAT t SET x = 1; DELETE FROM t").is_err());
    }
}
