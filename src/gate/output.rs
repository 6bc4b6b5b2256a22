//! A gate command's output, kept within a fixed bound however much it prints.
//!
//! The command's pipes are drained continuously so a chatty command never blocks on a full pipe (a pipe holds
//! 64 KiB on Linux; the old reader stopped at 256 KiB and the command then hung until its timeout). Only the
//! first [`HEAD_BYTES`] and the last [`TAIL_BYTES`] are kept — 128 KiB at most per command — and the bytes in
//! between are counted, so a failure can say how much it is not showing. The head tells how the command began
//! (what it was testing); the tail is where a failing test says why.

use std::collections::VecDeque;

/// Bytes kept from the start of the output (64 KiB).
pub const HEAD_BYTES: usize = 64 * 1024;
/// Bytes kept from the end of the output (64 KiB).
pub const TAIL_BYTES: usize = 64 * 1024;
/// Lines of the tail a failure shows: enough for a test's own account of what went wrong.
const SHOWN_TAIL_LINES: usize = 20;
/// Lines of the head a failure shows, only when the middle of the output was skipped.
const SHOWN_HEAD_LINES: usize = 5;
/// The most bytes a failure shows of each part, so one enormous line cannot flood Terraform's output.
const SHOWN_BYTES: usize = 4 * 1024;

/// The head and tail of a command's combined stdout and stderr, in the order they arrived.
#[derive(Debug, Default)]
pub struct BoundedOutput {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    total: u64,
    skipped: u64,
}

impl BoundedOutput {
    /// An empty buffer; it allocates as output arrives, never more than `HEAD_BYTES + TAIL_BYTES`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a chunk: the head fills first, then the tail keeps the newest bytes and counts what it drops.
    pub fn push(&mut self, mut chunk: &[u8]) {
        self.total += chunk.len() as u64;
        if self.head.len() < HEAD_BYTES {
            let take = chunk.len().min(HEAD_BYTES - self.head.len());
            self.head.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
        }
        if chunk.len() >= TAIL_BYTES {
            let dropped = self.tail.len() + chunk.len() - TAIL_BYTES;
            self.skipped += dropped as u64;
            self.tail.clear();
            self.tail.extend(&chunk[chunk.len() - TAIL_BYTES..]);
            return;
        }
        let overflow = (self.tail.len() + chunk.len()).saturating_sub(TAIL_BYTES);
        if overflow > 0 {
            self.tail.drain(..overflow);
            self.skipped += overflow as u64;
        }
        self.tail.extend(chunk);
    }

    /// Whether the command wrote nothing.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// What a failure shows: the last lines, and when the middle was skipped, the first lines and a line
    /// saying how many bytes were skipped between them.
    pub fn excerpt(&self) -> String {
        let (head, tail) = self.tail.as_slices();
        let mut tail_bytes = Vec::with_capacity(head.len() + tail.len());
        tail_bytes.extend_from_slice(head);
        tail_bytes.extend_from_slice(tail);
        if self.skipped == 0 {
            let mut all = self.head.clone();
            all.extend_from_slice(&tail_bytes);
            return last_lines(&String::from_utf8_lossy(&all));
        }
        format!(
            "{}\n[… {} bytes skipped …]\n{}",
            first_lines(&String::from_utf8_lossy(&self.head)),
            self.skipped,
            last_lines(&String::from_utf8_lossy(&tail_bytes))
        )
    }
}

/// The last `SHOWN_TAIL_LINES` lines, at most `SHOWN_BYTES` of them.
fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(SHOWN_TAIL_LINES);
    let shown = lines[start..].join("\n");
    if shown.len() <= SHOWN_BYTES {
        return shown;
    }
    let mut cut = shown.len() - SHOWN_BYTES;
    while !shown.is_char_boundary(cut) {
        cut += 1;
    }
    format!("…{}", &shown[cut..])
}

/// The first `SHOWN_HEAD_LINES` lines, at most `SHOWN_BYTES` of them.
fn first_lines(text: &str) -> String {
    let shown = text
        .lines()
        .take(SHOWN_HEAD_LINES)
        .collect::<Vec<_>>()
        .join("\n");
    if shown.len() <= SHOWN_BYTES {
        return shown;
    }
    let mut cut = SHOWN_BYTES;
    while !shown.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &shown[..cut])
}
