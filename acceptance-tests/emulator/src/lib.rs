//! A local AWS emulator that runs real CodeDeploy blue/green deployments of ECS services on loopback.
//!
//! One HTTP port serves ECS, CodeDeploy, ELBv2 and CloudWatch as the AWS SDKs and CLI send them. Tasks are
//! real HTTP servers, listeners are real ports forwarding by weight, alarms are evaluated from the traffic the
//! listeners really carry, and a time scale makes CodeDeploy's minutes pass in seconds. See README.md.

pub mod alarm_eval;
pub mod clock;
pub mod dataplane;
pub mod demo;
mod emu;
pub mod faults;
pub mod hooks;
mod lifecycle;
mod native;
pub mod protocol;
pub mod seed;
mod server;
mod services;
mod sha256;
mod snapshot;
mod task_failures;
mod world;

use std::collections::BTreeMap;
use std::net::SocketAddr;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

pub use emu::Behaviour;
pub use seed::{ListenerInfo, Seed, SeedReport};

use clock::Clock;
use emu::Emu;
use faults::Faults;
use hooks::HookFunctions;

/// How to start an emulator.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// Where to listen (port 0 = any free port).
    pub bind: SocketAddr,
    /// Emulated seconds per real second.
    pub time_scale: f64,
    /// The world to create at start.
    pub seed: Seed,
    /// Behaviours AWS does not document.
    pub behaviour: Behaviour,
    /// Seed for fault injection's random choices.
    pub rng_seed: u64,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            time_scale: 1.0,
            seed: Seed::default(),
            behaviour: Behaviour::default(),
            rng_seed: 1,
        }
    }
}

/// A running emulator; stops when `shutdown` is called (or, less tidily, when the runtime ends).
pub struct Emulator {
    emu: Emu,
    addr: SocketAddr,
    report: SeedReport,
    stop: CancellationToken,
    /// Stops the AWS API server alone (a child of `stop`), so an outage can take it down and bring it back.
    api: std::sync::Mutex<CancellationToken>,
}

impl Emulator {
    /// Binds, starts serving, applies the seed and returns once everything is reachable.
    pub async fn start(config: EmulatorConfig) -> anyhow::Result<Emulator> {
        let listener = tokio::net::TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let emu = Emu::new(
            Clock::new(config.time_scale),
            HookFunctions::new(config.seed.functions.clone()),
            Faults::new(config.rng_seed),
            config.behaviour.clone(),
        );
        let _ = emu.inner.endpoint.set(server::endpoint_url(addr));
        let stop = CancellationToken::new();
        let api = stop.child_token();
        tokio::spawn(server::serve(emu.clone(), listener, api.clone()));
        let evaluator = emu.clone();
        let evaluator_stop = stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = services::cloudwatch::evaluate_forever(evaluator) => {}
                _ = evaluator_stop.cancelled() => {}
            }
        });
        let report = seed::apply(&emu, &config.seed).await?;
        Ok(Emulator {
            emu,
            addr,
            report,
            stop,
            api: std::sync::Mutex::new(api),
        })
    }

    /// Takes the AWS API down for `outage`, as an endpoint restarting looks to a client: the port refuses
    /// connections and open ones are cut, then it serves again on the same port. The world is kept and keeps
    /// moving meanwhile (deployments run on, listeners serve), as AWS's own state does.
    pub async fn api_outage(&self, outage: std::time::Duration) -> anyhow::Result<()> {
        let fresh = self.stop.child_token();
        let old = std::mem::replace(
            &mut *self.api.lock().unwrap_or_else(|p| p.into_inner()),
            fresh.clone(),
        );
        old.cancel();
        self.emu.note("api down".to_string());
        tokio::time::sleep(outage).await;
        let listener = tokio::net::TcpListener::bind(self.addr).await?;
        tokio::spawn(server::serve(self.emu.clone(), listener, fresh));
        self.emu.note("api up".to_string());
        Ok(())
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint_url(&self) -> String {
        server::endpoint_url(self.addr)
    }

    /// The environment a client needs: endpoints for every service, dummy credentials, a region.
    pub fn env(&self) -> Vec<(String, String)> {
        let url = self.endpoint_url();
        let mut env: Vec<(String, String)> = [
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_ECS",
            "AWS_ENDPOINT_URL_CODEDEPLOY",
            "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
            "AWS_ENDPOINT_URL_CLOUDWATCH",
            "AWS_ENDPOINT_URL_LAMBDA",
        ]
        .into_iter()
        .map(|k| (k.to_string(), url.clone()))
        .collect();
        for (k, v) in [
            ("AWS_ACCESS_KEY_ID", "emulator"),
            ("AWS_SECRET_ACCESS_KEY", "emulator"),
            ("AWS_REGION", "us-east-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ] {
            env.push((k.to_string(), v.to_string()));
        }
        env
    }

    /// What the seed created.
    pub fn seed_report(&self) -> &SeedReport {
        &self.report
    }

    /// The network.
    pub fn data_plane(&self) -> &dataplane::DataPlane {
        self.emu.data()
    }

    /// Fault injection.
    pub fn faults(&self) -> &Faults {
        &self.emu.inner.faults
    }

    /// Calls per `service.Operation`.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.emu.calls()
    }

    /// Forgets the call counts.
    pub fn reset_calls(&self) {
        self.emu.reset_calls()
    }

    /// Every API call and every deployment reaching Ready or an end, with wall-clock times (for measuring
    /// how fast a client reacts).
    pub fn journal(&self) -> Vec<(std::time::SystemTime, String)> {
        self.emu.journal()
    }

    /// Sets an alarm's state as CloudWatch's SetAlarmState does (journaled as `alarm NAME STATE`).
    pub fn set_alarm_state(&self, name: &str, state: &str, reason: &str) -> anyhow::Result<()> {
        services::cloudwatch::handle(
            &self.emu,
            "SetAlarmState",
            &serde_json::json!({"AlarmName": name, "StateValue": state, "StateReason": reason}),
        )
        .map(|_| ())
        .map_err(|e| anyhow::anyhow!("SetAlarmState: {e:?}"))
    }

    /// A JSON picture of the world (services, task sets, deployments, listeners, alarms).
    pub fn snapshot(&self) -> Value {
        snapshot::snapshot(&self.emu.world())
    }

    /// Stops serving and closes every listener and task.
    pub async fn shutdown(self) {
        self.stop.cancel();
        self.emu.data().shutdown().await;
    }
}
