//! How the `watch` command shows a rollout: in a terminal, each line above a progress bar redrawn in place
//! (lifecycle step, production traffic on green, status); anywhere else, the plain progress lines a log
//! collector keeps, exactly as a progress file has them.

use std::io::Write;

use crate::rollout::ProgressEvent;

/// Where the rollout stands, for the bar.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Standing {
    /// The deployment followed.
    pub deployment_id: String,
    /// Lifecycle events ended so far.
    pub events_done: usize,
    /// Lifecycle events in all (8 for ECS).
    pub events_total: usize,
    /// The event running now, if one is.
    pub current_event: Option<String>,
    /// Production traffic on green, when CodeDeploy reports it.
    pub green_weight: Option<f64>,
    /// The deployment's status.
    pub status: String,
}

/// Shows a rollout.
pub trait Display {
    /// A line happened.
    fn line(&mut self, event: &ProgressEvent);
    /// Where the rollout stands now.
    fn standing(&mut self, standing: &Standing);
    /// The watch is over (the bar, if any, stays as it last was).
    fn finish(&mut self);
}

/// Plain timestamped lines (not a terminal): the progress file's format.
pub struct Plain<W: Write>(pub W);

impl<W: Write> Display for Plain<W> {
    fn line(&mut self, event: &ProgressEvent) {
        let _ = writeln!(self.0, "{}", super::line::format(event));
        let _ = self.0.flush();
    }
    fn standing(&mut self, _standing: &Standing) {}
    fn finish(&mut self) {
        let _ = self.0.flush();
    }
}

/// A terminal: lines scroll above a bar redrawn in place with ANSI escapes.
pub struct Terminal<W: Write> {
    out: W,
    last: Option<Standing>,
}

/// Width of the bar in cells.
const BAR_CELLS: usize = 24;

impl<W: Write> Terminal<W> {
    /// A terminal display writing to `out`.
    pub fn new(out: W) -> Self {
        Terminal { out, last: None }
    }

    fn clear_bar(&mut self) {
        if self.last.is_some() {
            let _ = write!(self.out, "\r\x1b[2K");
        }
    }

    fn draw_bar(&mut self) {
        if let Some(s) = &self.last {
            let _ = write!(self.out, "{}", bar(s));
        }
        let _ = self.out.flush();
    }
}

/// The bar's text: `d-… [██████░░░░]  5/8 AfterAllowTestTraffic  traffic 0%  Ready`.
pub fn bar(s: &Standing) -> String {
    let total = s.events_total.max(1);
    let filled = (s.events_done.min(total) * BAR_CELLS) / total;
    let cells: String = "█".repeat(filled) + &"░".repeat(BAR_CELLS - filled);
    let traffic = s
        .green_weight
        .map(|w| format!("  traffic on green {w}%"))
        .unwrap_or_default();
    format!(
        "\x1b[1m{}\x1b[0m [{cells}] {}/{} {}{traffic}  {}",
        s.deployment_id,
        s.events_done,
        s.events_total,
        s.current_event.as_deref().unwrap_or(""),
        s.status
    )
}

impl<W: Write> Display for Terminal<W> {
    fn line(&mut self, event: &ProgressEvent) {
        self.clear_bar();
        let time = super::line::utc(event.at_epoch);
        let clock = time.get(11..21).unwrap_or(&time);
        let _ = writeln!(
            self.out,
            "\x1b[2m{clock}\x1b[0m {:<10} {}",
            event.kind.word(),
            event.what
        );
        self.draw_bar();
    }

    fn standing(&mut self, standing: &Standing) {
        if self.last.as_ref() == Some(standing) {
            return;
        }
        self.clear_bar();
        self.last = Some(standing.clone());
        self.draw_bar();
    }

    fn finish(&mut self) {
        if self.last.is_some() {
            let _ = writeln!(self.out);
        }
        let _ = self.out.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_fills_with_the_lifecycle() {
        let s = Standing {
            deployment_id: "d-1".into(),
            events_done: 4,
            events_total: 8,
            current_event: Some("AfterAllowTestTraffic".into()),
            green_weight: Some(0.0),
            status: "InProgress".into(),
        };
        let text = bar(&s);
        assert!(
            text.contains(&format!("[{}{}]", "█".repeat(12), "░".repeat(12))),
            "{text}"
        );
        assert!(
            text.contains("4/8 AfterAllowTestTraffic  traffic on green 0%  InProgress"),
            "{text}"
        );
    }
}
