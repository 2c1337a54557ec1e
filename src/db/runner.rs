//! Runs a list of statements exactly as a dry run lists them: in order, each its own
//! extended-protocol message (so no text ever carries a second statement), a `BEGIN` … `COMMIT`
//! run of them as one unit that is rolled back when one of its statements fails, and a lock
//! timeout retried (the unit whole) through `db::retry`. `check --apply` and a playbook's SQL step
//! run their statements through it; the job runner and `schema apply` drive theirs themselves
//! (through the same `db::retry` and `db::cancel`), for now.

use std::time::Instant;

use super::retry::{LockRetry, Stopped};
use super::Db;
use crate::sql::statement::{BEGIN, COMMIT, ROLLBACK};

pub struct Runner<'a> {
    pub db: &'a Db,
    /// Names the statements in errors and logs.
    pub label: &'static str,
    pub retry: LockRetry<'a>,
}

impl Runner<'_> {
    /// Runs `statements`, every one, in order (each logged with its time at -v). Stops at the
    /// first failure (a transaction it was in rolled back); else the attempts made.
    pub async fn run(&self, statements: &[String]) -> Result<u32, Stopped> {
        let mut attempts = 0;
        for unit in units(statements) {
            let in_transaction = unit.first().is_some_and(|s| is(s, BEGIN));
            self.retry
                .run(&mut attempts, || async {
                    let result = async {
                        for s in unit {
                            let started = Instant::now();
                            self.db.execute_statement(self.label, s).await?;
                            tracing::info!("{}: {s} ({:.1?})", self.label, started.elapsed());
                        }
                        Ok(())
                    }
                    .await;
                    if result.is_err() && in_transaction && !self.db.is_closed() {
                        let _ = self.db.execute_statement(self.label, ROLLBACK).await;
                    }
                    result
                })
                .await?;
        }
        Ok(attempts)
    }
}

/// A statement is the keyword, with or without its semicolon.
fn is(statement: &str, keyword: &str) -> bool {
    statement
        .trim()
        .trim_end_matches(';')
        .eq_ignore_ascii_case(keyword)
}

/// The statements as units: each on its own, but a `BEGIN` … `COMMIT` run together.
fn units(statements: &[String]) -> Vec<&[String]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut open = false;
    for (i, s) in statements.iter().enumerate() {
        if open {
            if is(s, COMMIT) {
                out.push(&statements[start..=i]);
                start = i + 1;
                open = false;
            }
        } else if is(s, BEGIN) {
            open = true;
            start = i;
        } else {
            out.push(&statements[i..=i]);
            start = i + 1;
        }
    }
    if open {
        out.push(&statements[start..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transaction_is_one_unit_and_everything_else_its_own() {
        let list: Vec<String> = [
            "ALTER SYSTEM SET a = '1';",
            "BEGIN",
            "x",
            "y",
            "COMMIT",
            "SELECT pg_reload_conf();",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let grouped: Vec<Vec<&str>> = units(&list)
            .into_iter()
            .map(|u| u.iter().map(String::as_str).collect())
            .collect();
        assert_eq!(
            grouped,
            vec![
                vec!["ALTER SYSTEM SET a = '1';"],
                vec!["BEGIN", "x", "y", "COMMIT"],
                vec!["SELECT pg_reload_conf();"],
            ]
        );
        // An unterminated transaction is still one unit (the server refuses what follows).
        let open: Vec<String> = ["BEGIN", "x"].iter().map(|s| s.to_string()).collect();
        assert_eq!(units(&open).len(), 1);
    }
}
