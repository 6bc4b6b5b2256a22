//! The running tasks and each target group's registered targets: `DataPlane` registers them and answers
//! DescribeTargetHealth from them, and every listener picks healthy targets from them per request.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

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

/// Tasks by ARN and target groups' targets; cheap to clone (shared).
#[derive(Clone, Default)]
pub struct Targets {
    tasks: Arc<Mutex<HashMap<String, TaskEntry>>>,
    targets: Arc<Mutex<HashMap<String, Vec<SocketAddr>>>>,
}

/// Locks, carrying on past a poisoned lock (a panicked request must not take the network down).
pub fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Targets {
    /// Records a started task; `stop` ends its server.
    pub fn add_task(
        &self,
        task_arn: String,
        addr: SocketAddr,
        healthy: bool,
        stop: CancellationToken,
    ) {
        lock(&self.tasks).insert(
            task_arn,
            TaskEntry {
                addr,
                healthy,
                stop,
            },
        );
    }

    /// Stops a task: its port closes.
    pub fn stop_task(&self, task_arn: &str) {
        if let Some(entry) = lock(&self.tasks).remove(task_arn) {
            entry.stop.cancel();
        }
    }

    /// Stops every task.
    pub fn stop_all(&self) {
        for (_, task) in lock(&self.tasks).drain() {
            task.stop.cancel();
        }
    }

    /// Replaces a target group's registered targets.
    pub fn set_targets(&self, target_group_arn: &str, targets: Vec<SocketAddr>) {
        lock(&self.targets).insert(target_group_arn.to_string(), targets);
    }

    /// Health of a target group's targets.
    pub fn target_health(&self, target_group_arn: &str) -> Vec<TargetHealth> {
        let targets = lock(&self.targets)
            .get(target_group_arn)
            .cloned()
            .unwrap_or_default();
        let tasks = lock(&self.tasks);
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

    /// A target group's healthy targets, the ones a listener forwards to.
    pub fn healthy_targets(&self, target_group_arn: &str) -> Vec<SocketAddr> {
        let targets = lock(&self.targets)
            .get(target_group_arn)
            .cloned()
            .unwrap_or_default();
        let tasks = lock(&self.tasks);
        targets
            .into_iter()
            .filter(|addr| tasks.values().any(|t| t.addr == *addr && t.healthy))
            .collect()
    }
}
