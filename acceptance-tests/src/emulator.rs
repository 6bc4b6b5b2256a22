//! The local AWS emulator, run on its own runtime so synchronous tests can drive `terraform` beside it.

use std::time::{Duration, Instant};

use ecsbg_emulator::{Emulator, EmulatorConfig, Seed};

/// Every lifecycle event of a CodeDeploy ECS target, in order: what tests expect the provider to report,
/// written here once and independently of the emulator's own list.
pub const ECS_LIFECYCLE_EVENTS: [&str; 8] = [
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "AllowTestTraffic",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AllowTraffic",
    "AfterAllowTraffic",
];

/// A running emulator seeded with the demo story.
pub struct Running {
    /// The emulator.
    pub emulator: Emulator,
    runtime: tokio::runtime::Runtime,
}

/// The demo seed lives in the emulator crate, for its own tests and these alike.
pub use ecsbg_emulator::demo::{demo_seed, native_demo_seed};

impl Running {
    /// Starts the emulator with `seed` at `scale` emulated seconds per real second.
    pub fn start(seed: Seed, scale: f64) -> anyhow::Result<Running> {
        Self::start_with(seed, scale, ecsbg_emulator::Behaviour::default())
    }

    /// Like [`start`](Self::start), with chosen undocumented behaviours (timing jitter, alarm polling).
    pub fn start_with(
        seed: Seed,
        scale: f64,
        behaviour: ecsbg_emulator::Behaviour,
    ) -> anyhow::Result<Running> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let emulator = runtime.block_on(Emulator::start(EmulatorConfig {
            time_scale: scale,
            seed,
            behaviour,
            ..EmulatorConfig::default()
        }))?;
        Ok(Running { emulator, runtime })
    }

    /// The URL of `<lb>/<listener label>`.
    pub fn listener(&self, name: &str) -> String {
        self.emulator
            .seed_report()
            .listeners
            .get(name)
            .map(|l| l.url.clone())
            .unwrap_or_default()
    }

    /// GET over a fresh connection: (status, body).
    pub fn get(&self, url: &str) -> (u16, String) {
        http_get(url)
    }

    /// Calls to one `service.Operation` so far.
    pub fn calls(&self, op: &str) -> u64 {
        self.emulator.calls().get(op).copied().unwrap_or(0)
    }

    /// A Terraform workspace using `provider` (dev_overrides) with this emulator's endpoints and credentials.
    pub fn workspace(
        &self,
        provider: &std::path::Path,
    ) -> anyhow::Result<crate::terraform::Workspace> {
        let mut ws =
            crate::terraform::Workspace::new(provider, crate::terraform::Install::DevOverrides)?;
        for (k, v) in self.emulator.env() {
            ws.env(&k, &v);
        }
        Ok(ws)
    }

    /// One ECS call with the exact JSON ECS takes (awsJson1_1 over a plain socket); panics unless it succeeds.
    pub fn ecs(&self, operation: &str, body: &serde_json::Value) -> serde_json::Value {
        self.aws_json(
            &format!("AmazonEC2ContainerServiceV20141113.{operation}"),
            body,
        )
    }

    /// One ECS call that may fail: the parsed answer, or AWS's error body.
    pub fn try_ecs(
        &self,
        operation: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        self.try_aws_json(
            &format!("AmazonEC2ContainerServiceV20141113.{operation}"),
            body,
        )
    }

    /// One CodeDeploy call with the exact JSON CodeDeploy takes; panics unless it succeeds.
    pub fn codedeploy(&self, operation: &str, body: &serde_json::Value) -> serde_json::Value {
        self.aws_json(&format!("CodeDeploy_20141006.{operation}"), body)
    }

    /// One CodeDeploy call that may fail: the parsed answer, or AWS's error body.
    pub fn try_codedeploy(
        &self,
        operation: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        self.try_aws_json(&format!("CodeDeploy_20141006.{operation}"), body)
    }

    /// One awsJson1_1 call by `X-Amz-Target`; panics unless it succeeds.
    fn aws_json(&self, target: &str, body: &serde_json::Value) -> serde_json::Value {
        self.try_aws_json(target, body)
            .unwrap_or_else(|e| panic!("{target} failed: {e}"))
    }

    /// One awsJson1_1 call by `X-Amz-Target`, over a plain socket.
    fn try_aws_json(
        &self,
        target: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        use std::io::{Read, Write};
        let endpoint = self.emulator.endpoint_url();
        let host = endpoint.trim_start_matches("http://").to_string();
        let payload = body.to_string();
        let mut stream =
            std::net::TcpStream::connect(&host).map_err(|e| format!("connect {host}: {e}"))?;
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: {target}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
            payload.len()
        );
        stream
            .write_all(request.as_bytes())
            .map_err(|e| format!("write: {e}"))?;
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        if !head.starts_with("HTTP/1.1 200") {
            return Err(format!("{head}\n{body}"));
        }
        Ok(serde_json::from_str(body).unwrap_or(serde_json::Value::Null))
    }

    /// Runs a future on the emulator's runtime.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }
}

/// A minimal HTTP/1.1 GET (Connection: close) — real traffic through a listener.
pub fn http_get(url: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let rest = url.trim_start_matches("http://");
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap_or((rest, "/".to_string()));
    let Ok(mut stream) = std::net::TcpStream::connect(host) else {
        return (0, String::new());
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    );
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Requests a page that does not exist on `listener` every 20 ms for `limit`, or until `done` says so, so the
/// group's 404 alarm fires: the bad release tests and the bench use to make a rollout go wrong.
pub fn not_found_burst(listener: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + limit;
    while Instant::now() < until && !done() {
        http_get(&format!("{listener}/does-not-exist"));
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A Lambda function for deployment hooks that runs `script` under `sh -c` (what a hook test needs: fail, or
/// record the payload it was given on stdin).
pub fn shell_function(name: &str, script: &str) -> ecsbg_emulator::hooks::FunctionSpec {
    ecsbg_emulator::hooks::FunctionSpec {
        name: name.into(),
        command: Some(vec!["sh".into(), "-c".into(), script.into()]),
        url: None,
        env: Default::default(),
    }
}

/// Polls `check` until it is true or `limit` passes.
pub fn wait_until(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

impl Drop for Running {
    fn drop(&mut self) {
        self.runtime.block_on(self.emulator.data_plane().shutdown());
    }
}

/// A seed with `n` copies of the demo service (`web0` … `web{n-1}`), each with its own load balancer,
/// target groups, task definition family, service, and deployment group `web{i}-prod` in application `web`.
pub fn many_services_seed(n: usize) -> anyhow::Result<Seed> {
    let demo = demo_seed()?;
    let mut seed = Seed {
        clusters: demo.clusters.clone(),
        applications: demo.applications.clone(),
        ..Seed::default()
    };
    for i in 0..n {
        let name = format!("web{i}");
        for tg in &demo.target_groups {
            let mut tg = tg.clone();
            tg.name = tg.name.replace("web", &name);
            seed.target_groups.push(tg);
        }
        let mut lb = demo.load_balancers[0].clone();
        lb.name = name.clone();
        for l in lb.listeners.iter_mut() {
            l.target_group = l.target_group.replace("web", &name);
        }
        seed.load_balancers.push(lb);
        let mut td = demo.task_definitions[0].clone();
        td["family"] = serde_json::json!(name);
        seed.task_definitions.push(td);
        let mut svc = demo.services[0].clone();
        svc.name = name.clone();
        svc.task_definition = name.clone();
        svc.target_group = svc.target_group.replace("web", &name);
        svc.desired_count = 1;
        seed.services.push(svc);
        let mut g = demo.deployment_groups[0].clone();
        g.name = format!("{name}-prod");
        g.service = name.clone();
        g.target_groups = [format!("{name}-blue"), format!("{name}-green")];
        g.production_listener = format!("{name}/production");
        g.test_listener = Some(format!("{name}/test"));
        g.alarms.clear();
        seed.deployment_groups.push(g);
    }
    Ok(seed)
}
