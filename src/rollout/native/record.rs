//! The native rollout's timeline: lifecycle stages and hook runs as ECS reports them, gate checks, alarms
//! and rollbacks, each also sent to the progress sink as it happens.

use std::collections::HashSet;
use std::time::Instant;

use super::spec::NativeSpec;
use crate::aws::ServiceDeploymentView;
use crate::rollout::progress::{now_epoch, ProgressEvent};
use crate::rollout::report::{EntryKind, TimelineEntry};

/// The timeline being written.
pub(super) struct Recorder {
    started: Instant,
    pub(super) entries: Vec<TimelineEntry>,
    seen: HashSet<String>,
}

impl Recorder {
    /// A timeline starting now.
    pub(super) fn new() -> Recorder {
        Recorder {
            started: Instant::now(),
            entries: Vec::new(),
            seen: HashSet::new(),
        }
    }

    /// Adds a line now.
    pub(super) fn note(
        &mut self,
        spec: &NativeSpec,
        deployment: Option<&str>,
        kind: EntryKind,
        what: String,
    ) {
        tracing::info!(cluster = %spec.cluster, service = %spec.service, "{what}");
        if let Some(sink) = &spec.progress {
            sink.send(&ProgressEvent {
                at_epoch: now_epoch(),
                application: spec.cluster.clone(),
                group: spec.service.clone(),
                deployment_id: deployment.map(str::to_string),
                kind,
                what: what.clone(),
            });
        }
        self.entries.push(TimelineEntry {
            at_seconds: self.started.elapsed().as_secs_f64(),
            kind,
            what,
        });
    }

    /// Adds what is new in a poll of the deployment: a new status (with ECS's reason), a stage entered, a
    /// hook's new status (with the stage it runs at, and for a waiting hook when it times out and what
    /// ECS then does), green's share of test and production traffic, the revision a rollback goes back to
    /// and why, deployment alarms ECS saw fire, and a tripped circuit breaker.
    pub(super) fn saw(&mut self, spec: &NativeSpec, view: &ServiceDeploymentView, prefix: &str) {
        for (kind, what) in news(view, prefix) {
            if self.seen.insert(what.key) {
                self.note(spec, Some(&view.arn), kind, what.line);
            }
        }
    }
}

/// One thing a poll shows: the key it is recorded once under, and its line.
struct Seen {
    key: String,
    line: String,
}

/// Everything a poll of the deployment shows, each with the key that makes it new.
fn news(view: &ServiceDeploymentView, prefix: &str) -> Vec<(EntryKind, Seen)> {
    let id = crate::aws::short_id(&view.arn).to_string();
    let mut out = Vec::new();
    let mut add = |kind, key: String, line: String| {
        out.push((
            kind,
            Seen {
                key: format!("{id} {key}"),
                line: format!("{prefix}{line}"),
            },
        ))
    };
    let reason = view
        .status_reason
        .as_deref()
        .filter(|r| !r.is_empty())
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    add(
        EntryKind::Status,
        format!("status {}", view.status),
        format!("service deployment {id} {}{reason}", view.status),
    );
    if let Some(stage) = &view.stage {
        add(
            EntryKind::Lifecycle,
            format!("stage {stage}"),
            format!("lifecycle stage {stage}"),
        );
    }
    // ECS's hook details do not say at which stage a hook runs; while it waits, that is the deployment's
    // stage now, but a hook's end is often first seen a stage later, so only a waiting hook names it.
    let at = view
        .stage
        .as_deref()
        .map(|s| format!(" at {s}"))
        .unwrap_or_default();
    for hook in &view.hooks {
        let target = hook
            .target_arn
            .as_deref()
            .map(|t| format!(" {t}"))
            .unwrap_or_default();
        let waiting = matches!(hook.status.as_str(), "AWAITING_ACTION" | "IN_PROGRESS");
        let at = if waiting { at.as_str() } else { "" };
        let expiry = match (&hook.expires_at, &hook.timeout_action) {
            (Some(when), Some(action)) if waiting => format!(" (times out {when}, then {action})"),
            (Some(when), None) if waiting => format!(" (times out {when})"),
            _ => String::new(),
        };
        add(
            EntryKind::Lifecycle,
            format!("hook {} {}", hook.id, hook.status),
            format!(
                "{} hook {}{target}{at} {}{expiry}",
                hook.target_type, hook.id, hook.status
            ),
        );
    }
    for (traffic, weight) in [
        ("test", view.test_weight),
        ("production", view.production_weight),
    ] {
        if let Some(w) = weight {
            add(
                EntryKind::Traffic,
                format!("{traffic} weight {w}"),
                format!("{traffic} traffic on green: {w}%"),
            );
        }
    }
    if view.rollback_reason.is_some() || view.rollback_revision.is_some() {
        let to = view
            .rollback_revision
            .as_deref()
            .map(|r| format!(" to {r}"))
            .unwrap_or_default();
        let why = view
            .rollback_reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        add(
            EntryKind::Rollback,
            "rollback".into(),
            format!("ECS rolls service deployment {id} back{to}{why}"),
        );
    }
    for alarm in &view.triggered_alarms {
        add(
            EntryKind::Alarm,
            format!("alarm {alarm}"),
            format!("deployment alarm '{alarm}' fired (ECS)"),
        );
    }
    if let Some(b) = view.breaker.as_ref().filter(|b| b.status == "TRIGGERED") {
        add(
            EntryKind::Alarm,
            "breaker".into(),
            format!(
                "deployment circuit breaker TRIGGERED: {} tasks failed to start (threshold {})",
                b.failure_count, b.threshold
            ),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::news;
    use crate::aws::{BreakerView, HookView, ServiceDeploymentView};

    fn view() -> ServiceDeploymentView {
        ServiceDeploymentView {
            arn: "arn:aws:ecs:us-east-1:1:service-deployment/demo/native/abc".into(),
            status: "ROLLBACK_IN_PROGRESS".into(),
            status_reason: Some(
                "Service deployment rolled back because the hook timed out.".into(),
            ),
            stage: Some("POST_TEST_TRAFFIC_SHIFT".into()),
            hooks: vec![HookView {
                id: "ecs-pause-1".into(),
                target_type: "PAUSE".into(),
                target_arn: None,
                status: "AWAITING_ACTION".into(),
                expires_at: Some("2026-11-28T10:00:00Z".into()),
                timeout_action: Some("ROLLBACK".into()),
            }],
            rollback_reason: Some("PAUSE hook timed out".into()),
            rollback_revision: Some(
                "arn:aws:ecs:us-east-1:1:service-revision/demo/native/1".into(),
            ),
            production_weight: Some(0.0),
            test_weight: Some(100.0),
            breaker: Some(BreakerView {
                status: "TRIGGERED".into(),
                failure_count: 3,
                threshold: 3,
            }),
            triggered_alarms: vec!["native-404s".into()],
            target_revision: None,
            created: None,
        }
    }

    #[test]
    fn a_poll_tells_everything_ecs_gives_for_an_account_of_a_failure() {
        let lines: Vec<String> = news(&view(), "").into_iter().map(|(_, s)| s.line).collect();
        let all = lines.join("\n");
        for words in [
            "service deployment abc ROLLBACK_IN_PROGRESS: Service deployment rolled back because the hook timed out.",
            "PAUSE hook ecs-pause-1 at POST_TEST_TRAFFIC_SHIFT AWAITING_ACTION (times out 2026-11-28T10:00:00Z, then ROLLBACK)",
            "test traffic on green: 100%",
            "production traffic on green: 0%",
            "ECS rolls service deployment abc back to arn:aws:ecs:us-east-1:1:service-revision/demo/native/1: PAUSE hook timed out",
            "deployment alarm 'native-404s' fired (ECS)",
            "circuit breaker TRIGGERED: 3 tasks failed to start (threshold 3)",
        ] {
            assert!(all.contains(words), "{words:?} missing from:\n{all}");
        }
    }

    #[test]
    fn a_finished_hook_says_no_timeout_nor_a_stage_and_each_thing_is_keyed_once() {
        let mut v = view();
        v.hooks[0].status = "SUCCEEDED".into();
        let seen = news(&v, "");
        let hook = seen
            .iter()
            .find(|(_, s)| s.line.contains("ecs-pause-1"))
            .map(|(_, s)| s.line.clone());
        assert_eq!(hook.as_deref(), Some("PAUSE hook ecs-pause-1 SUCCEEDED"));
        let keys: std::collections::HashSet<_> = seen.iter().map(|(_, s)| s.key.clone()).collect();
        assert_eq!(keys.len(), seen.len(), "every line has its own key");
    }
}
