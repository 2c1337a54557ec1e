//! The one statement runner: every statement pgtune runs to change something goes through it.
//! It runs a list exactly as a dry run lists it: in order, each its own extended-protocol message
//! (so no text ever carries a second statement), a `BEGIN` … `COMMIT` run of them as one unit that
//! is rolled back when one of its statements fails, a lock timeout retried (the unit whole) through
//! `db::retry`, no try started once the run is interrupted, and the running statement cancelled
//! from a session of its own when it is. What a caller adds (progress, cleanup after a failed try,
//! the journal row that commits with the change) it adds through `Events`.

use std::time::Duration;

use super::cancel::Interrupt;
use super::retry::{LockRetry, Stopped};
use super::{Db, QueryError};
use crate::sql::statement::{BEGIN, COMMIT, ROLLBACK};
use crate::sql::Sql;

pub struct Runner<'a> {
    pub db: &'a Db,
    /// Names the statements in errors and logs.
    pub label: &'static str,
    pub retry: LockRetry<'a>,
    /// Where an interrupt cancels the running statement from (None: the caller cancels, as
    /// `db::cancel::on_interrupt` does for many sessions at once).
    pub cancel: Option<Cancel<'a>>,
}

/// A session of the run's own, to cancel the runner's backend `pid` from when `interrupt` is raised.
pub struct Cancel<'a> {
    pub monitor: &'a Db,
    pub pid: i32,
    pub interrupt: &'a Interrupt,
}

/// What a caller hears of a run, and may add to it. The statements it hears of are the work (never
/// `BEGIN`, `COMMIT`); every method has a default that does nothing.
#[allow(async_fn_in_trait)]
pub trait Events {
    /// Before each try of `statement`; an error fails the try without running it.
    async fn starting(&self, _statement: &str) -> Result<(), QueryError> {
        Ok(())
    }
    /// Every half second while `statement` runs.
    async fn running(&self, _statement: &str) {}
    /// After each try, its result, which this may change: a check that fails a statement the server
    /// took, or a cleanup after a failure that adds what it did to the message. A failed try in a
    /// transaction is heard of once the transaction is rolled back.
    async fn finished(&self, _statement: &str, _result: &mut Result<(), QueryError>) {}
    /// Inside a transaction, right before its `COMMIT`: what must commit with the change (a journal
    /// row); an error rolls the transaction back.
    async fn committing(&self) -> Result<(), QueryError> {
        Ok(())
    }
    /// Every statement sent, `BEGIN`, `COMMIT` and `ROLLBACK` too, once per try, as it ends: what
    /// ran, for a journal.
    fn executed(&self, _statement: &str) {}
    /// The run stopped at `unit`, the statements from index `at` of the list (its last try
    /// failed, or an interrupt came).
    async fn gave_up(&self, _at: usize, _unit: &[String]) {}
}

/// Events nobody listens to.
pub struct Unheard;
impl Events for Unheard {}

impl<'a> Runner<'a> {
    /// A runner that tries each statement once, whatever the interrupt: a cleanup that must finish,
    /// an `ALTER SYSTEM` the user asked for.
    pub fn once(db: &'a Db, label: &'static str) -> Runner<'a> {
        Runner {
            db,
            label,
            retry: LockRetry {
                retries: 0,
                interrupt: None,
            },
            cancel: None,
        }
    }

    /// Runs `statements`, every one, in order (each logged as it starts at -v, with its time at -vv). Stops at the
    /// first failure (a transaction it was in rolled back); else the attempts made.
    pub async fn run(&self, statements: &[String]) -> Result<u32, Stopped> {
        let mut attempts = 0;
        self.run_heard(statements, &mut attempts, &Unheard)
            .await
            .map(|()| attempts)
    }

    /// `run`, telling `events`; `attempts` counts every try (it may carry earlier counts).
    pub async fn run_heard(
        &self,
        statements: &[String],
        attempts: &mut u32,
        events: &impl Events,
    ) -> Result<(), Stopped> {
        let mut at = 0;
        for unit in units(statements) {
            let in_transaction = unit.first().is_some_and(|s| is(s, BEGIN));
            let result = self
                .retry
                .run(attempts, || async {
                    let mut failed = None;
                    let mut result = async {
                        for s in unit {
                            if in_transaction && is(s, COMMIT) {
                                events.committing().await?;
                            }
                            if is(s, BEGIN) || is(s, COMMIT) {
                                self.execute(s, events).await?;
                                continue;
                            }
                            events.starting(s).await?;
                            let r = self.execute_heard(s, events).await;
                            if r.is_err() {
                                failed = Some(s);
                                // Heard of after the rollback, so a cleanup does not run in an
                                // aborted transaction.
                                if in_transaction {
                                    return r;
                                }
                            }
                            let mut r = r;
                            events.finished(s, &mut r).await;
                            r?;
                        }
                        Ok(())
                    }
                    .await;
                    if result.is_err() && in_transaction {
                        if !self.db.is_closed() {
                            let _ = self.execute(ROLLBACK, events).await;
                        }
                        if let Some(s) = failed {
                            events.finished(s, &mut result).await;
                        }
                    }
                    result
                })
                .await;
            if let Err(stopped) = result {
                events.gave_up(at, unit).await;
                return Err(stopped);
            }
            at += unit.len();
        }
        Ok(())
    }

    /// One statement of pgtune's own from `sql/` with its values bound (a purge batch), under the
    /// same retry and interrupt: the rows it changed.
    pub async fn run_bound(
        &self,
        sql: &Sql,
        text: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<u64, Stopped> {
        let mut attempts = 0;
        self.retry
            .run(&mut attempts, || self.db.execute(sql, text, params))
            .await
    }

    /// One statement (`Db::execute_statement` logs it as it starts at -v, with its time at -vv).
    async fn execute(&self, statement: &str, events: &impl Events) -> Result<(), QueryError> {
        let result = self.db.execute_statement(self.label, statement).await;
        events.executed(statement);
        result
    }

    /// Runs `statement`, telling `events` every half second, and cancelling it server-side once the
    /// run is interrupted (again every half second: a cancel that arrives before the statement does
    /// is lost).
    async fn execute_heard(&self, statement: &str, events: &impl Events) -> Result<(), QueryError> {
        let exec = self.execute(statement, events);
        tokio::pin!(exec);
        let mut tick = tokio::time::interval(Duration::from_millis(500));
        tick.tick().await;
        let interrupted = async {
            match &self.cancel {
                Some(c) => c.interrupt.wait().await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(interrupted);
        let mut cancelled = false;
        loop {
            tokio::select! {
                r = &mut exec => return r,
                _ = &mut interrupted, if !cancelled => {
                    cancelled = true;
                    self.cancel_running().await;
                }
                _ = tick.tick() => {
                    if cancelled {
                        let _ = self.cancel_running_quietly().await;
                    } else {
                        events.running(statement).await;
                    }
                }
            }
        }
    }

    async fn cancel_running(&self) {
        if let Err(e) = self.cancel_running_quietly().await {
            tracing::warn!("could not cancel the running statement: {}", e.message);
        }
    }

    async fn cancel_running_quietly(&self) -> Result<(), QueryError> {
        match &self.cancel {
            Some(c) => super::schema::cancel(c.monitor, c.pid).await,
            None => Ok(()),
        }
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
