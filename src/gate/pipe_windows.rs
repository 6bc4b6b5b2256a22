//! The command's output on Windows: tokio's stdout and stderr pipes, read side by side into one buffer in
//! the order chunks arrive (Windows has no portable way to give a child one pipe for both).

use std::io;
use std::process::Stdio;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{ChildStderr, ChildStdout, Command};

use super::output::BoundedOutput;
use super::process_group_windows::ProcessGroup;

/// Bytes read from a pipe at a time.
const READ_CHUNK: usize = 8 * 1024;

/// Marks that the command's stdout and stderr are piped; the pipes exist once it starts.
pub struct Wired(());

/// The read ends of a started command's output.
pub struct OutputReader {
    stdout: Option<ChildStdout>,
    stderr: Option<ChildStderr>,
}

/// Asks for piped stdout and stderr.
pub fn wire(command: &mut Command) -> io::Result<Wired> {
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    Ok(Wired(()))
}

impl Wired {
    /// Takes the started command's pipes.
    pub fn connect(self, group: &mut ProcessGroup) -> OutputReader {
        let child = group.child_mut();
        OutputReader {
            stdout: child.stdout.take(),
            stderr: child.stderr.take(),
        }
    }
}

/// Reads both pipes as output arrives until every writer has closed them.
pub async fn drain(reader: OutputReader, sink: &mut BoundedOutput) {
    let (mut out_buf, mut err_buf) = (vec![0u8; READ_CHUNK], vec![0u8; READ_CHUNK]);
    let (mut stdout, mut stderr) = (reader.stdout, reader.stderr);
    while stdout.is_some() || stderr.is_some() {
        tokio::select! {
            n = read_some(&mut stdout, &mut out_buf), if stdout.is_some() => match n {
                Some(n) => sink.push(&out_buf[..n]),
                None => stdout = None,
            },
            n = read_some(&mut stderr, &mut err_buf), if stderr.is_some() => match n {
                Some(n) => sink.push(&err_buf[..n]),
                None => stderr = None,
            },
        }
    }
}

/// The next chunk, or None at the end of the pipe (or an error reading it).
async fn read_some<R: AsyncRead + Unpin>(pipe: &mut Option<R>, buf: &mut [u8]) -> Option<usize> {
    let pipe = pipe.as_mut()?;
    match pipe.read(buf).await {
        Ok(0) | Err(_) => None,
        Ok(n) => Some(n),
    }
}
