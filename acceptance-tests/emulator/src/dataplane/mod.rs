//! The emulator's real network: every ECS task is an HTTP server on loopback, every listener a real port that
//! forwards by weight to the tasks of its target groups, recording ALB metrics as it goes.

mod listener;
mod metrics;
mod rules;
mod spec;
mod targets;
mod task;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

pub use metrics::{Metrics, Statistics};
pub use rules::{RuleCondition, RuleSpec};
pub use spec::{ListenerSpec, TaskSpec, WeightedTargetGroup};
pub use targets::TargetHealth;

use targets::{lock, Targets};

#[derive(Default)]
struct Inner {
    targets: Targets,
    listeners: Mutex<HashMap<String, Arc<listener::ListenerState>>>,
    metrics: Metrics,
}

/// Shared handle (cheap to clone) to the emulator's network.
#[derive(Clone, Default)]
pub struct DataPlane {
    inner: Arc<Inner>,
}

impl DataPlane {
    /// An empty network.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts one task as a real HTTP server on 127.0.0.1.
    pub async fn start_task(&self, spec: TaskSpec) -> std::io::Result<SocketAddr> {
        let healthy = spec
            .environment
            .get("EMULATOR_UNHEALTHY")
            .map(|v| v != "true")
            .unwrap_or(true)
            && !spec.never_healthy;
        let stop = CancellationToken::new();
        let addr = task::serve(spec.clone(), stop.clone()).await?;
        self.inner
            .targets
            .add_task(spec.task_arn, addr, healthy, stop);
        Ok(addr)
    }

    /// Stops a task: its port closes.
    pub fn stop_task(&self, task_arn: &str) {
        self.inner.targets.stop_task(task_arn);
    }

    /// Replaces a target group's registered targets.
    pub fn set_targets(&self, target_group_arn: &str, targets: Vec<SocketAddr>) {
        self.inner.targets.set_targets(target_group_arn, targets);
    }

    /// Health of a target group's targets.
    pub fn target_health(&self, target_group_arn: &str) -> Vec<TargetHealth> {
        self.inner.targets.target_health(target_group_arn)
    }

    /// Binds a listener on 127.0.0.1 and returns the bound port.
    pub async fn bind_listener(&self, spec: ListenerSpec) -> std::io::Result<u16> {
        let state = Arc::new(listener::ListenerState::new(
            spec.load_balancer_dimension.clone(),
        ));
        let port = listener::serve(
            self.inner.targets.clone(),
            self.metrics(),
            state.clone(),
            spec.port,
        )
        .await?;
        lock(&self.inner.listeners).insert(spec.listener_arn, state);
        Ok(port)
    }

    /// Sets a listener's weighted forward action; the next request follows it.
    pub fn set_forward(&self, listener_arn: &str, forward: Vec<WeightedTargetGroup>) {
        if let Some(state) = lock(&self.inner.listeners).get(listener_arn) {
            state.set_forward(forward);
        }
    }

    /// Sets a listener's non-default rules (priority order, conditions, weighted forwards).
    pub fn set_rules(&self, listener_arn: &str, rules: Vec<RuleSpec>) {
        if let Some(state) = lock(&self.inner.listeners).get(listener_arn) {
            state.set_rules(rules);
        }
    }

    /// Closes a listener's port.
    pub fn close_listener(&self, listener_arn: &str) {
        if let Some(state) = lock(&self.inner.listeners).remove(listener_arn) {
            state.stop.cancel();
        }
    }

    /// The metrics the listeners record.
    pub fn metrics(&self) -> Metrics {
        self.inner.metrics.clone()
    }

    /// Closes every listener and task.
    pub async fn shutdown(&self) {
        for (_, state) in lock(&self.inner.listeners).drain() {
            state.stop.cancel();
        }
        self.inner.targets.stop_all();
    }
}
