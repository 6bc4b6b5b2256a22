//! The command's output on Unix: stdout and stderr share one pipe, as `2>&1` would, so the output reads in
//! the order it was written.

use std::io;

use tokio::io::AsyncReadExt;
use tokio::net::unix::pipe;
use tokio::process::Command;

use super::output::BoundedOutput;
use super::process_group::ProcessGroup;

/// Bytes read from the pipe at a time.
const READ_CHUNK: usize = 8 * 1024;

/// The read end, before the command starts.
pub struct Wired(pipe::Receiver);

/// The read end of a started command's output.
pub struct OutputReader(pipe::Receiver);

/// Gives `command` one pipe for stdout and stderr: our non-blocking read end, and two blocking write ends
/// for the child. All are close-on-exec, so no other process spawned meanwhile inherits them; the parent's
/// write ends close when the command (which holds them) is dropped after spawning.
pub fn wire(command: &mut Command) -> io::Result<Wired> {
    let (writer, reader) = pipe::pipe()?;
    let stdout = writer.into_blocking_fd()?;
    let stderr = stdout.try_clone()?;
    command.stdout(stdout).stderr(stderr);
    Ok(Wired(reader))
}

impl Wired {
    /// The reader for the started command (on Unix the pipe exists already).
    pub fn connect(self, _group: &mut ProcessGroup) -> OutputReader {
        OutputReader(self.0)
    }
}

/// Reads the output as it arrives until every writer has closed the pipe.
pub async fn drain(mut reader: OutputReader, sink: &mut BoundedOutput) {
    let mut buf = vec![0u8; READ_CHUNK];
    loop {
        match reader.0.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => sink.push(&buf[..n]),
        }
    }
}
