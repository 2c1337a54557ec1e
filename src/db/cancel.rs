//! Ctrl-C and SIGTERM stop a run rather than the process: the statements it has running on the
//! server are cancelled from a session of its own, and the caller, which sees its statements fail
//! with "canceling statement due to user request", reports what state it left. Used by every
//! command that changes something and runs its statements on sessions it holds (the maintenance
//! job runner, purge); `schema apply` and `maintain` have their own monitor sessions.

use std::cell::Cell;
use std::future::Future;
use std::time::Duration;

use crate::conninfo::Target;
use crate::db::{self, ConnectOptions};

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
    use tokio::signal::unix::{signal, SignalKind};
    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    tokio::pin!(work);
    tokio::select! {
        out = &mut work => return Ok(out),
        _ = async { tokio::select! { _ = sigint.recv() => {}, _ = sigterm.recv() => {} } } => {}
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
