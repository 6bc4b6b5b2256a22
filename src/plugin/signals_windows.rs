//! How the provider process meets the operating system on Windows, mirroring the Unix module: Ctrl-C ignored
//! (Terraform turns it into `StopProvider`), the console closing or the machine shutting down as "wind down
//! and exit" (Windows has no SIGTERM; go-plugin's client ends a plugin with TerminateProcess after the
//! `Shutdown` call), and a watch on Terraform, the parent process, exiting.

use std::os::windows::io::{FromRawHandle as _, OwnedHandle};

use anyhow::Context as _;
use windows_sys::Win32::Foundation::INVALID_HANDLE_VALUE;
use windows_sys::Win32::System::Diagnostics::ToolHelp::{
    CreateToolhelp32Snapshot, Process32FirstW, Process32NextW, PROCESSENTRY32W, TH32CS_SNAPPROCESS,
};
use windows_sys::Win32::System::Threading::{
    OpenProcess, WaitForSingleObject, INFINITE, PROCESS_SYNCHRONIZE,
};

use super::wind_down::WindDown;

/// go-plugin providers ignore Ctrl-C: it reaches every process on the console, and Terraform turns it into
/// `StopProvider` so the running apply can end cleanly instead of dying mid-rollout.
pub(super) fn ignore_interrupts() {
    // SAFETY: the C runtime's signal() with SIG_IGN has no preconditions; it only records the disposition
    // its console handler consults, and (unlike SetConsoleCtrlHandler(NULL, TRUE)) is not inherited by the
    // gate's commands.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
}

/// When Terraform, the parent, exits (killed outright, or a crashed CI runner), interrupt what runs,
/// honouring `on_interrupt`, then exit instead of lingering. A thread blocks on the parent's handle; when the
/// parent cannot be found or opened the watch is skipped with a warning.
pub(super) fn watch_parent(wind_down: WindDown) -> tokio::task::JoinHandle<()> {
    let (gone_tx, gone_rx) = tokio::sync::oneshot::channel::<u32>();
    match parent_handle() {
        Ok((parent, handle)) => {
            let spawned = std::thread::Builder::new()
                .name("terraform-watch".into())
                .spawn(move || {
                    // SAFETY: the handle is open with SYNCHRONIZE and owned by this thread until it returns.
                    unsafe { WaitForSingleObject(raw(&handle), INFINITE) };
                    let _ = gone_tx.send(parent);
                });
            if let Err(err) = spawned {
                tracing::warn!(error = %err, "cannot watch Terraform's process: no thread for it");
            }
        }
        Err(err) => tracing::warn!(
            error = format!("{err:#}"),
            "cannot watch Terraform's process; if it is killed, this provider outlives it"
        ),
    }
    tokio::spawn(async move {
        // A sender dropped without sending (no watch) leaves this task waiting until it is aborted.
        if let Ok(parent) = gone_rx.await {
            tracing::warn!(
                "Terraform (pid {parent}) is gone: interrupting in-flight operations and exiting"
            );
            wind_down.interrupt_then_exit().await;
        }
    })
}

/// The console closing or the system shutting down means "stop what you are doing, then exit" (Windows
/// gives a few seconds). In debug mode Ctrl-C ends the server too.
pub(super) fn watch_signals(
    wind_down: WindDown,
    debug: bool,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    use tokio::signal::windows::{ctrl_c, ctrl_close, ctrl_shutdown};
    let mut close = ctrl_close().context("watching for the console closing")?;
    let mut shutdown = ctrl_shutdown().context("watching for system shutdown")?;
    let mut interrupt = if debug {
        Some(ctrl_c().context("watching Ctrl-C")?)
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
            _ = close.recv() => tracing::info!("console closing: stopping in-flight operations and shutting down"),
            _ = shutdown.recv() => tracing::info!("system shutdown: stopping in-flight operations and shutting down"),
            _ = interrupted => tracing::info!("Ctrl-C in debug mode: shutting down"),
        }
        wind_down.interrupt_then_exit().await;
    }))
}

fn raw(handle: &OwnedHandle) -> windows_sys::Win32::Foundation::HANDLE {
    use std::os::windows::io::AsRawHandle as _;
    handle.as_raw_handle() as _
}

/// The parent's process id (from a process snapshot) and a handle to wait on it.
fn parent_handle() -> anyhow::Result<(u32, OwnedHandle)> {
    let me = std::process::id();
    // SAFETY: a process snapshot has no preconditions; the handle is checked and then owned.
    let snapshot = unsafe { CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0) };
    if snapshot == INVALID_HANDLE_VALUE || snapshot.is_null() {
        return Err(std::io::Error::last_os_error()).context("taking a process snapshot");
    }
    // SAFETY: a valid handle we own from here on; OwnedHandle closes it.
    let snapshot = unsafe { OwnedHandle::from_raw_handle(snapshot as _) };
    let mut entry = PROCESSENTRY32W {
        dwSize: std::mem::size_of::<PROCESSENTRY32W>() as u32,
        ..Default::default()
    };
    let mut parent = None;
    // SAFETY: entry is a PROCESSENTRY32W with dwSize set, as both calls require.
    let mut more = unsafe { Process32FirstW(raw(&snapshot), &mut entry) } != 0;
    while more {
        if entry.th32ProcessID == me {
            parent = Some(entry.th32ParentProcessID);
            break;
        }
        // SAFETY: as above.
        more = unsafe { Process32NextW(raw(&snapshot), &mut entry) } != 0;
    }
    let parent = parent.context("this process is not in the process snapshot")?;
    // SAFETY: OpenProcess has no memory preconditions; a null result is an error.
    let handle = unsafe { OpenProcess(PROCESS_SYNCHRONIZE, 0, parent) };
    if handle.is_null() {
        return Err(std::io::Error::last_os_error())
            .with_context(|| format!("opening Terraform's process (pid {parent})"));
    }
    // SAFETY: a valid process handle we own from here on.
    Ok((parent, unsafe { OwnedHandle::from_raw_handle(handle as _) }))
}
