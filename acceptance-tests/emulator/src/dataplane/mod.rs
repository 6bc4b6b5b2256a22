//! The emulator's real network: every ECS task is an HTTP server on loopback, every listener a real port that
//! forwards by weight to the tasks of its target groups, recording ALB metrics as it goes.

mod listener;
mod metrics;
mod task;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

pub use metrics::{Metrics, Statistics};

/// What a task serves, from its container definition.
#[derive(Clone, Debug)]
pub struct TaskSpec {
    /// The task's ARN.
    pub task_arn: String,
    /// Its task definition.
    pub task_definition_arn: String,
    /// The container the load balancer targets.
    pub container_name: String,
    /// That container's environment (`MESSAGE`, `EMULATOR_*`).
    pub environment: BTreeMap<String, String>,
    /// The target group's health check path.
    pub health_check_path: String,
}

/// A listener to bind.
#[derive(Clone, Debug)]
pub struct ListenerSpec {
    /// The listener's ARN.
    pub listener_arn: String,
    /// Port on 127.0.0.1 (0 = any free port).
    pub port: u16,
    /// `app/<name>/<id>`, the LoadBalancer metric dimension.
    pub load_balancer_dimension: String,
}

/// One weighted target group of a forward action.
#[derive(Clone, Debug, PartialEq)]
pub struct WeightedTargetGroup {
    /// Its ARN.
    pub target_group_arn: String,
    /// `targetgroup/<name>/<id>`, the TargetGroup metric dimension.
    pub target_group_dimension: String,
    /// 0..=999.
    pub weight: u32,
}

/// What DescribeTargetHealth reports for one target.
#[derive(Clone, Debug)]
pub struct TargetHealth {
    /// The task's address.
    pub addr: SocketAddr,
    /// `healthy` or `unhealthy`.
    pub state: String,
    /// Why, when unhealthy.
    pub reason: Option<String>,
}

struct TaskEntry {
    addr: SocketAddr,
    healthy: bool,
    stop: CancellationToken,
}

#[derive(Default)]
struct Inner {
    tasks: Mutex<HashMap<String, TaskEntry>>,
    targets: Mutex<HashMap<String, Vec<SocketAddr>>>,
    listeners: Mutex<HashMap<String, Arc<listener::ListenerState>>>,
    metrics: Metrics,
}

/// Shared handle (cheap to clone) to the emulator's network.
#[derive(Clone, Default)]
pub struct DataPlane {
    inner: Arc<Inner>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
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
            .unwrap_or(true);
        let stop = CancellationToken::new();
        let addr = task::serve(spec.clone(), stop.clone()).await?;
        lock(&self.inner.tasks).insert(
            spec.task_arn,
            TaskEntry {
                addr,
                healthy,
                stop,
            },
        );
        Ok(addr)
    }

    /// Stops a task: its port closes.
    pub fn stop_task(&self, task_arn: &str) {
        if let Some(entry) = lock(&self.inner.tasks).remove(task_arn) {
            entry.stop.cancel();
        }
    }

    /// Replaces a target group's registered targets.
    pub fn set_targets(&self, target_group_arn: &str, targets: Vec<SocketAddr>) {
        lock(&self.inner.targets).insert(target_group_arn.to_string(), targets);
    }

    /// Health of a target group's targets.
    pub fn target_health(&self, target_group_arn: &str) -> Vec<TargetHealth> {
        let targets = lock(&self.inner.targets)
            .get(target_group_arn)
            .cloned()
            .unwrap_or_default();
        let tasks = lock(&self.inner.tasks);
        targets
            .into_iter()
            .map(|addr| {
                let healthy = tasks.values().any(|t| t.addr == addr && t.healthy);
                TargetHealth {
                    addr,
                    state: if healthy { "healthy" } else { "unhealthy" }.to_string(),
                    reason: (!healthy).then(|| "Target.FailedHealthChecks".to_string()),
                }
            })
            .collect()
    }

    fn healthy_targets(&self, target_group_arn: &str) -> Vec<SocketAddr> {
        let targets = lock(&self.inner.targets)
            .get(target_group_arn)
            .cloned()
            .unwrap_or_default();
        let tasks = lock(&self.inner.tasks);
        targets
            .into_iter()
            .filter(|addr| tasks.values().any(|t| t.addr == *addr && t.healthy))
            .collect()
    }

    /// Binds a listener on 127.0.0.1 and returns the bound port.
    pub async fn bind_listener(&self, spec: ListenerSpec) -> std::io::Result<u16> {
        let state = Arc::new(listener::ListenerState::new(
            spec.load_balancer_dimension.clone(),
        ));
        let port = listener::serve(self.clone(), state.clone(), spec.port).await?;
        lock(&self.inner.listeners).insert(spec.listener_arn, state);
        Ok(port)
    }

    /// Sets a listener's weighted forward action; the next request follows it.
    pub fn set_forward(&self, listener_arn: &str, forward: Vec<WeightedTargetGroup>) {
        if let Some(state) = lock(&self.inner.listeners).get(listener_arn) {
            state.set_forward(forward);
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
        for (_, task) in lock(&self.inner.tasks).drain() {
            task.stop.cancel();
        }
    }
}
