//! Runs a schedule of jobs over N connections: each worker takes the next ready job, runs its statement
//! under lock_timeout, retries lock timeouts with backoff when asked to, and records the outcome. A
//! failure (even a lost connection) ends that job only; its dependents are skipped, the rest go on.

use std::cell::RefCell;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use super::{JobStatus, Outcome, Scheduler};
use crate::conninfo::Target;
use crate::db::{self, ConnectOptions};

pub struct RunOptions {
    /// Parallel connections.
    pub jobs: usize,
    /// Further attempts after a lock timeout (0: a locked relation is skipped at once).
    pub lock_retries: u32,
    /// No job starts after this instant; the running ones are bounded by statement_timeout.
    pub deadline: Option<Instant>,
    /// Show a progress bar (on a terminal only).
    pub progress: bool,
}

/// Runs every job; outcomes come back in job order.
pub async fn run(
    target: &Target,
    connect: &ConnectOptions,
    scheduler: Scheduler,
    opts: &RunOptions,
) -> anyhow::Result<Vec<Outcome>> {
    let total = scheduler.len();
    let workers = opts.jobs.clamp(1, total.max(1));
    // Connect them all first, as vacuumdb does: a bad password fails before any work starts.
    let mut sessions = Vec::with_capacity(workers);
    let mut pids = Vec::with_capacity(workers);
    for _ in 0..workers {
        let session = db::connect(target, connect).await?;
        pids.push(db::schema::backend_pid(&session).await?);
        sessions.push(session);
    }
    let interrupt = db::cancel::Interrupt::install()?;
    let bar = (opts.progress && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(total as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        // The elapsed time moves through a long statement too.
        bar.enable_steady_tick(Duration::from_millis(250));
        bar
    });
    let state = RefCell::new(State {
        scheduler,
        outcomes: vec![None; total],
        began: Instant::now(),
    });
    let wake = tokio::sync::Notify::new();
    // What each session is running, by pid, for the progress line.
    let running: RefCell<std::collections::HashMap<i32, String>> = RefCell::default();
    let worker = |(db, pid): (db::Db, i32)| {
        let (state, wake, bar, interrupt, running) = (&state, &wake, &bar, &interrupt, &running);
        async move {
            loop {
                let next = {
                    let mut s = state.borrow_mut();
                    if interrupt.raised() {
                        for i in s.scheduler.drain_pending() {
                            s.record(
                                i,
                                JobStatus::Cancelled,
                                0.0,
                                0,
                                Some("not started: the run was interrupted".into()),
                            );
                        }
                    }
                    // No job starts in the last moments of a budget: the one stopped at its end may
                    // return a hair before it.
                    if opts
                        .deadline
                        .is_some_and(|d| budget_spent(d, Instant::now()))
                    {
                        for i in s.scheduler.drain_pending() {
                            s.record(
                                i,
                                JobStatus::SkippedBudget,
                                0.0,
                                0,
                                Some("the time budget was spent before it started".into()),
                            );
                        }
                    }
                    if s.scheduler.is_finished() {
                        break;
                    }
                    s.scheduler.next()
                };
                let Some(i) = next else {
                    if state.borrow().scheduler.waiting() {
                        wake.notified().await;
                        continue;
                    }
                    break;
                };
                let job = state.borrow().scheduler.job(i).clone();
                if let Some(bar) = bar {
                    bar.set_message(job.relation.clone());
                }
                running.borrow_mut().insert(pid, job.relation.clone());
                let started = Instant::now();
                let (status, attempts, detail) =
                    match execute(&db, &job.statement, opts, interrupt).await {
                        (JobStatus::Done, a, d) => (JobStatus::Done, a, d),
                        _ if interrupt.raised() => (
                            JobStatus::Cancelled,
                            0,
                            Some("cancelled: the run was interrupted".into()),
                        ),
                        other => other,
                    };
                let seconds = started.elapsed().as_secs_f64();
                running.borrow_mut().remove(&pid);
                tracing::info!("{}: {} in {seconds:.2}s", job.relation, status.words());
                {
                    let mut s = state.borrow_mut();
                    s.record(i, status, seconds, attempts, detail);
                    let doomed = s.scheduler.finish(i, status == JobStatus::Done);
                    for d in doomed {
                        let needs = s.scheduler.job(i).relation.clone();
                        s.record(
                            d,
                            JobStatus::SkippedDependency,
                            0.0,
                            0,
                            Some(format!("it depends on {needs}, which did not succeed")),
                        );
                    }
                }
                if let Some(bar) = bar {
                    bar.inc(1);
                }
                wake.notify_waiters();
                // A lost connection fails its job; the worker retires and leaves the rest to the
                // others (what nobody runs is reported as not run).
                if db.is_closed() {
                    tracing::warn!("lost the connection to {}: one worker fewer", db.server);
                    break;
                }
            }
            wake.notify_waiters();
        }
    };
    // Ctrl-C and SIGTERM stop the run rather than the process: the statements still running on the
    // server are cancelled, nothing new starts, and the caller reports what state it left.
    let work =
        futures_util::future::join_all(sessions.into_iter().zip(pids.iter().copied()).map(worker));
    // On a terminal, the phase of each running statement (pg_stat_progress_*), from a session of
    // its own, once a second, until the work is done.
    let watch = async {
        let Some(bar) = &bar else {
            return std::future::pending::<()>().await;
        };
        let Ok(monitor) = db::connect(target, connect).await else {
            return std::future::pending::<()>().await;
        };
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            let Ok(phases) = db::maintain::progress(&monitor, &pids).await else {
                continue;
            };
            let shown: Vec<String> = phases
                .iter()
                .filter_map(|(pid, phase)| Some(format!("{}: {phase}", running.borrow().get(pid)?)))
                .collect();
            if !shown.is_empty() {
                bar.set_message(shown.join("; "));
            }
        }
    };
    let work = async {
        tokio::select! {
            _ = work => {}
            _ = watch => {}
        }
    };
    // Workers waiting for a dependency wake up to find that nothing new starts.
    db::cancel::on_interrupt(
        target,
        connect,
        &pids,
        &interrupt,
        || wake.notify_waiters(),
        work,
    )
    .await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let state = state.into_inner();
    Ok(state
        .outcomes
        .into_iter()
        .enumerate()
        .map(|(i, o)| {
            o.unwrap_or_else(|| {
                let job = state.scheduler.job(i);
                Outcome {
                    detail: Some("not run: every connection failed".into()),
                    ..Outcome::of(job, JobStatus::Failed)
                }
            })
        })
        .collect())
}

/// No job starts in the last moments of a budget: the one stopped at its end may return a hair
/// before it.
fn budget_spent(deadline: Instant, now: Instant) -> bool {
    now + Duration::from_millis(50) >= deadline
}

/// What is left of the budget for the running statement, whole milliseconds rounded up, never 0
/// (a statement_timeout of 0 is no limit at all).
fn budget_left(deadline: Instant, now: Instant) -> Duration {
    let ms = deadline
        .saturating_duration_since(now)
        .as_micros()
        .div_ceil(1000)
        .max(1);
    Duration::from_millis(ms as u64)
}

/// A statement that ran: done, unless the server said it skipped the relation, for a lock
/// (SKIP_LOCKED: "skipping analyze of ... --- lock not available") or because this role may not
/// maintain it ("skipping "t" --- only table or database owner can ...", from PostgreSQL 17
/// "permission denied to analyze "t", skipping it").
fn outcome_of_notices(notices: Vec<String>) -> (JobStatus, Option<String>) {
    match notices.into_iter().find(|n| n.contains("skipping")) {
        Some(n) if n.contains("lock not available") => (JobStatus::SkippedLocked, Some(n)),
        Some(n) => (JobStatus::SkippedPrivilege, Some(n)),
        None => (JobStatus::Done, None),
    }
}

struct State {
    scheduler: Scheduler,
    outcomes: Vec<Option<Outcome>>,
    began: Instant,
}

impl State {
    fn record(
        &mut self,
        i: usize,
        status: JobStatus,
        seconds: f64,
        attempts: u32,
        detail: Option<String>,
    ) {
        let job = self.scheduler.job(i);
        self.outcomes[i] = Some(Outcome {
            // Jobs are recorded when they end: the start is the end less the duration.
            started: (self.began.elapsed().as_secs_f64() - seconds).max(0.0),
            seconds,
            attempts,
            detail,
            ..Outcome::of(job, status)
        });
    }
}

/// Runs one statement through the runner: lock timeouts retried, a skip reported in a NOTICE
/// (SKIP_LOCKED) counted as locked, anything else a failure with the server's message.
async fn execute(
    db: &db::Db,
    statement: &str,
    opts: &RunOptions,
    interrupt: &db::cancel::Interrupt,
) -> (JobStatus, u32, Option<String>) {
    let runner = db::runner::Runner {
        db,
        label: "maintenance",
        retry: db::retry::LockRetry {
            retries: opts.lock_retries,
            interrupt: Some(interrupt),
        },
        // Cancelled with the run's other sessions (db::cancel::on_interrupt).
        cancel: None,
    };
    let events = JobEvents {
        db,
        deadline: opts.deadline,
        outcome: RefCell::new((JobStatus::Done, None)),
    };
    let mut attempts = 0;
    let result = runner
        .run_heard(&[statement.to_string()], &mut attempts, &events)
        .await;
    let (status, detail) = match result {
        Ok(()) => events.outcome.into_inner(),
        Err(db::retry::Stopped::Failed(e)) if e.is_lock_timeout() => (
            JobStatus::SkippedLocked,
            Some(locked(statement, &e.message)),
        ),
        Err(db::retry::Stopped::Failed(e)) if e.is_timeout() && opts.deadline.is_some() => (
            JobStatus::Failed,
            Some("stopped at the end of the time budget".into()),
        ),
        Err(db::retry::Stopped::Failed(e)) => (JobStatus::Failed, Some(e.message)),
        Err(db::retry::Stopped::Interrupted) => (JobStatus::Cancelled, None),
    };
    (status, attempts, detail)
}

/// Why a job gave up on a lock. A concurrent statement also waits out every transaction older than
/// it, anywhere in the database: the session in the way need not touch the relation at all.
fn locked(statement: &str, message: &str) -> String {
    if statement.to_ascii_uppercase().contains(" CONCURRENTLY ") {
        format!("gave up waiting for a lock: another session holds the relation, or a transaction older than this concurrent statement is still open (it waits out every one): {message}")
    } else {
        format!("locked by another session: {message}")
    }
}

/// A job's try: bounded by what is left of the budget, and done unless the server's notices say it
/// skipped the relation.
struct JobEvents<'a> {
    db: &'a db::Db,
    deadline: Option<Instant>,
    outcome: RefCell<(JobStatus, Option<String>)>,
}

impl db::runner::Events for JobEvents<'_> {
    async fn starting(&self, _statement: &str) -> Result<(), db::QueryError> {
        if let Some(deadline) = self.deadline {
            self.db
                .set_statement_timeout(budget_left(deadline, Instant::now()))
                .await?;
        }
        self.db.take_notices();
        Ok(())
    }

    async fn finished(&self, _statement: &str, result: &mut Result<(), db::QueryError>) {
        if result.is_ok() {
            self.outcome
                .replace(outcome_of_notices(self.db.take_notices()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_bounds_the_running_statement_and_stops_new_ones() {
        let now = Instant::now();
        let deadline = now + Duration::from_millis(1500);
        assert_eq!(budget_left(deadline, now), Duration::from_millis(1500));
        // Rounded up to whole milliseconds, and never 0, which would be no limit.
        assert_eq!(
            budget_left(deadline, now + Duration::from_micros(1_499_001)),
            Duration::from_millis(1)
        );
        assert_eq!(
            budget_left(deadline, now + Duration::from_secs(5)),
            Duration::from_millis(1)
        );
        assert!(!budget_spent(deadline, now));
        assert!(budget_spent(deadline, now + Duration::from_millis(1460)));
        assert!(budget_spent(deadline, now + Duration::from_secs(2)));
    }

    #[test]
    fn a_concurrent_statement_does_not_blame_the_relation_alone() {
        assert_eq!(
            locked("ANALYZE public.t", "timeout"),
            "locked by another session: timeout"
        );
        assert!(locked("REINDEX INDEX CONCURRENTLY public.i", "timeout")
            .contains("a transaction older than this concurrent statement"));
    }

    #[test]
    fn a_skip_the_server_reports_is_told_from_a_done_job() {
        assert_eq!(outcome_of_notices(vec![]), (JobStatus::Done, None));
        let locked = "skipping analyze of \"t\" --- lock not available".to_string();
        assert_eq!(
            outcome_of_notices(vec!["other".into(), locked.clone()]),
            (JobStatus::SkippedLocked, Some(locked))
        );
        let owner = "permission denied to analyze \"t\", skipping it".to_string();
        assert_eq!(
            outcome_of_notices(vec![owner.clone()]),
            (JobStatus::SkippedPrivilege, Some(owner))
        );
    }
}
