//! How a rollout keeps its timeline: each line is logged at INFO, kept for the report and sent to the
//! progress stream as it is said; lifecycle events come in from every read of the deployment's target with
//! CodeDeploy's own times, and once the rollout ends the targets are read once more so that a deployment
//! faster than the polls still shows every event. The first INFO line names the deployment and links to
//! it in the AWS console.

use std::time::Duration;

use super::engine::Rollout;
use super::progress::{now_epoch, ProgressEvent};
use super::report::{EntryKind, TimelineEntry};
use super::timeline::{lifecycle_happenings, Happening};
use crate::aws::TargetView;

/// How long the closing reads of the targets may take in all: a rollout that ended must not hang on them.
const REBUILD_WITHIN: Duration = Duration::from_secs(10);

impl Rollout<'_> {
    /// Records a line of no particular kind.
    pub(super) fn note(&mut self, what: impl Into<String>) {
        self.note_as(EntryKind::Note, what);
    }

    /// Records a line said now: logged at INFO (visible with TF_LOG), kept, and streamed.
    pub(super) fn note_as(&mut self, kind: EntryKind, what: impl Into<String>) {
        self.record(now_epoch(), kind, what.into());
    }

    /// The first INFO line of a rollout: the deployment and where to watch it in the AWS console.
    pub(super) fn announce(&self, id: &str, verb: &str) {
        let console = self.aws.console_link(id);
        tracing::info!(
            deployment_id = %id,
            console = %console,
            "rollout of {}:{} {verb} deployment {id}; follow it at {console}",
            self.spec.application_name,
            self.spec.deployment_group_name
        );
    }

    /// Records what a read of deployment `id`'s target shows that was not said yet, at CodeDeploy's times.
    pub(super) fn heard(&mut self, id: &str, target: &TargetView) {
        let rollback = self.rollback_deployment_id.as_deref() == Some(id)
            && self.deployment_id.as_deref() != Some(id);
        for Happening {
            at_epoch,
            kind,
            what,
        } in lifecycle_happenings(id, target, rollback, &mut self.said)
        {
            self.record(at_epoch, kind, what);
        }
    }

    /// Reads the targets of the deployment and its rollback once more, records what the polls missed, and
    /// puts the timeline in time order (ties keep the order they were said in).
    pub(super) async fn rebuild_timeline(&mut self) {
        let ids: Vec<String> = [&self.deployment_id, &self.rollback_deployment_id]
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        let reads = async {
            for id in &ids {
                self.target(id).await;
            }
        };
        if tokio::time::timeout(REBUILD_WITHIN, reads).await.is_err() {
            tracing::debug!("the closing read of the lifecycle events timed out");
        }
        self.timeline
            .sort_by(|a, b| a.at_seconds.total_cmp(&b.at_seconds));
    }

    fn record(&mut self, at_epoch: f64, kind: EntryKind, what: String) {
        let deployment_id = self.deployment_id.clone().unwrap_or_default();
        tracing::info!(deployment_id = %deployment_id, kind = kind.word(), "{what}");
        if let Some(sink) = &self.spec.progress {
            sink.send(&ProgressEvent {
                at_epoch,
                application: self.spec.application_name.clone(),
                group: self.spec.deployment_group_name.clone(),
                deployment_id: self.deployment_id.clone(),
                kind,
                what: what.clone(),
            });
        }
        // Negative for what an adopted deployment did before this rollout began: it happened first.
        let since = at_epoch - self.started_epoch;
        self.timeline.push(TimelineEntry {
            at_seconds: (since * 10.0).round() / 10.0,
            kind,
            what,
        });
    }
}
