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

    /// Adds what is new in a poll of the deployment: a stage entered, a production weight asked for (each
    /// LINEAR or CANARY step), a hook's new status, a new status.
    pub(super) fn saw(&mut self, spec: &NativeSpec, view: &ServiceDeploymentView, prefix: &str) {
        let id = crate::aws::short_id(&view.arn).to_string();
        if self.seen.insert(format!("{id} status {}", view.status)) {
            self.note(
                spec,
                Some(&view.arn),
                EntryKind::Status,
                format!("{prefix}service deployment {id} {}", view.status),
            );
        }
        if let Some(stage) = &view.stage {
            if self.seen.insert(format!("{id} stage {stage}")) {
                self.note(
                    spec,
                    Some(&view.arn),
                    EntryKind::Lifecycle,
                    format!("{prefix}lifecycle stage {stage}"),
                );
            }
        }
        if let Some(weight) = view.production_weight.filter(|w| *w > 0.0) {
            if self.seen.insert(format!("{id} production {weight}")) {
                self.note(
                    spec,
                    Some(&view.arn),
                    EntryKind::Traffic,
                    format!("{prefix}production traffic {weight}% on the new revision"),
                );
            }
        }
        for hook in &view.hooks {
            if self
                .seen
                .insert(format!("{id} hook {} {}", hook.id, hook.status))
            {
                let target = hook
                    .target_arn
                    .as_deref()
                    .map(|t| format!(" {t}"))
                    .unwrap_or_default();
                self.note(
                    spec,
                    Some(&view.arn),
                    EntryKind::Lifecycle,
                    format!(
                        "{prefix}{} hook {}{target} {}",
                        hook.target_type, hook.id, hook.status
                    ),
                );
            }
        }
    }
}
