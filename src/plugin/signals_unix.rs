//! How the provider process meets the operating system on Unix: Ctrl-C ignored (Terraform turns it into
//! `StopProvider`), SIGTERM as "wind down and exit", and a watch on Terraform, its parent, being killed.

use std::time::Duration;

use anyhow::Context as _;

use super::wind_down::WindDown;

/// How often the process checks that Terraform, its parent, is still alive.
const PARENT_CHECK: Duration = Duration::from_millis(250);

/// go-plugin providers ignore SIGINT: a terminal Ctrl-C reaches the whole process group, and Terraform turns
/// it into `StopProvider` so the running apply can end cleanly instead of dying mid-rollout.
pub(super) fn ignore_interrupts() {
    // SAFETY: setting a signal disposition to SIG_IGN before any threads exist has no preconditions.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
}

/// Terraform killed outright (SIGKILL, an OOM kill, a crashed CI runner) cannot tell us to stop, and its
/// connection closing only cancels the calls in flight. When the parent process changes (we were reparented)
/// treat it as SIGTERM: interrupt what runs, honouring `on_interrupt`, then exit instead of lingering.
pub(super) fn watch_parent(wind_down: WindDown) -> tokio::task::JoinHandle<()> {
    // SAFETY: getppid(2) has no preconditions and cannot fail.
    let parent = unsafe { libc::getppid() };
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(PARENT_CHECK).await;
            // SAFETY: as above.
            if unsafe { libc::getppid() } != parent {
                tracing::warn!(
                    "Terraform (pid {parent}) is gone: interrupting in-flight operations and exiting"
                );
                wind_down.interrupt_then_exit().await;
                return;
            }
        }
    })
}

/// SIGTERM means "stop what you are doing, then exit": cancel in-flight operations (they return truthful
/// state), then shut down. In debug mode Ctrl-C ends the server too.
pub(super) fn watch_signals(
    wind_down: WindDown,
    debug: bool,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate()).context("watching SIGTERM")?;
    let mut interrupt = if debug {
        Some(signal(SignalKind::interrupt()).context("watching SIGINT")?)
    } else {
        None
    };
    Ok(tokio::spawn(async move {
        let interrupted = async {
            match interrupt.as_mut() {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = terminate.recv() => tracing::info!("SIGTERM: stopping in-flight operations and shutting down"),
            _ = interrupted => tracing::info!("Ctrl-C in debug mode: shutting down"),
        }
        wind_down.interrupt_then_exit().await;
    }))
}
