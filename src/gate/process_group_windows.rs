//! A gate command and everything it starts, ended together — the Windows counterpart of the Unix module
//! (`process_group.rs`), with the same interface.
//!
//! Windows has no process groups to signal and no SIGTERM: the command is put in a Job Object right after
//! it starts, and ending it terminates the job, which ends every process in it at once (children join their
//! parent's job). There is no grace period. The job is created with KILL_ON_JOB_CLOSE, so dropping an
//! unfinished [`ProcessGroup`] (the run future abandoned, the provider exiting) ends the processes too.
//!
//! Two gaps remain: a process the command starts in the instant before it joins the job stays outside it,
//! and when no job can be made (unusual; nested jobs are allowed since Windows 8) only the command itself is
//! killed, so what it started may outlive it. Both are logged, not hidden.

use std::io;
use std::os::windows::io::{AsRawHandle as _, FromRawHandle as _, OwnedHandle};
use std::process::ExitStatus;
use std::time::Duration;

use tokio::process::{Child, Command};
use windows_sys::Win32::Foundation::HANDLE;
use windows_sys::Win32::System::JobObjects::{
    AssignProcessToJobObject, CreateJobObjectW, JobObjectBasicAccountingInformation,
    JobObjectExtendedLimitInformation, QueryInformationJobObject, SetInformationJobObject,
    TerminateJobObject, JOBOBJECT_BASIC_ACCOUNTING_INFORMATION,
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
};

/// How long to wait for processes to disappear after the job is terminated (termination is asynchronous).
const KILL_SETTLE: Duration = Duration::from_secs(1);
/// How often the job is checked while it is being ended.
const POLL: Duration = Duration::from_millis(50);
/// The exit code given to the processes the job ends.
const KILLED_EXIT_CODE: u32 = 1;

/// How ending a command's processes went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Nothing was left running.
    AlreadyGone,
    /// Processes were still running and were terminated.
    Killed,
}

/// A spawned command and the Job Object holding it and what it starts.
pub struct ProcessGroup {
    child: Child,
    job: Option<OwnedHandle>,
    settled: bool,
}

impl ProcessGroup {
    /// Spawns `command` and puts it in a new job. The command is consumed so the parent's copies of any
    /// handles given to it are closed once the child has them.
    pub fn spawn(mut command: Command) -> io::Result<ProcessGroup> {
        let child = command.spawn()?;
        drop(command);
        let job = match new_job().and_then(|job| assign(&job, &child).map(|()| job)) {
            Ok(job) => Some(job),
            Err(err) => {
                tracing::warn!(
                    error = %err,
                    "no Job Object for the gate command: only the command itself can be ended, not what it starts"
                );
                None
            }
        };
        Ok(ProcessGroup {
            child,
            job,
            settled: false,
        })
    }

    /// The command's process, for taking its output pipes.
    pub fn child_mut(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Waits for the command itself to exit; what it started may still run. Cancel-safe.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        self.child.wait().await
    }

    /// Ends the command and everything in its job at once.
    pub async fn terminate(&mut self) -> Ended {
        if self.settled {
            return Ended::AlreadyGone;
        }
        self.settled = true;
        let Some(job) = &self.job else {
            return match self.child.try_wait() {
                Ok(Some(_)) => Ended::AlreadyGone,
                _ => {
                    let _ = self.child.kill().await;
                    Ended::Killed
                }
            };
        };
        if active_processes(job) == Some(0) {
            return Ended::AlreadyGone;
        }
        // SAFETY: a valid job handle owned by self.
        unsafe { TerminateJobObject(raw(job), KILLED_EXIT_CODE) };
        let deadline = std::time::Instant::now() + KILL_SETTLE;
        while active_processes(job).is_some_and(|n| n > 0) {
            if std::time::Instant::now() >= deadline {
                tracing::warn!("gate command's job still has processes after it was terminated");
                break;
            }
            tokio::time::sleep(POLL).await;
        }
        let _ = self.child.try_wait();
        Ended::Killed
    }
}

impl Drop for ProcessGroup {
    /// Abandoned mid-run: closing the job handle ends its processes (KILL_ON_JOB_CLOSE); without a job, the
    /// command itself is killed.
    fn drop(&mut self) {
        if !self.settled && self.job.is_none() {
            let _ = self.child.start_kill();
        }
    }
}

/// What a timeout did to the command, for the failure message.
pub fn timeout_account(_ended: Ended) -> String {
    "it was terminated with everything it started".to_string()
}

/// What ending the command's leftovers did, for the result message.
pub fn leftovers_account(ended: Ended) -> &'static str {
    match ended {
        Ended::AlreadyGone => "",
        Ended::Killed => "; processes it left running were terminated",
    }
}

/// "status 3" (Windows has no signals; a terminated process has the exit code it was given).
pub fn describe(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("status {code}"),
        None => "an unknown status".into(),
    }
}

fn raw(handle: &OwnedHandle) -> HANDLE {
    handle.as_raw_handle() as _
}

/// A job whose processes end when its last handle closes.
fn new_job() -> io::Result<OwnedHandle> {
    // SAFETY: null attributes and name ask for an anonymous job with default security.
    let handle = unsafe { CreateJobObjectW(std::ptr::null(), std::ptr::null()) };
    if handle.is_null() {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: a valid handle we own from here on.
    let job = unsafe { OwnedHandle::from_raw_handle(handle as _) };
    let mut limits = JOBOBJECT_EXTENDED_LIMIT_INFORMATION::default();
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    // SAFETY: the pointer and size describe a JOBOBJECT_EXTENDED_LIMIT_INFORMATION, as the class requires.
    let ok = unsafe {
        SetInformationJobObject(
            raw(&job),
            JobObjectExtendedLimitInformation,
            (&limits as *const JOBOBJECT_EXTENDED_LIMIT_INFORMATION).cast(),
            std::mem::size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
        )
    };
    if ok == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(job)
}

/// Puts the spawned command in the job.
fn assign(job: &OwnedHandle, child: &Child) -> io::Result<()> {
    let process = child
        .raw_handle()
        .ok_or_else(|| io::Error::other("the command exited before it could join a job"))?;
    // SAFETY: both handles are valid: the job is owned, the process handle belongs to the live Child.
    if unsafe { AssignProcessToJobObject(raw(job), process as HANDLE) } == 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// How many processes in the job are still running, or None when the job cannot be queried.
fn active_processes(job: &OwnedHandle) -> Option<u32> {
    let mut info = JOBOBJECT_BASIC_ACCOUNTING_INFORMATION::default();
    // SAFETY: the pointer and size describe a JOBOBJECT_BASIC_ACCOUNTING_INFORMATION, as the class requires.
    let ok = unsafe {
        QueryInformationJobObject(
            raw(job),
            JobObjectBasicAccountingInformation,
            (&mut info as *mut JOBOBJECT_BASIC_ACCOUNTING_INFORMATION).cast(),
            std::mem::size_of::<JOBOBJECT_BASIC_ACCOUNTING_INFORMATION>() as u32,
            std::ptr::null_mut(),
        )
    };
    (ok != 0).then_some(info.ActiveProcesses)
}
