//! The timeline's vocabulary, and the part of it rebuilt from CodeDeploy: each lifecycle event with
//! CodeDeploy's own start and end times (a poll every few seconds misses every transition of a fast
//! deployment), and the traffic move that AllowTraffic's success implies. The rollout engine and the `watch`
//! command both say these lines through here, so a timeline in state, a progress file and a terminal agree.

use std::collections::HashSet;

use crate::aws::TargetView;

/// What kind of thing a timeline line tells: readers pick lines by kind, never by their words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// A deployment created or adopted.
    Deployment,
    /// A deployment's status changed (Created, InProgress, Ready, Succeeded …).
    Status,
    /// A lifecycle event started or ended.
    Lifecycle,
    /// Production traffic moved.
    Traffic,
    /// A test gate check or the gate's verdict.
    Gate,
    /// An alarm fired.
    Alarm,
    /// A stop, a rollback or a redeploy of the previous version.
    Rollback,
    /// Anything else (interrupts, refusals, the bake).
    Note,
}

impl EntryKind {
    /// The word a progress line carries, so `grep` can pick one kind.
    pub fn word(self) -> &'static str {
        match self {
            EntryKind::Deployment => "deployment",
            EntryKind::Status => "status",
            EntryKind::Lifecycle => "lifecycle",
            EntryKind::Traffic => "traffic",
            EntryKind::Gate => "gate",
            EntryKind::Alarm => "alarm",
            EntryKind::Rollback => "rollback",
            EntryKind::Note => "note",
        }
    }

    /// The kind a progress line's word names (the `watch` command reads gate lines back from a file).
    pub fn from_word(word: &str) -> Option<EntryKind> {
        [
            EntryKind::Deployment,
            EntryKind::Status,
            EntryKind::Lifecycle,
            EntryKind::Traffic,
            EntryKind::Gate,
            EntryKind::Alarm,
            EntryKind::Rollback,
            EntryKind::Note,
        ]
        .into_iter()
        .find(|k| k.word() == word)
    }
}

/// Something CodeDeploy shows happened, at CodeDeploy's time.
#[derive(Clone, Debug, PartialEq)]
pub struct Happening {
    /// Epoch seconds, CodeDeploy's clock.
    pub at_epoch: f64,
    /// Its kind.
    pub kind: EntryKind,
    /// The line.
    pub what: String,
}

/// What has been said already about which deployment, so that a live read and the rebuild at the end
/// never say the same thing twice.
#[derive(Clone, Debug, Default)]
pub struct Said(HashSet<(String, String, &'static str)>);

impl Said {
    /// True the first time `subject`'s `phase` of deployment `id` is said (and remembers it).
    pub fn first(&mut self, id: &str, subject: &str, phase: &'static str) -> bool {
        self.0.insert((id.to_string(), subject.to_string(), phase))
    }
}

/// The key under which a full move of production traffic is remembered (a polled weight of 100 % says it
/// as well as AllowTraffic's success does).
pub const TRAFFIC_FULL: (&str, &str) = ("traffic", "full");

/// Below this, a lifecycle event's start and end are one moment: one line says it.
const INSTANT: f64 = 0.05;

/// What deployment `id`'s `target` shows that has not been said yet, in lifecycle order: events started,
/// events ended (with how long they took, and CodeDeploy's diagnostics on failure), events skipped (at the
/// moment the target last changed), and all production traffic moved once AllowTraffic succeeded.
/// `rollback` labels the lines of a deployment that rolls another back.
pub fn lifecycle_happenings(
    id: &str,
    target: &TargetView,
    rollback: bool,
    said: &mut Said,
) -> Vec<Happening> {
    let prefix = if rollback {
        format!("rollback {id}: ")
    } else {
        String::new()
    };
    // Skipped events carry no times: they were skipped when the target last changed, and never before
    // the last time another event shows.
    let last_moment = target
        .events
        .iter()
        .flat_map(|e| [e.start, e.end])
        .chain([target.updated])
        .flatten()
        .fold(None, |max: Option<f64>, t| {
            Some(max.map_or(t, |m| m.max(t)))
        });
    let mut out = Vec::new();
    for event in &target.events {
        let name = event.name.as_str();
        let line = |kind, at_epoch, what: String| Happening {
            at_epoch,
            kind,
            what: format!("{prefix}{what}"),
        };
        match (event.start, event.end) {
            (Some(start), Some(end)) => {
                let instant = end - start < INSTANT;
                if said.first(id, name, "started") && !instant {
                    out.push(line(
                        EntryKind::Lifecycle,
                        start,
                        format!("lifecycle event {name} started"),
                    ));
                }
                if said.first(id, name, "ended") {
                    let took = if instant {
                        String::new()
                    } else {
                        format!(" after {:.1}s", end - start)
                    };
                    let why = event
                        .diagnostics
                        .as_deref()
                        .filter(|_| event.status == "Failed")
                        .map(|d| format!(": {d}"))
                        .unwrap_or_default();
                    out.push(line(
                        EntryKind::Lifecycle,
                        end,
                        format!("lifecycle event {name} {}{took}{why}", event.status),
                    ));
                }
            }
            (Some(start), None) if event.status != "Pending" && said.first(id, name, "started") => {
                out.push(line(
                    EntryKind::Lifecycle,
                    start,
                    format!("lifecycle event {name} started"),
                ));
            }
            (None, _) if event.status == "Skipped" => {
                if let Some(at) = last_moment {
                    if said.first(id, name, "ended") {
                        out.push(line(
                            EntryKind::Lifecycle,
                            at,
                            format!("lifecycle event {name} Skipped"),
                        ));
                    }
                }
            }
            _ => {}
        }
        if name == "AllowTraffic" && event.status == "Succeeded" {
            if let Some(end) = event.end {
                if said.first(id, TRAFFIC_FULL.0, TRAFFIC_FULL.1) {
                    let what = if rollback {
                        "production traffic back on the original task set: 100%"
                    } else {
                        "production traffic on green: 100%"
                    };
                    out.push(line(EntryKind::Traffic, end, what.to_string()));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::LifecycleEventView;

    fn event(name: &str, status: &str, start: Option<f64>, end: Option<f64>) -> LifecycleEventView {
        LifecycleEventView {
            name: name.into(),
            status: status.into(),
            diagnostics: None,
            start,
            end,
        }
    }

    #[test]
    fn a_fast_deployment_is_rebuilt_from_codedeploys_times_once() {
        let target = TargetView {
            events: vec![
                event("BeforeInstall", "Succeeded", Some(10.0), Some(10.0)),
                event("Install", "Succeeded", Some(10.0), Some(12.5)),
                event("AllowTraffic", "Succeeded", Some(13.0), Some(14.0)),
                event("AfterAllowTraffic", "InProgress", Some(14.0), None),
            ],
            ..TargetView::default()
        };
        let mut said = Said::default();
        let lines: Vec<(f64, String)> = lifecycle_happenings("d-1", &target, false, &mut said)
            .into_iter()
            .map(|h| (h.at_epoch, h.what))
            .collect();
        assert_eq!(
            lines,
            vec![
                (10.0, "lifecycle event BeforeInstall Succeeded".to_string()),
                (10.0, "lifecycle event Install started".to_string()),
                (
                    12.5,
                    "lifecycle event Install Succeeded after 2.5s".to_string()
                ),
                (13.0, "lifecycle event AllowTraffic started".to_string()),
                (
                    14.0,
                    "lifecycle event AllowTraffic Succeeded after 1.0s".to_string()
                ),
                (14.0, "production traffic on green: 100%".to_string()),
                (
                    14.0,
                    "lifecycle event AfterAllowTraffic started".to_string()
                ),
            ]
        );
        assert!(
            lifecycle_happenings("d-1", &target, false, &mut said).is_empty(),
            "a second read of the same target says nothing new"
        );
    }

    #[test]
    fn skipped_and_failed_events_of_a_rollback_are_labelled() {
        let mut failed = event("AllowTraffic", "Failed", Some(5.0), Some(6.0));
        failed.diagnostics = Some("ALARM_ACTIVE: web-404s".into());
        let target = TargetView {
            events: vec![failed, event("AfterAllowTraffic", "Skipped", None, None)],
            updated: Some(7.5),
            ..TargetView::default()
        };
        let happenings = lifecycle_happenings("d-2", &target, true, &mut Said::default());
        assert_eq!(
            happenings.last().map(|h| h.at_epoch),
            Some(7.5),
            "skipped when the target last changed"
        );
        let lines: Vec<String> = happenings.into_iter().map(|h| h.what).collect();
        assert_eq!(
            lines,
            vec![
                "rollback d-2: lifecycle event AllowTraffic started",
                "rollback d-2: lifecycle event AllowTraffic Failed after 1.0s: ALARM_ACTIVE: web-404s",
                "rollback d-2: lifecycle event AfterAllowTraffic Skipped",
            ]
        );
    }

    #[test]
    fn kinds_round_trip_through_their_words() {
        for kind in [EntryKind::Gate, EntryKind::Lifecycle, EntryKind::Note] {
            assert_eq!(EntryKind::from_word(kind.word()), Some(kind));
        }
        assert_eq!(EntryKind::from_word("weather"), None);
    }
}
