//! A gate command and everything it starts, as one process group that can be ended together.
//!
//! A test script runs `curl`, `sleep` and friends; killing only the script left those behind after a timeout,
//! a Ctrl-C or a killed Terraform. So each command starts a session of its own (`setsid`, which also makes it
//! a process group whose id is the command's pid), and ending it signals the whole group: SIGTERM first, so
//! scripts can clean up, then SIGKILL after [`TERM_GRACE`] (2 s) for whatever ignored it. Dropping a
//! [`ProcessGroup`] that was not ended (the run future abandoned, e.g. the provider winding down) does the
//! same from a short-lived thread, since `Drop` cannot wait.
//!
//! The child also gets default signal dispositions and an empty signal mask: the provider ignores SIGINT (so
//! Terraform's Ctrl-C arrives as a `StopProvider` call), and an ignored signal survives `exec`, so without
//! the reset a command's `curl` could not be interrupted at all.
//!
//! A process that calls `setsid` itself leaves the group and is out of reach; a test command has no reason to.
//! This module is Unix only (setsid, process groups, /proc); `process_group_windows.rs` is the Windows one,
//! with the same interface.

use std::io;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

/// How long a group has between SIGTERM and SIGKILL: long enough for a script's `trap` to remove a temp file
/// or for `curl` to close a connection, short enough that Ctrl-C still feels immediate.
pub const TERM_GRACE: Duration = Duration::from_secs(2);
/// How long to wait for the kernel to finish off a group after SIGKILL before giving up on seeing it gone
/// (a process in uninterruptible sleep dies when its I/O returns; nothing more can be done about it).
const KILL_SETTLE: Duration = Duration::from_secs(1);
/// How often a group is checked while it is being ended.
const POLL: Duration = Duration::from_millis(50);

/// How ending a group went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Nothing was left to signal.
    AlreadyGone,
    /// SIGTERM ended every process in the group within the grace.
    Terminated,
    /// Something ignored SIGTERM for the whole grace and was killed with SIGKILL.
    Killed,
}

/// A spawned command leading its own session and process group.
pub struct ProcessGroup {
    child: Child,
    pgid: libc::pid_t,
    /// Set once the group is known gone or has been sent SIGKILL; `Drop` has nothing left to do then.
    settled: bool,
}

impl ProcessGroup {
    /// Spawns `command` as the leader of a new session with default signal handling. The command is consumed
    /// so that the parent's copies of any pipe ends given to it are closed once the child has them.
    pub fn spawn(mut command: Command) -> io::Result<ProcessGroup> {
        let last_signal = last_signal();
        // SAFETY: the closure runs in the forked child before exec and calls only async-signal-safe functions
        // (setsid, sigaction, sigemptyset, pthread_sigmask); it allocates nothing and takes no locks.
        unsafe {
            command.pre_exec(move || {
                if libc::setsid() == -1 {
                    return Err(io::Error::last_os_error());
                }
                reset_signals(last_signal);
                Ok(())
            });
        }
        let child = command.spawn()?;
        drop(command);
        let pgid = child
            .id()
            .and_then(|pid| libc::pid_t::try_from(pid).ok())
            // Never 0 or 1: kill(0, …) would signal the provider's own group, kill(-1, …) every process.
            .filter(|pid| *pid > 1)
            .ok_or_else(|| io::Error::other("the spawned command has no usable process id"))?;
        Ok(ProcessGroup {
            child,
            pgid,
            settled: false,
        })
    }

    /// Waits for the command itself (the group leader) to exit; other members may still run. Cancel-safe.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        self.child.wait().await
    }

    /// Ends the whole group: SIGTERM, up to [`TERM_GRACE`] for it to go, then SIGKILL.
    pub async fn terminate(&mut self) -> Ended {
        if self.settled {
            return Ended::AlreadyGone;
        }
        self.reap();
        if !group_alive(self.pgid) || !self.signal(libc::SIGTERM) {
            self.settled = true;
            return Ended::AlreadyGone;
        }
        if self.gone_within(TERM_GRACE).await {
            self.settled = true;
            return Ended::Terminated;
        }
        self.signal(libc::SIGKILL);
        self.settled = true;
        if !self.gone_within(KILL_SETTLE).await {
            tracing::warn!(
                pgid = self.pgid,
                "gate command's process group still has processes after SIGKILL"
            );
        }
        Ended::Killed
    }

    /// Signals the group; false when no process is left in it.
    fn signal(&self, signal: libc::c_int) -> bool {
        signal_group(self.pgid, signal)
    }

    /// Polls until the group is empty (true) or `limit` passes (false), reaping the leader as it goes.
    async fn gone_within(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            self.reap();
            if !group_alive(self.pgid) {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Collects the leader's exit status if it has exited, so it stops counting as a member.
    fn reap(&mut self) {
        let _ = self.child.try_wait();
    }
}

impl Drop for ProcessGroup {
    /// Abandoned mid-run: SIGTERM now, and SIGKILL after the grace from a thread (a `Drop` cannot wait, and
    /// the runtime may be shutting down). Tokio reaps the leader itself once the `Child` is dropped.
    fn drop(&mut self) {
        if self.settled || !group_alive(self.pgid) || !self.signal(libc::SIGTERM) {
            return;
        }
        let pgid = self.pgid;
        let spawned = std::thread::Builder::new()
            .name("gate-group-reaper".into())
            .spawn(move || {
                let deadline = Instant::now() + TERM_GRACE;
                while Instant::now() < deadline {
                    if !group_alive(pgid) {
                        return;
                    }
                    std::thread::sleep(POLL);
                }
                signal_group(pgid, libc::SIGKILL);
            });
        if spawned.is_err() {
            // No thread for the grace: do not leave the group running.
            signal_group(pgid, libc::SIGKILL);
        }
    }
}

/// What a timeout did to the command, for the failure message.
pub fn timeout_account(ended: Ended) -> String {
    match ended {
        Ended::Killed => format!(
            "it ignored SIGTERM for {} and was killed with SIGKILL",
            crate::duration::format_duration(TERM_GRACE)
        ),
        Ended::Terminated | Ended::AlreadyGone => "it was stopped with SIGTERM".to_string(),
    }
}

/// What ending the command's leftovers did, for the result message.
pub fn leftovers_account(ended: Ended) -> &'static str {
    match ended {
        Ended::AlreadyGone => "",
        Ended::Terminated => "; processes it left running were stopped with SIGTERM",
        Ended::Killed => "; processes it left running ignored SIGTERM and were killed with SIGKILL",
    }
}

/// "status 3", or the signal that ended the command.
pub fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("status {code}"),
        (None, Some(signal)) => format!("signal {signal}"),
        (None, None) => "an unknown status".into(),
    }
}

/// Sends `signal` to every process in group `pgid`; false when the group has no process left.
fn signal_group(pgid: libc::pid_t, signal: libc::c_int) -> bool {
    if pgid <= 1 {
        return false;
    }
    // SAFETY: kill has no memory-safety preconditions; pgid > 1 names exactly the command's group.
    let rc = unsafe { libc::kill(-pgid, signal) };
    rc == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// Whether group `pgid` still has a process that is not a zombie.
///
/// `kill(-pgid, 0)` alone counts zombies, and those last forever where nothing reaps orphans (a container
/// whose PID 1 is not an init, Terraform itself being PID 1): a killed grandchild is reparented there and
/// never collected. On Linux the members are then looked up in /proc and zombies ignored; elsewhere the
/// answer is `kill`'s.
fn group_alive(pgid: libc::pid_t) -> bool {
    if pgid <= 1 {
        return false;
    }
    // SAFETY: signal 0 only checks for existence and permission.
    let rc = unsafe { libc::kill(-pgid, 0) };
    if rc != 0 && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH) {
        return false;
    }
    live_members_in_proc(pgid).unwrap_or(true)
}

/// Some(whether /proc lists a non-zombie member of `pgid`), or None when /proc cannot be read.
#[cfg(target_os = "linux")]
fn live_members_in_proc(pgid: libc::pid_t) -> Option<bool> {
    let entries = std::fs::read_dir("/proc").ok()?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
        else {
            continue;
        };
        // A process may exit between listing and reading; that one is simply not a member any more.
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        if let Some((state, group)) = parse_stat(&stat) {
            if group == pgid && state != 'Z' && state != 'X' {
                return Some(true);
            }
        }
    }
    Some(false)
}

/// Not Linux: no /proc to consult, so `kill`'s answer stands (macOS's launchd reaps orphans promptly).
#[cfg(not(target_os = "linux"))]
fn live_members_in_proc(_pgid: libc::pid_t) -> Option<bool> {
    None
}

/// The state and process group from a /proc/<pid>/stat line: `pid (comm) S ppid pgrp …`; the command name
/// may itself contain spaces and parentheses, so fields are counted from the last `)`.
pub(super) fn parse_stat(stat: &str) -> Option<(char, libc::pid_t)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some((state, pgrp))
}

/// The highest signal number to reset: the last real-time signal on Linux, the last standard one elsewhere.
/// Read before forking (glibc computes SIGRTMAX at run time).
fn last_signal() -> libc::c_int {
    #[cfg(target_os = "linux")]
    {
        libc::SIGRTMAX()
    }
    #[cfg(not(target_os = "linux"))]
    {
        31
    }
}

/// In the forked child: every catchable signal up to `last` back to its default action, and nothing blocked.
///
/// An ignored signal stays ignored across `exec` (the provider ignores SIGINT, Rust ignores SIGPIPE), and the
/// mask is inherited too; handled signals are reset by `exec` anyway, so resetting all of them is harmless.
/// glibc refuses to touch its own two (32 and 33, for thread cancellation); those stay as they were.
fn reset_signals(last: libc::c_int) {
    for signal in 1..=last {
        if signal == libc::SIGKILL || signal == libc::SIGSTOP {
            continue;
        }
        // SAFETY: a zeroed sigaction with SIG_DFL is a valid argument; errors (a number that is not a signal
        // on this platform) are ignored. sigaction is async-signal-safe.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = libc::SIG_DFL;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
    // SAFETY: an empty set from sigemptyset unblocks everything; both calls are async-signal-safe.
    unsafe {
        let mut empty: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut empty);
        libc::pthread_sigmask(libc::SIG_SETMASK, &empty, std::ptr::null_mut());
    }
}
