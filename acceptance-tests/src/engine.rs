//! The set-up shared by the engine tests (`tests/engine.rs`): an emulator, the provider's AWS layer pointed
//! at it, a rollout spec as the resource would build it, and ways to hold, interrupt or kill a rollout and to
//! read what production serves afterwards — without Terraform in between.
//!
//! The emulator runs on its own runtime (as in [`crate::emulator`]); the engine runs on a second runtime that
//! stands for the provider process, so aborting a rollout there is what a killed provider leaves behind.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use ecsbg::aws::pace::Pacer;
use ecsbg::aws::sdk::Sdk;
use ecsbg::aws::settings::Endpoints;
use ecsbg::aws::{Aws, AwsSettings, DeploymentView, GroupInfo, Purpose};
use ecsbg::gate::{CommandCheck, HttpCheck, TestGate};
use ecsbg::plugin::stop::StopSignal;
use ecsbg::rollout::appspec::AppSpec;
use ecsbg::rollout::{rollout_description, OnInterrupt, RolloutReport, RolloutSpec, WaitFor};
use ecsbg_emulator::seed::SeedDeploymentConfig;
use ecsbg_emulator::{Behaviour, Seed};
use serde_json::{json, Value};

use crate::emulator::{demo_seed, http_get, wait_until, Running};

/// The CodeDeploy application of the demo seed.
pub const APP: &str = "web";
/// Its blue/green deployment group.
pub const GROUP: &str = "web-prod";
/// The alarm the group watches: 4xx answers through the `web` load balancer.
pub const ALARM: &str = "web-404s";
/// A canary config of the engine seed: half of production on green for five (emulated) minutes — five real
/// seconds, a window wide enough to act in mid-shift, and every other production request reaching green.
pub const CANARY: &str = "Engine.Canary50Percent5Minutes";
/// The same canary held for thirty (emulated) minutes, for a case that waits on CloudWatch during the shift:
/// half a minute of real time leaves the alarm room even on a loaded machine, and a passing case ends when
/// the alarm fires, not when the canary does.
pub const SLOW_CANARY: &str = "Engine.Canary50Percent30Minutes";
/// A CodeDeploy minute per real second, as the Terraform-driven tests use.
pub const SCALE: f64 = 60.0;
/// The rollout timeout a spec gets: far beyond any case, so that it never decides one.
pub const TIMEOUT: Duration = Duration::from_secs(300);
/// How long a test waits for something the emulator or the engine must do.
pub const PATIENCE: Duration = Duration::from_secs(90);

/// The demo world (v1 live behind production and test listeners, the 404 alarm, a Ready wait that holds
/// traffic) with a one-minute termination wait and the [`CANARY`] and [`SLOW_CANARY`] configs.
pub fn engine_seed() -> anyhow::Result<Seed> {
    let mut seed = demo_seed()?;
    seed.deployment_groups[0].termination_wait_minutes = 1;
    for (name, minutes) in [(CANARY, 5), (SLOW_CANARY, 30)] {
        seed.deployment_configs.push(SeedDeploymentConfig {
            name: name.into(),
            kind: "TimeBasedCanary".into(),
            percentage: 50,
            interval_minutes: minutes,
        });
    }
    Ok(seed)
}

/// An emulator, the AWS layer pointed at it, and the group as it was before any rollout.
pub struct EngineRig {
    /// The emulator (its own runtime).
    pub emu: Running,
    /// The provider's AWS layer, as one provider process holds it.
    pub aws: Aws,
    /// The group before the test did anything: v1 live.
    pub group: GroupInfo,
    /// The engine's runtime: the provider process.
    runtime: tokio::runtime::Runtime,
    settings: AwsSettings,
    _credentials: tempfile::TempDir,
}

impl EngineRig {
    /// The [`engine_seed`] world.
    pub fn start() -> EngineRig {
        Self::start_with(engine_seed().expect("the engine seed"))
    }

    /// Starts an emulator seeded with `seed` on a free port and connects the AWS layer to it.
    pub fn start_with(seed: Seed) -> EngineRig {
        Self::start_behaving(seed, Behaviour::default())
    }

    /// Like [`start_with`](Self::start_with), with chosen emulator behaviours (e.g. CodeDeploy slow to poll
    /// alarms, so that only the engine can act on one).
    pub fn start_behaving(seed: Seed, behaviour: Behaviour) -> EngineRig {
        let emu = Running::start_with(seed, SCALE, behaviour).expect("the emulator starts");
        let credentials = tempfile::tempdir().expect("a temporary directory");
        let file = credentials.path().join("credentials");
        std::fs::write(
            &file,
            "[emulator]\naws_access_key_id = emulator\naws_secret_access_key = emulator\n",
        )
        .expect("the credentials file is written");
        let url = emu.emulator.endpoint_url();
        let settings = AwsSettings {
            region: Some("us-east-1".into()),
            profile: Some("emulator".into()),
            shared_credentials_files: vec![file.display().to_string()],
            max_retries: 3,
            endpoints: Endpoints {
                codedeploy: Some(url.clone()),
                ecs: Some(url.clone()),
                cloudwatch: Some(url.clone()),
                elbv2: Some(url.clone()),
                lambda: Some(url),
            },
            ..AwsSettings::default()
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("the engine runtime starts");
        let aws = runtime.block_on(Aws::connect(&settings));
        let group = runtime
            .block_on(aws.deployment_group(APP, GROUP, Purpose::Apply))
            .expect("the seeded deployment group reads as a blue/green ECS group");
        EngineRig {
            emu,
            aws,
            group,
            runtime,
            settings,
            _credentials: credentials,
        }
    }

    /// A fresh AWS layer, as a provider process started after a crash builds (no poller, pace or cache shared).
    pub fn connect(&self) -> Aws {
        self.runtime.block_on(Aws::connect(&self.settings))
    }

    /// Plain SDK clients for acting as someone else (a person at the console, another tool).
    pub fn sdk(&self) -> Sdk {
        self.runtime
            .block_on(Sdk::build(&self.settings, &Pacer::default(), false))
    }

    /// Runs a future on the engine's runtime.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    /// The v1 task definition serving production before the test.
    pub fn v1(&self) -> String {
        self.group
            .live_task_definition
            .clone()
            .expect("the seed serves v1")
    }

    /// Registers the `web` family at `version` (image tag, and `MESSAGE` = `Hello from <version>`), with
    /// extra container environment (`EMULATOR_STATUS` = `404` makes `/` answer 404); returns its ARN.
    pub fn register(&self, version: &str, env: &[(&str, &str)]) -> String {
        self.register_image(version, &format!("ghcr.io/acme/web:{version}"), env)
    }

    /// Like [`register`](Self::register) with the container's image given (an image reference containing
    /// `does-not-exist` is one the emulated ECS cannot pull).
    pub fn register_image(&self, version: &str, image: &str, env: &[(&str, &str)]) -> String {
        let mut environment =
            vec![json!({"name": "MESSAGE", "value": format!("Hello from {version}")})];
        environment.extend(
            env.iter()
                .map(|(name, value)| json!({"name": name, "value": value})),
        );
        let input = json!({
            "family": "web",
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": "256",
            "memory": "512",
            "containerDefinitions": [{
                "name": "web",
                "image": image,
                "portMappings": [{"containerPort": 80}],
                "environment": environment,
            }],
        });
        self.block_on(self.aws.register_task_definition(&input))
            .expect("ECS registers the revision")
    }

    /// The spec the resource would build to ship `task_definition_arn` with default settings: the group's
    /// alarms, no bake, roll back on interrupt, wait for Succeeded, the group's test listener.
    pub fn spec(&self, task_definition_arn: &str) -> RolloutSpec {
        RolloutSpec {
            application_name: APP.into(),
            deployment_group_name: GROUP.into(),
            appspec: AppSpec {
                task_definition_arn: task_definition_arn.into(),
                container_name: "web".into(),
                container_port: 80,
                ..AppSpec::default()
            },
            deployment_config_name: None,
            alarms: self.group.alarms.clone(),
            bake_time: Duration::ZERO,
            previous_task_definition_arn: self.group.live_task_definition.clone(),
            on_interrupt: OnInterrupt::Rollback,
            wait_for: WaitFor::Succeeded,
            timeout: TIMEOUT,
            test_url: self.group.test_url.clone(),
            description: rollout_description(APP, GROUP),
            ecs_target_id: Some(format!("{}:{}", self.group.cluster, self.group.service)),
            progress: None,
        }
    }

    /// Runs one rollout to its end on the rig's AWS layer, never interrupted.
    pub fn run(&self, spec: &RolloutSpec, gate: &TestGate) -> RolloutReport {
        let stop = StopSignal::new();
        self.block_on(ecsbg::rollout::run(
            &self.aws,
            spec,
            gate,
            None,
            &stop.token(),
        ))
    }

    /// Starts a rollout in the background on `aws` (as one apply of a provider process), to be held,
    /// interrupted or killed while the test watches.
    pub fn launch(
        &self,
        aws: &Aws,
        spec: &RolloutSpec,
        gate: &TestGate,
        adopt: Option<&str>,
    ) -> Launched {
        let stop = StopSignal::new();
        let token = stop.token();
        let (aws, spec, gate, adopt) = (
            aws.clone(),
            spec.clone(),
            gate.clone(),
            adopt.map(str::to_string),
        );
        let handle = self.runtime.spawn(async move {
            ecsbg::rollout::run(&aws, &spec, &gate, adopt.as_deref(), &token).await
        });
        Launched { handle, stop }
    }

    /// What production is served by, three ways: the provider's own read of the group (the PRIMARY task
    /// set's task definition), the emulator's picture of ECS, and an HTTP answer through the listener.
    pub fn production(&self) -> Production {
        let task_definition = self
            .block_on(self.aws.deployment_group(APP, GROUP, Purpose::Apply))
            .ok()
            .and_then(|g| g.live_task_definition);
        Production {
            task_definition,
            ecs_primary: crate::campaign::primary_task_definition(&self.emu, &self.group.service),
            answer: http_get(&self.emu.listener("web/production")),
        }
    }

    /// The group's deployments in flight, as the provider lists them (afresh).
    pub fn in_flight(&self) -> Vec<DeploymentView> {
        self.block_on(self.aws.deployments_in_flight(APP, GROUP, true))
            .expect("the deployments in flight can be listed")
    }

    /// Every deployment of the group as CodeDeploy answers GetDeployment (plain JSON on the wire, not the
    /// provider's reader): id, status, creator and description.
    pub fn deployments(&self) -> Vec<Value> {
        let listed = self.emu.codedeploy(
            "ListDeployments",
            &json!({"applicationName": APP, "deploymentGroupName": GROUP}),
        );
        listed["deployments"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(Value::as_str)
            .map(|id| {
                self.emu
                    .codedeploy("GetDeployment", &json!({"deploymentId": id}))["deploymentInfo"]
                    .clone()
            })
            .collect()
    }

    /// The emulator's picture of one deployment (status, lifecycle events, rollback info).
    pub fn picture(&self, id: &str) -> Value {
        crate::campaign::deployments(&self.emu)
            .into_iter()
            .find(|d| d["id"] == id)
            .unwrap_or(Value::Null)
    }

    /// The newest deployment created by a user (not a CodeDeploy rollback), as the emulator pictures it.
    pub fn newest(&self) -> Option<Value> {
        crate::campaign::deployments(&self.emu)
            .into_iter()
            .rev()
            .find(|d| d["creator"] == "user")
    }

    /// Waits (bounded by [`PATIENCE`]) until `check` holds; panics naming `what` otherwise.
    pub fn wait_for(&self, what: &str, check: impl FnMut() -> bool) {
        assert!(
            wait_until(PATIENCE, check),
            "{what}: not within {PATIENCE:?}"
        );
    }

    /// Waits until the newest user deployment has lifecycle event `event` in `status`, and returns its id.
    pub fn wait_for_event(&self, event: &str, status: &str) -> String {
        let mut id = String::new();
        self.wait_for(
            &format!("a deployment with {event} {status}"),
            || match self.newest() {
                Some(d) if event_status(&d, event) == status => {
                    id = d["id"].as_str().unwrap_or_default().to_string();
                    true
                }
                _ => false,
            },
        );
        id
    }

    /// Calls made so far to one `service.Operation`.
    pub fn calls(&self, operation: &str) -> u64 {
        self.emu.calls(operation)
    }
}

/// The status of lifecycle event `name` in the emulator's picture of a deployment.
pub fn event_status(deployment: &Value, name: &str) -> String {
    deployment["events"]
        .as_array()
        .and_then(|events| events.iter().find(|e| e["name"] == name))
        .and_then(|e| e["status"].as_str())
        .unwrap_or_default()
        .to_string()
}

/// What serves production, as [`EngineRig::production`] reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Production {
    /// The provider's read of the group (`live_task_definition`).
    pub task_definition: Option<String>,
    /// ECS's PRIMARY task set, by the emulator's state.
    pub ecs_primary: String,
    /// (status, body) of `GET /` through the production listener.
    pub answer: (u16, String),
}

impl Production {
    /// Production wholly on `task_definition`, answering `Hello from <version>`.
    pub fn on(task_definition: &str, version: &str) -> Production {
        Production {
            task_definition: Some(task_definition.to_string()),
            ecs_primary: task_definition.to_string(),
            answer: (200, format!("Hello from {version}")),
        }
    }
}

/// A rollout running in the background.
pub struct Launched {
    handle: tokio::task::JoinHandle<RolloutReport>,
    stop: StopSignal,
}

impl Launched {
    /// Fires the stop token, as Terraform's StopProvider does.
    pub fn interrupt(&self) {
        self.stop.stop();
    }

    /// Kills the rollout where it stands (its task is aborted, as the process dying would end it).
    pub fn kill(self, rig: &EngineRig) {
        self.handle.abort();
        let ended = rig.block_on(self.handle);
        assert!(
            ended.as_ref().is_err_and(|e| e.is_cancelled()),
            "the rollout was killed before it ended on its own: {ended:?}"
        );
    }

    /// Waits for the rollout's report.
    pub fn finish(self, rig: &EngineRig) -> RolloutReport {
        rig.block_on(async {
            tokio::time::timeout(PATIENCE, self.handle)
                .await
                .expect("the rollout ends")
                .expect("the rollout does not panic")
        })
    }
}

/// A gate check held shut by the test: its command notes that it started, then waits until released (up to
/// a minute), so a test can catch a rollout in the Ready wait with CodeDeploy holding production on blue.
pub struct HeldGate {
    dir: tempfile::TempDir,
}

impl HeldGate {
    /// A gate not yet released.
    pub fn new() -> HeldGate {
        HeldGate {
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    fn started_file(&self) -> PathBuf {
        self.dir.path().join("started")
    }

    fn allow_file(&self) -> PathBuf {
        self.dir.path().join("allow")
    }

    /// The gate: one command check that passes once released.
    pub fn gate(&self) -> TestGate {
        TestGate {
            http: Vec::new(),
            commands: vec![CommandCheck {
                argv: vec![
                    "sh".into(),
                    "-c".into(),
                    format!(
                        "touch {started}; i=0; while [ ! -f {allow} ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; test -f {allow}",
                        started = self.started_file().display(),
                        allow = self.allow_file().display(),
                    ),
                ],
                env: BTreeMap::new(),
                working_dir: None,
                timeout: Duration::from_secs(120),
            }],
        }
    }

    /// True once the gate's command has started (the rollout is in the Ready wait).
    pub fn started(&self) -> bool {
        self.started_file().exists()
    }

    /// Lets the gate pass.
    pub fn release(&self) {
        std::fs::write(self.allow_file(), "").expect("the gate file is written");
    }
}

impl Default for HeldGate {
    fn default() -> Self {
        Self::new()
    }
}

/// An HTTP check on `/` through the test listener that passes only on a body matching `body` (a regex).
pub fn body_check(body: &str) -> TestGate {
    TestGate {
        http: vec![HttpCheck {
            path: "/".into(),
            method: "GET".into(),
            headers: BTreeMap::new(),
            expect_status: 200,
            body_regex: Some(body.parse().expect("a valid regex")),
            attempts: 2,
            interval: Duration::from_millis(200),
            timeout: Duration::from_secs(5),
            url: None,
        }],
        commands: Vec::new(),
    }
}

/// Requests a URL through a listener on a thread of its own, as fast as it answers, until finished: users
/// hitting production (a path green answers 404 to fires the alarm).
pub struct Traffic {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<BTreeMap<u16, u32>>>,
}

impl Traffic {
    /// Starts requesting `url`.
    pub fn start(url: String) -> Traffic {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut statuses = BTreeMap::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    *statuses.entry(http_get(&url).0).or_insert(0) += 1;
                    std::thread::sleep(Duration::from_millis(5));
                }
                statuses
            })
        };
        Traffic {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops requesting; the answers by status.
    pub fn finish(mut self) -> BTreeMap<u16, u32> {
        self.halt()
    }

    fn halt(&mut self) -> BTreeMap<u16, u32> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for Traffic {
    fn drop(&mut self) {
        self.halt();
    }
}
