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
    values.sort_by_key(|v| std::cmp::Reverse(v.0));
    values.into_iter().fold(query.to_string(), |q, (n, v)| {
        q.replace(&format!("${n}"), &v)
    })
}

/// One statement per shape (constants aside), its calls the times it appears and its mean the
/// mean of its durations; the most frequent first, as the file first gave each.
fn group(items: impl Iterator<Item = (String, Option<f64>, Option<String>)>) -> Vec<Statement> {
    let mut order: Vec<String> = Vec::new();
    let mut by_shape: HashMap<String, (Statement, f64, usize)> = HashMap::new();
    for (query, ms, at) in items {
        let shape = crate::sql::skeleton(&query);
        let entry = by_shape.entry(shape.clone()).or_insert_with(|| {
            order.push(shape);
            (
                Statement {
                    query,
                    calls: 0.0,
                    mean_ms: None,
                    at,
                },
                0.0,
                0,
            )
        });
        entry.0.calls += 1.0;
        if let Some(ms) = ms {
            entry.1 += ms;
            entry.2 += 1;
        }
    }
    let mut out: Vec<Statement> = order
        .into_iter()
        .filter_map(|shape| by_shape.remove(&shape))
        .map(|(mut s, total, timed)| {
            if timed > 0 {
                s.mean_ms = Some(total / timed as f64);
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
2026-12-03 10:00:03.000 UTC [14] LOG:  duration: 300.000 ms  plan:
\tQuery Text: SELECT count(*) FROM students
\t  WHERE active AND school_id = 3
\tAggregate  (cost=100.00..100.01 rows=1 width=8)
\t  ->  Seq Scan on students  (cost=0.00..99.00 rows=10 width=0)
2026-12-03 10:00:04.000 UTC [15] LOG:  checkpoint starting: time
";
        let found = from_log(Path::new("pg.log"), log).unwrap();
        assert_eq!(found.len(), 3);
        let orders = found.iter().find(|s| s.query.contains("orders")).unwrap();
        assert_eq!(orders.calls, 2.0);
        assert_eq!(orders.mean_ms, Some(110.5));
        assert!(found
            .iter()
            .any(|s| s.query == "SELECT * FROM menu_items WHERE lower(name) = 'it''s pizza'"));
        assert!(found
            .iter()
            .any(|s| s.query == "SELECT count(*) FROM students\n  WHERE active AND school_id = 3"));
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
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::{Token, Tokenizer};
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
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, query).tokenize() else {
        return query.to_string();
    };
    if !tokens.iter().any(|t| matches!(t, Token::Placeholder(_))) {
        return query.to_string();
    }
    let mut out = String::with_capacity(query.len());
    let mut i = 0;
    let mut changed = false;
    while i < tokens.len() {
        if let Token::Word(w) = &tokens[i] {
            let typed = w.quote_style.is_none() && TYPED.contains(&w.value.to_lowercase().as_str());
            if typed {
                let mut j = i + 1;
                while matches!(tokens.get(j), Some(Token::Whitespace(_))) {
                    j += 1;
                }
                if let Some(Token::Placeholder(p)) = tokens.get(j) {
                    out.push_str(&format!("{p}::{}", w.value));
                    i = j + 1;
                    changed = true;
                    continue;
                }
            }
        }
        out.push_str(&tokens[i].to_string());
        i += 1;
    }
    if changed {
        out
    } else {
        query.to_string()
    }
}

#[cfg(test)]
mod plannable_tests {
    #[test]
    fn typed_literals_pg_stat_statements_normalised_become_casts() {
        assert_eq!(
            super::plannable("SELECT 1 FROM t WHERE at >= now() - interval $2 AND d = date $3"),
            "SELECT 1 FROM t WHERE at >= now() - $2::interval AND d = $3::date"
        );
        let untouched = "SELECT 'interval $1' FROM t WHERE a = $1";
        assert_eq!(super::plannable(untouched), untouched);
    }
}
