//! Ctrl-C and SIGTERM stop a run rather than the process: the statements it has running on the
//! server are cancelled from a session of its own, and the caller, which sees its statements fail
//! with "canceling statement due to user request", reports what state it left. The one way pgtune
//! catches them (`Signals`): the job runner and purge through `on_interrupt`, `schema apply`
//! through `Interrupt`, `maintain` through a watcher of its own that cancels its run's sessions.

use std::cell::Cell;
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
/// either signal arrives.
pub struct Interrupt {
    raised: Arc<AtomicBool>,
    pub notify: Arc<tokio::sync::Notify>,
}

impl Interrupt {
    /// Listens from now on (inside a tokio runtime).
    pub fn install() -> anyhow::Result<Interrupt> {
        let raised = Arc::new(AtomicBool::new(false));
        let notify = Arc::new(tokio::sync::Notify::new());
        let mut signals = Signals::listen()?;
        let (r, n) = (raised.clone(), notify.clone());
        tokio::spawn(async move {
            signals.recv().await;
            tracing::warn!("interrupted: cancelling the running statement");
            r.store(true, Ordering::SeqCst);
            // notify_one keeps a permit when nobody waits yet.
            n.notify_one();
        });
        Ok(Interrupt { raised, notify })
    }

    pub fn raised(&self) -> bool {
        self.raised.load(Ordering::SeqCst)
    }
}

/// Runs `work` to its end. On the first Ctrl-C or SIGTERM, sets `interrupted`, calls `on_signal`
/// (to wake what waits), and cancels what the backends `pids` are running, again every half second until `work` returns: a cancel that reaches
/// the server before the statement does would be lost.
pub async fn on_interrupt<F: Future>(
    target: &Target,
    connect: &ConnectOptions,
    pids: &[i32],
    interrupted: &Cell<bool>,
    on_signal: impl FnOnce(),
    work: F,
) -> anyhow::Result<F::Output> {
    let mut signals = Signals::listen()?;
    tokio::pin!(work);
    tokio::select! {
        out = &mut work => return Ok(out),
        _ = signals.recv() => {}
    }
    interrupted.set(true);
    on_signal();
    tracing::warn!("interrupted: cancelling the running statements");
    let monitor = db::connect(target, connect).await.ok();
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tokio::select! {
            out = &mut work => return Ok(out),
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
