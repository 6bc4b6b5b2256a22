//! The progress file: every rollout line appended as it is said and flushed at once, so a CI step running
//! `tail -f` beside `terraform apply` sees the rollout live.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use crate::rollout::{ProgressEvent, ProgressSink};

/// A progress file opened for appending.
#[derive(Debug)]
pub struct FileSink {
    path: String,
    file: Mutex<File>,
}

impl FileSink {
    /// Opens (creating) `path` for appending; the error is a sentence naming the file.
    pub fn open(path: &str) -> Result<FileSink, String> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(Path::new(path))
            .map_err(|e| format!("Cannot open the progress file {path:?} for appending: {e}."))?;
        Ok(FileSink {
            path: path.to_string(),
            file: Mutex::new(file),
        })
    }
}

impl ProgressSink for FileSink {
    fn send(&self, event: &ProgressEvent) {
        let line = format!("{}\n", super::line::format(event));
        let mut file = self.file.lock().unwrap_or_else(|p| p.into_inner());
        // One write per line keeps lines of parallel rollouts whole (O_APPEND); a full disk must not fail
        // the rollout, so a failed write is logged and the rollout goes on.
        if let Err(err) = file.write_all(line.as_bytes()).and_then(|()| file.flush()) {
            tracing::warn!(path = %self.path, error = %err, "writing the progress file failed");
        }
    }
}
