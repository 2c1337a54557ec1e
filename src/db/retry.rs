//! The one way pgtune waits out another session's lock. Every mutating statement runs under
//! lock_timeout; a lock timeout is retried after a pause that doubles from 400 ms to 12.8 s, with
//! jitter so that workers retrying together do not move in lockstep, up to a number of retries,
//! and an interrupt ends a pause at once. The job runner, schema plan and schema apply retry
//! through it.

use std::future::Future;
use std::time::Duration;

use super::cancel::Interrupt;
use super::QueryError;

/// The pause after the `retry`-th lock timeout (1-based): doubling from 400ms, at most 12.8s,
/// plus up to 99 ms of jitter.
pub fn backoff(retry: u32) -> Duration {
    Duration::from_millis(200 * 2u64.pow(retry.clamp(1, 6)) + jitter())
}

fn jitter() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos() % 100))
        .unwrap_or(0)
}

/// Why a retried operation stopped without succeeding.
#[derive(Debug)]
pub enum Stopped {
    /// Its last error: not a lock timeout, or a lock timeout with no retries left.
    Failed(QueryError),
    /// An interrupt (Ctrl-C, SIGTERM) came before a try or during a pause.
    Interrupted,
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stopped::Failed(e) => e.fmt(f),
            Stopped::Interrupted => f.write_str("interrupted (Ctrl-C or SIGTERM)"),
        }
    }
}

impl std::error::Error for Stopped {}

impl Stopped {
    /// The error, an interrupt worded as one: for a runner that cannot be interrupted (no
    /// `interrupt`), or a caller that reports both alike.
    pub fn into_error(self, db: &super::Db, what: &'static str) -> QueryError {
        match self {
            Stopped::Failed(e) => e,
            Stopped::Interrupted => QueryError::verdict(db, what, self.message()),
        }
    }

    /// The server's message, or that the run was interrupted.
    pub fn message(&self) -> String {
        match self {
            Stopped::Failed(e) => e.message.clone(),
            Stopped::Interrupted => "interrupted (Ctrl-C or SIGTERM)".into(),
        }
    }
}

/// How many times to retry a lock timeout, and what ends a pause early.
pub struct LockRetry<'a> {
    pub retries: u32,
    /// Once raised, no try starts and a pause ends at once.
    pub interrupt: Option<&'a Interrupt>,
}

impl LockRetry<'_> {
    /// Runs `op` until it succeeds, fails otherwise than by a lock timeout, or has had `retries`
    /// retries; `attempts` counts every try (it may carry the count of earlier statements).
    pub async fn run<T, Fut>(
        &self,
        attempts: &mut u32,
        mut op: impl FnMut() -> Fut,
    ) -> Result<T, Stopped>
    where
        Fut: Future<Output = Result<T, QueryError>>,
    {
        let mut retried = 0;
        loop {
            if self.interrupt.is_some_and(Interrupt::raised) {
                return Err(Stopped::Interrupted);
            }
            *attempts += 1;
            match op().await {
                Ok(v) => return Ok(v),
                Err(e) if e.is_lock_timeout() && retried < self.retries => {
                    retried += 1;
                    let pause = backoff(retried);
                    tracing::info!(
                        "lock not available (attempt {attempts}); retrying in {pause:?}: {}",
                        e.message
                    );
                    match self.interrupt {
                        Some(interrupt) => tokio::select! {
                            _ = tokio::time::sleep(pause) => {}
                            _ = interrupt.wait() => return Err(Stopped::Interrupted),
                        },
                        None => tokio::time::sleep(pause).await,
                    }
                }
                Err(e) => return Err(Stopped::Failed(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(code: Option<&str>, message: &str) -> QueryError {
        QueryError {
            sql: "test.sql",
            server: String::new(),
            message: message.into(),
            code: code.map(str::to_string),
            worded: false,
        }
    }

    fn lock_timeout() -> QueryError {
        error(Some("55P03"), "canceling statement due to lock timeout")
    }

    fn block_on<F: Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn pauses_double_up_to_a_ceiling_with_jitter() {
        let ms = |r| backoff(r).as_millis();
        assert!((400..500).contains(&ms(1)) && (800..900).contains(&ms(2)));
        assert!((12_800..12_900).contains(&ms(6)) && (12_800..12_900).contains(&ms(20)));
    }

    #[test]
    fn a_lock_timeout_is_retried_as_often_as_asked_and_other_errors_never() {
        block_on(async {
            let retry = LockRetry {
                retries: 1,
                interrupt: None,
            };
            let mut attempts = 0;
            let r: Result<(), Stopped> = retry
                .run(&mut attempts, || async { Err(lock_timeout()) })
                .await;
            assert!(matches!(r, Err(Stopped::Failed(e)) if e.is_lock_timeout()));
            assert_eq!(attempts, 2, "one try and one retry");

            let mut attempts = 0;
            let r: Result<(), Stopped> = retry
                .run(&mut attempts, || async {
                    Err(error(Some("42601"), "syntax error"))
                })
                .await;
            assert!(matches!(r, Err(Stopped::Failed(e)) if !e.is_lock_timeout()));
            assert_eq!(attempts, 1, "never retried");

            let mut attempts = 0;
            let mut tries = 0;
            let r = retry
                .run(&mut attempts, || {
                    tries += 1;
                    let fail = tries == 1;
                    async move {
                        if fail {
                            Err(lock_timeout())
                        } else {
                            Ok(7)
                        }
                    }
                })
                .await;
            assert_eq!((r.ok(), attempts), (Some(7), 2));
        });
    }

    #[test]
    fn an_interrupt_ends_the_pause_and_no_try_starts_after_one() {
        block_on(async {
            let interrupt = Interrupt::default();
            let retry = LockRetry {
                retries: 5,
                interrupt: Some(&interrupt),
            };
            let mut attempts = 0;
            let r: Result<(), Stopped> = retry
                .run(&mut attempts, || async {
                    interrupt.raise();
                    Err(lock_timeout())
                })
                .await;
            assert!(matches!(r, Err(Stopped::Interrupted)));
            assert_eq!(attempts, 1);

            let mut attempts = 0;
            let r: Result<(), Stopped> = retry.run(&mut attempts, || async { Ok(()) }).await;
            assert!(matches!(r, Err(Stopped::Interrupted)));
            assert_eq!(attempts, 0, "raised before the first try");
        });
    }
}
