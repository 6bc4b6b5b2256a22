//! A rollout's view of the poller: the observations of its deployment, and its alarms firing.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::watch;

use super::loops::{alarm_loop, deployment_loop};
use super::shared::{lock, subscribe, Inner, Observed};
use crate::aws::readers::AlarmState;

/// A rollout's view of one deployment.
pub struct DeploymentFeed {
    id: String,
    rx: watch::Receiver<Observed>,
    inner: Arc<Inner>,
    paused: bool,
}

impl DeploymentFeed {
    /// Subscribes to `id`, starting the deployment loop when it is not running.
    pub(super) fn subscribe(inner: &Arc<Inner>, id: &str) -> DeploymentFeed {
        let (rx, start_loop) = subscribe(inner, id);
        if start_loop {
            tokio::spawn(deployment_loop(inner.clone()));
        }
        DeploymentFeed {
            id: id.to_string(),
            rx,
            inner: inner.clone(),
            paused: false,
        }
    }

    /// Waits for the poller's next observation of this deployment. Cancel-safe.
    pub async fn next(&mut self) -> Observed {
        if self.rx.changed().await.is_err() {
            // The poller dropped this id (it cannot while the feed lives, but be safe): subscribe again.
            *self = DeploymentFeed::subscribe(&self.inner, &self.id);
            return Observed::Pending;
        }
        self.rx.borrow_and_update().clone()
    }

    /// Stops polling this deployment while the rollout is busy elsewhere; the saved budget makes the polls
    /// after [`resume`](Self::resume) quicker.
    pub fn pause(&mut self) {
        if !self.paused {
            self.paused = true;
            if let Some(sub) = lock(&self.inner.state).deployments.get_mut(&self.id) {
                sub.paused += 1;
            }
        }
    }

    /// Polls again after [`pause`](Self::pause).
    pub fn resume(&mut self) {
        if self.paused {
            self.paused = false;
            if let Some(sub) = lock(&self.inner.state).deployments.get_mut(&self.id) {
                sub.paused = sub.paused.saturating_sub(1);
            }
        }
    }
}

impl Drop for DeploymentFeed {
    fn drop(&mut self) {
        self.resume();
    }
}

/// A rollout's view of its alarms.
pub struct AlarmFeed {
    names: Vec<String>,
    rx: watch::Receiver<Arc<HashMap<String, AlarmState>>>,
    inner: Arc<Inner>,
}

impl AlarmFeed {
    /// Watches `names`, starting the alarm loop when it is not running.
    pub(super) fn subscribe(inner: &Arc<Inner>, names: &[String]) -> AlarmFeed {
        let mut state = lock(&inner.state);
        for name in names {
            *state.alarm_names.entry(name.clone()).or_default() += 1;
        }
        if !names.is_empty() && !state.alarm_loop {
            state.alarm_loop = true;
            tokio::spawn(alarm_loop(inner.clone()));
        }
        AlarmFeed {
            names: names.to_vec(),
            rx: inner.alarms.subscribe(),
            inner: inner.clone(),
        }
    }

    /// The watched alarms in ALARM right now, described, or None.
    pub fn firing_now(&self) -> Option<String> {
        describe_firing(&self.names, &self.rx.borrow())
    }

    /// Resolves with a description once one of the alarms is in ALARM; never resolves without alarms.
    /// Cancel-safe.
    pub async fn firing(&mut self) -> String {
        if self.names.is_empty() {
            return std::future::pending().await;
        }
        loop {
            if self.rx.changed().await.is_err() {
                return std::future::pending().await;
            }
            if let Some(firing) = describe_firing(&self.names, &self.rx.borrow_and_update()) {
                return firing;
            }
        }
    }
}

impl Drop for AlarmFeed {
    fn drop(&mut self) {
        let mut state = lock(&self.inner.state);
        for name in &self.names {
            if let Some(count) = state.alarm_names.get_mut(name) {
                *count -= 1;
                if *count == 0 {
                    state.alarm_names.remove(name);
                }
            }
        }
    }
}

fn describe_firing(names: &[String], states: &HashMap<String, AlarmState>) -> Option<String> {
    let firing: Vec<String> = names
        .iter()
        .filter_map(|n| {
            states
                .get(n)
                .filter(|s| s.firing())
                .map(|s| format!("'{n}' ({})", s.reason))
        })
        .collect();
    (!firing.is_empty()).then(|| firing.join(", "))
}
