//! Ctrl-C and SIGTERM stop a run rather than the process: the statements it has running on the
//! server are cancelled from a session of its own, and the caller, which sees its statements fail
//! with "canceling statement due to user request", reports what state it left. The one way pgtune
//! catches them (`Signals`): an `Interrupt` raised by them, which the statement runner
//! (`db::runner`) and lock-timeout retries (`db::retry`) obey and `on_interrupt` turns into
//! cancels of a run's sessions; `maintain` through a watcher of its own that cancels its run's
//! sessions.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::conninfo::Target;
use crate::db::{self, ConnectOptions};

/// Ctrl-C and SIGTERM, listened for from the moment this is made (a signal before is not seen).
/// Needs a tokio runtime; once made, neither signal ends the process any more.
pub struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    pub fn listen() -> std::io::Result<Signals> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// Waits for either.
    pub async fn recv(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}

/// A run's interruption, for code that checks it between statements and wakes on it: raised once
/// either signal arrives (or `raise` is called). Clones share it.
#[derive(Clone, Default)]
pub struct Interrupt {
    raised: Arc<AtomicBool>,
    notify: Arc<tokio::sync::Notify>,
}

impl Interrupt {
    /// Listens from now on (inside a tokio runtime).
    pub fn install() -> anyhow::Result<Interrupt> {
        let interrupt = Interrupt::default();
        let mut signals = Signals::listen()?;
        let raised = interrupt.clone();
        tokio::spawn(async move {
            signals.recv().await;
            tracing::warn!("interrupted: cancelling the running statements");
            raised.raise();
        });
        Ok(interrupt)
    }

    /// Raises it: every waiter wakes, and `raised` says so from now on.
    pub fn raise(&self) {
        self.raised.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    pub fn raised(&self) -> bool {
        self.raised.load(Ordering::SeqCst)
    }

    /// Returns once it is raised (at once if it already is).
    pub async fn wait(&self) {
        let notified = self.notify.notified();
        tokio::pin!(notified);
        // Registered before the check, so a raise between the two is not missed.
        notified.as_mut().enable();
        if self.raised() {
            return;
        }
        notified.await;
    }
}

/// Runs `work` to its end. Once `interrupt` is raised, calls `on_signal` (to wake what waits)
/// and cancels what the backends `pids` are running, again every half second until `work`
/// returns: a cancel that reaches the server before the statement does would be lost.
pub async fn on_interrupt<F: Future>(
    target: &Target,
    connect: &ConnectOptions,
    pids: &[i32],
    interrupt: &Interrupt,
    on_signal: impl FnOnce(),
    work: F,
) -> F::Output {
    tokio::pin!(work);
    tokio::select! {
        out = &mut work => return out,
        _ = interrupt.wait() => {}
    }
    on_signal();
    let monitor = db::connect(target, connect).await.ok();
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            out = &mut work => return out,
            _ = tick.tick() => {
                if let Some(m) = &monitor {
                    for pid in pids {
                        let _ = db::schema::cancel(m, *pid).await;
                    }
                }
            }
        }
    }
}
