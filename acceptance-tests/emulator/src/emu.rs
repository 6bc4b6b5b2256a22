//! The shared emulator handle: the world, the network, the clock and the settings every handler and every
//! deployment engine uses.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use tokio::sync::Notify;

use crate::clock::Clock;
use crate::dataplane::DataPlane;
use crate::faults::Faults;
use crate::hooks::HookFunctions;
use crate::protocol::Service;
use crate::world::World;

/// Behaviours AWS does not document, as settings (see the crate README for the defaults' sources).
#[derive(Clone, Debug)]
pub struct Behaviour {
    /// How often CodeDeploy polls a deployment's alarms (emulated). Observed ~23 s.
    pub alarm_poll_interval: Duration,
    /// Whether alarms are watched during the termination wait (the aw5academy walkthrough relies on it).
    pub alarms_in_termination_wait: bool,
    /// How long a deployment stays Created before it starts (emulated). Observed ~3 s.
    pub start_delay: Duration,
    /// How long Install waits for the green tasks to be healthy before failing (emulated). AWS: 1 h.
    pub install_timeout: Duration,
    /// How often CloudWatch evaluates alarms (emulated).
    pub alarm_evaluation_interval: Duration,
    /// How long a hook may take before its event fails (emulated). AWS: 1 h.
    pub hook_timeout: Duration,
    /// Up to this much is added, at random, to every timed wait (start delay, termination wait), as real
    /// CodeDeploy's timings wander; the benchmark uses it so reaction times are measured at random phase.
    /// Default zero (tests want repeatable timings).
    pub wait_jitter: Duration,
    /// How long Install lingers after the green tasks are healthy (emulated; default 5 s). Fault tests lengthen
    /// it so that a signal can land while Install runs.
    pub install_settle: Duration,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            alarm_poll_interval: Duration::from_secs(23),
            alarms_in_termination_wait: true,
            start_delay: Duration::from_secs(3),
            install_timeout: Duration::from_secs(3600),
            alarm_evaluation_interval: Duration::from_secs(10),
            hook_timeout: Duration::from_secs(3600),
            wait_jitter: Duration::ZERO,
            install_settle: Duration::from_secs(5),
        }
    }
}

pub(crate) struct Inner {
    pub world: Mutex<World>,
    pub data: DataPlane,
    pub clock: Clock,
    pub hooks: HookFunctions,
    pub faults: Faults,
    pub calls: Mutex<BTreeMap<String, u64>>,
    pub journal: Mutex<std::collections::VecDeque<(std::time::SystemTime, String)>>,
    pub behaviour: Behaviour,
    pub endpoint: OnceLock<String>,
    /// Woken whenever a deployment is steered (Continue, Stop, hook status).
    pub steer: Notify,
}

/// Cheap to clone.
#[derive(Clone)]
pub struct Emu {
    pub(crate) inner: Arc<Inner>,
}

impl Emu {
    pub(crate) fn new(
        clock: Clock,
        hooks: HookFunctions,
        faults: Faults,
        behaviour: Behaviour,
    ) -> Self {
        Emu {
            inner: Arc::new(Inner {
                world: Mutex::new(World::default()),
                data: DataPlane::new(),
                clock,
                hooks,
                faults,
                calls: Mutex::new(BTreeMap::new()),
                journal: Mutex::new(std::collections::VecDeque::new()),
                behaviour,
                endpoint: OnceLock::new(),
                steer: Notify::new(),
            }),
        }
    }

    /// The world, locked.
    pub(crate) fn world(&self) -> MutexGuard<'_, World> {
        self.inner.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The network.
    pub fn data(&self) -> &DataPlane {
        &self.inner.data
    }

    /// The clock.
    pub fn clock(&self) -> Clock {
        self.inner.clock
    }

    /// The endpoint URL (set once serving).
    pub fn endpoint(&self) -> String {
        self.inner.endpoint.get().cloned().unwrap_or_default()
    }

    /// Counts one call.
    pub(crate) fn count(&self, service: Service, op: &str) {
        let mut calls = self.inner.calls.lock().unwrap_or_else(|p| p.into_inner());
        *calls.entry(format!("{}.{op}", service.name())).or_default() += 1;
        drop(calls);
        self.note(format!("call {}.{op}", service.name()));
    }

    /// Records a moment in the journal (wall clock), for measuring how fast a client reacts to it.
    pub fn note(&self, what: impl Into<String>) {
        const KEEP: usize = 200_000;
        let mut journal = self.inner.journal.lock().unwrap_or_else(|p| p.into_inner());
        if journal.len() >= KEEP {
            journal.pop_front();
        }
        journal.push_back((std::time::SystemTime::now(), what.into()));
    }

    /// What happened when: every API call (`call codedeploy.StopDeployment`) and every deployment reaching
    /// Ready or an end (`deployment d-… Ready`), in order.
    pub fn journal(&self) -> Vec<(std::time::SystemTime, String)> {
        self.inner
            .journal
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// Calls per `service.Operation` since start or the last reset.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.inner
            .calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Forgets the call counts.
    pub fn reset_calls(&self) {
        self.inner
            .calls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}
