//! `make bench`: how fast the provider starts and serves its schema, and how much memory it takes, against the
//! floor of starting a trivial process; `terraform validate` and `terraform plan` at scale against
//! `terraform_data` (the no-provider floor); reaction latencies against the emulator's journal; 50 rollouts in
//! one apply with CodeDeploy throttled; binary size and build times. Prints a Markdown table (and writes it
//! with `--out FILE`). `--quick` skips the cold build; `ECSBG_BENCH_ONLY=plan` (or `parallel`, `reaction`, `native-reaction`) runs one part.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use ecsbg_acceptance::plugin_client::{connect, start_provider, ClientIdentity};
use ecsbg_acceptance::stage::Stage;
use ecsbg_acceptance::terraform::{Install, Workspace};

const RUNS: usize = 30;

/// How each row is measured, written above the table.
const METHOD: &str = "How: **start-to-schema** is the provider started as Terraform starts it (magic cookie, client certificate) until `GetProviderSchema` is served over mutual TLS, against starting `true`. **Plan at scale** is `terraform plan -parallelism=20` with N adopted `ecsbg_deployment` resources against the emulator (one service, load balancer and deployment group each), against N `terraform_data` resources; AWS calls are counted by the emulator; provider share = (wall − floor) / wall. The plan is then run once more with every provider process started under `ecsbg-cpu-wrap`, which splits the CPU the kernel accounts to the plan between Terraform, the provider processes, and the emulator (this process). **Reaction** times are read off the emulator's wall-clock journal, for each engine: on CodeDeploy, when a deployment reached Ready against when the gate's command wrote the time it started (the gate is a 2 s test suite run as a command), when the gate's command wrote the time it ended against when ContinueDeployment arrived, when the deployment succeeded against when `terraform apply` exited, when the alarm entered ALARM (404s on production after traffic moved) against when StopDeployment arrived; on the ECS-native engine (the demo's service on the ECS controller, BLUE_GREEN), the same against ECS entering POST_TEST_TRAFFIC_SHIFT where its PAUSE hook holds the deployment, ContinueServiceDeployment, the service deployment turning SUCCESSFUL (ECS baking nothing) and StopServiceDeployment (the alarm firing during ECS's own bake); emulator at 10× time. Deployment reads per second count GetDeployment and BatchGetDeployments from CreateDeployment (native: DescribeServiceDeployments from UpdateService) until the apply returns. **Parallel**: 50 services in one `terraform apply -parallelism=50` (a rollout each, emulator at 10× time), once as is and once with every CodeDeploy operation throttled at 10 requests/s (token bucket), wall time of the whole apply (refresh, plan, 50 rollouts) and CodeDeploy calls made. **Builds**: `cargo build --release -p terraform-provider-ecsbg` into an empty target directory, then again after touching `src/lib.rs`.";
/// How to read the plan rows; static, since the numbers are in the table.
const READING: &str = "Reading the plan rows: `terraform_data` is Terraform's floor, but it runs inside Terraform (no process, no gRPC, no msgpack), so any external provider pays more per resource than it. The AWS-free resource of the same plugin (`ecsbg_test_wait`) shows that cost of the plugin protocol alone: it takes about twice the `terraform_data` time, so against `terraform_data` no external provider's share can get under 25 %. The CPU split shows who spends the time: most of it is Terraform's side (plugin protocol, msgpack and cty for a rich schema, plan checks, state), and the provider's part (AWS SDK calls, decoding, the task definition diff) is what this provider can change.";

/// Today's date (UTC) as YYYY-MM-DD, without a date crate.
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}
/// Emulated seconds per real second for the latency runs: slow enough that the emulator's own alarm check
/// (23 emulated seconds) does not beat the provider's.
const REACTION_SCALE: f64 = 10.0;
/// Services rolled out together.
const PARALLEL: usize = 50;
/// Emulated seconds per real second for the parallel run.
const PARALLEL_SCALE: f64 = 10.0;

/// A cold release build of the provider in a fresh target directory, then a warm one after touching a file.
fn build_times() -> anyhow::Result<(Duration, Duration)> {
    let target = std::env::temp_dir().join("ecsbg-bench-cold-build");
    let _ = std::fs::remove_dir_all(&target);
    let build = || -> anyhow::Result<Duration> {
        let started = Instant::now();
        let status =
            std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args([
                    "build",
                    "--release",
                    "--quiet",
                    "-p",
                    "terraform-provider-ecsbg",
                    "--target-dir",
                ])
                .arg(&target)
                .status()
                .context("running cargo")?;
        anyhow::ensure!(status.success(), "cargo build failed");
        Ok(started.elapsed())
    };
    let cold = build()?;
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("../src/lib.rs");
    let source = std::fs::read(&lib)?;
    std::fs::write(&lib, &source)?;
    let warm = build()?;
    let _ = std::fs::remove_dir_all(&target);
    Ok((cold, warm))
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let idx = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[idx.min(samples.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Peak resident memory of a live process, from /proc.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

async fn start_to_schema(
    binary: &Path,
    identity: &ClientIdentity,
) -> anyhow::Result<(Duration, Duration, u64)> {
    let started = Instant::now();
    let mut provider = start_provider(binary, &identity.cert_pem).await?;
    let mut client = connect(&provider.socket, &provider.server_cert_der, Some(identity)).await?;
    client
        .get_provider_schema(ecsbg::plugin::proto::tfplugin6::get_provider_schema::Request {})
        .await?;
    let elapsed = started.elapsed();
    let handshake = provider.handshake_after;
    let rss = provider.child.id().and_then(peak_rss_kib).unwrap_or(0);
    // SIGTERM, so the provider removes its socket directory as it does when Terraform is done with it.
    if let Some(pid) = provider.child.id() {
        // SAFETY: kill(2) on our own child; no memory is involved.
        unsafe {
            libc::kill(pid as i32, libc::SIGTERM);
        }
    }
    provider.child.wait().await.ok();
    Ok((elapsed, handshake, rss))
}

fn floor_process() -> anyhow::Result<Duration> {
    let started = Instant::now();
    std::process::Command::new("true")
        .status()
        .context("running `true`")?;
    Ok(started.elapsed())
}

fn terraform_validate(ws: &Workspace) -> anyhow::Result<Duration> {
    let started = Instant::now();
    ws.run(&["validate"])?.success()?;
    Ok(started.elapsed())
}

/// One plan measurement: our resources, `terraform_data` (Terraform's own floor), and the same plugin's
/// AWS-free test resource (the floor of any external provider: process start, gRPC, msgpack).
struct PlanScale {
    wall: Duration,
    calls_per_resource: f64,
    terraform_data: Duration,
    plugin_floor: Option<Duration>,
    cpu: Option<CpuSplit>,
}

/// Who spent a plan's CPU: Terraform, the provider processes, and the emulator standing in for AWS.
#[derive(Clone, Copy, Debug)]
struct CpuSplit {
    terraform: Duration,
    provider: Duration,
    emulator: Duration,
}

impl CpuSplit {
    /// The provider's part of the CPU Terraform and the provider spent together.
    fn provider_share(&self) -> f64 {
        let both = (self.terraform + self.provider).as_secs_f64();
        if both > 0.0 {
            self.provider.as_secs_f64() / both * 100.0
        } else {
            0.0
        }
    }
}

fn describe_cpu(cpu: CpuSplit) -> String {
    format!(
        "CPU: Terraform {}, provider {} ({:.0} % of the two), emulated AWS {}",
        ms(cpu.terraform),
        ms(cpu.provider),
        cpu.provider_share(),
        ms(cpu.emulator)
    )
}

fn rusage(who: libc::c_int) -> Duration {
    // SAFETY: getrusage(2) fills the zeroed struct we own; no other memory is involved.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(who, &mut usage);
        usage
    };
    let t = |v: libc::timeval| Duration::new(v.tv_sec as u64, v.tv_usec as u32 * 1000);
    t(usage.ru_utime) + t(usage.ru_stime)
}

/// The same plan again with every provider process run under `ecsbg-cpu-wrap`: the kernel's accounting of
/// Terraform (this process's children), of the providers (the wrapper's children) and of this process
/// itself (the emulator's threads).
fn cpu_split(ws: &Workspace, binary: &Path) -> anyhow::Result<Option<CpuSplit>> {
    let wrap = binary.with_file_name("ecsbg-cpu-wrap");
    if !wrap.exists() {
        return Ok(None);
    }
    let log = ws.dir.join("provider-cpu.log");
    ws.replace_provider(&wrap)?;
    let (children, own) = (rusage(libc::RUSAGE_CHILDREN), rusage(libc::RUSAGE_SELF));
    let run = ws
        .command(&["plan", "-parallelism=20", "-no-color"])
        .env("ECSBG_WRAP_TARGET", binary.canonicalize()?)
        .env("ECSBG_WRAP_OUT", &log)
        .output()?;
    let (children, own) = (
        rusage(libc::RUSAGE_CHILDREN).saturating_sub(children),
        rusage(libc::RUSAGE_SELF).saturating_sub(own),
    );
    ws.replace_provider(binary)?;
    anyhow::ensure!(
        run.status.success(),
        "plan under the CPU wrapper failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let provider: Duration = std::fs::read_to_string(&log)?
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace().map(|p| p.parse::<u64>().ok());
            Some(Duration::from_micros(parts.next()?? + parts.next()??))
        })
        .sum();
    Ok(Some(CpuSplit {
        terraform: children.saturating_sub(provider),
        provider,
        emulator: own,
    }))
}

/// `terraform plan` with `n` adopted deployments against the emulator (wall time, AWS calls per resource),
/// and with `n` terraform_data resources (the floor).
fn plan_at_scale(binary: &Path, n: usize) -> anyhow::Result<PlanScale> {
    let Stage { emu, ws } = Stage::many_serving_v1(binary, n, 60.0, 20)?;
    emu.emulator.reset_calls();
    let started = Instant::now();
    ws.run(&["plan", "-parallelism=20", "-detailed-exitcode"])?;
    let wall = started.elapsed();
    let by_operation = emu.emulator.calls();
    eprintln!("bench: plan {n}: {by_operation:?}");
    let calls: u64 = by_operation.values().sum();
    let cpu = cpu_split(&ws, binary)?;

    let floor = Workspace::new(binary, Install::DevOverrides)?;
    let mut data = String::new();
    for i in 0..n {
        data.push_str(&format!(
            "resource \"terraform_data\" \"d{i}\" {{\n  input = \"{i}\"\n}}\n"
        ));
    }
    floor.write_main(&data)?;
    floor.run(&["apply", "-auto-approve"])?.success()?;
    let started = Instant::now();
    floor.run(&["plan", "-parallelism=20"])?.success()?;
    let terraform_data = started.elapsed();

    // The test build of the same plugin sits beside the shipped one (`cargo build --release -p
    // ecsbg-acceptance`); its `ecsbg_test_wait` resource makes no AWS call.
    let testing = binary.with_file_name("terraform-provider-ecsbg-testing");
    let plugin_floor = if testing.exists() {
        let ws = Workspace::new(&testing, Install::DevOverrides)?;
        let mut hcl = ecsbg_acceptance::terraform::PROVIDER_HEADER.to_string();
        for i in 0..n {
            hcl.push_str(&format!(
                "resource \"ecsbg_test_wait\" \"w{i}\" {{\n  duration = \"0s\"\n}}\n"
            ));
        }
        ws.write_main(&hcl)?;
        ws.run(&["apply", "-auto-approve", "-parallelism=20"])?
            .success()?;
        let started = Instant::now();
        ws.run(&["plan", "-parallelism=20"])?.success()?;
        Some(started.elapsed())
    } else {
        None
    };
    Ok(PlanScale {
        wall,
        calls_per_resource: calls as f64 / n as f64,
        terraform_data,
        plugin_floor,
        cpu,
    })
}

/// Medians and p95s of latency samples (seconds) as table cells.
fn median_p95(samples: &[f64]) -> (String, String, usize) {
    let mut d: Vec<Duration> = samples
        .iter()
        .map(|s| Duration::from_secs_f64(s.max(0.0)))
        .collect();
    (
        ms(percentile(&mut d.clone(), 0.5)),
        ms(percentile(&mut d, 0.95)),
        d.len(),
    )
}

/// One reaction row: what was measured, on which engine, against the polling floor of AWS's own tools.
fn reaction_row(engine: &str, what: &str, samples: &[f64]) -> String {
    let (median, p95, n) = median_p95(samples);
    format!("| reaction ({engine}): {what} ({n} rollouts) | {median} | {p95} | 15 s (CLI waiter), 2 min (crhelper) poll |\n")
}

/// Polling cost: deployment reads per rollout-second, mean and max.
fn reads_row(what: &str, reads: &[f64]) -> String {
    let mean = reads.iter().sum::<f64>() / reads.len().max(1) as f64;
    let max = reads.iter().copied().fold(0.0, f64::max);
    format!("| {what} | {mean:.2}/s mean | {max:.2}/s max | ≤ 1/s target |\n")
}

/// The reaction rows of both engines, each CodeDeploy row followed by the ECS-native row measuring the same.
fn reaction_rows(binary: &Path) -> anyhow::Result<String> {
    eprintln!(
        "bench: reaction latency, CodeDeploy engine (20 rollouts with a gate, 10 with an alarm)"
    );
    let reactions = ecsbg_acceptance::bench::ready_and_terminal(binary, 20, REACTION_SCALE)?;
    let alarm = ecsbg_acceptance::bench::alarm_to_stop(binary, 10, REACTION_SCALE)?;
    let codedeploy = [
        reaction_row(
            "CodeDeploy",
            "emulator reaches Ready → test gate starts",
            &reactions.ready_to_gate,
        ),
        reaction_row(
            "CodeDeploy",
            "test gate ends → ContinueDeployment arrives",
            &reactions.gate_to_continue,
        ),
        reaction_row(
            "CodeDeploy",
            "deployment Succeeded → `terraform apply` exits",
            &reactions.terminal_to_return,
        ),
        reaction_row(
            "CodeDeploy",
            "alarm enters ALARM → StopDeployment arrives",
            &alarm,
        ),
        reads_row(
            "CodeDeploy deployment reads per rollout-second (CreateDeployment → apply returns)",
            &reactions.deployment_reads_per_second,
        ),
    ];
    let native = native_rows(binary)?;
    Ok(codedeploy
        .iter()
        .zip(native.iter())
        .map(|(c, n)| format!("{c}{n}"))
        .collect())
}

/// Only the ECS-native engine's reaction rows (`ECSBG_BENCH_ONLY=native-reaction`).
fn native_reaction_rows(binary: &Path) -> anyhow::Result<String> {
    Ok(native_rows(binary)?.concat())
}

/// The ECS-native engine's rows, in the order of the CodeDeploy ones they sit beside.
fn native_rows(binary: &Path) -> anyhow::Result<[String; 5]> {
    eprintln!(
        "bench: reaction latency, ECS-native engine (20 rollouts with a gate, 10 with an alarm)"
    );
    let r = ecsbg_acceptance::bench_native::native_ready_and_terminal(binary, 20, REACTION_SCALE)?;
    let alarm = ecsbg_acceptance::bench_native::native_alarm_to_stop(binary, 10, REACTION_SCALE)?;
    Ok([
        reaction_row("ECS-native", "ECS enters POST_TEST_TRAFFIC_SHIFT (PAUSE hook) → test gate starts", &r.paused_to_gate),
        reaction_row("ECS-native", "test gate ends → ContinueServiceDeployment arrives", &r.gate_to_continue),
        reaction_row("ECS-native", "service deployment SUCCESSFUL → `terraform apply` exits", &r.terminal_to_return),
        reaction_row("ECS-native", "alarm enters ALARM in ECS's bake → StopServiceDeployment arrives", &alarm),
        reads_row("ECS-native DescribeServiceDeployments per rollout-second (UpdateService → apply returns)", &r.deployment_reads_per_second),
    ])
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let binary = PathBuf::from(
        args.next()
            .context("usage: ecsbg-bench <provider binary> [--out FILE]")?,
    );
    let mut out = None;
    let mut quick = false;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = args.next().map(PathBuf::from),
            "--quick" => quick = true,
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    if std::env::var("ECSBG_BENCH_ONLY").as_deref() == Ok("plan") {
        for _ in 0..3 {
            let scale = plan_at_scale(&binary, 100)?;
            println!(
                "plan 100: {:.1} ms, {:.2} AWS calls per resource",
                scale.wall.as_secs_f64() * 1000.0,
                scale.calls_per_resource
            );
        }
        return Ok(());
    }
    if std::env::var("ECSBG_BENCH_ONLY").as_deref() == Ok("parallel") {
        for throttle in [None, Some(10.0)] {
            ecsbg_acceptance::bench::parallel_rollouts(
                &binary,
                PARALLEL,
                PARALLEL_SCALE,
                throttle,
            )?;
        }
        return Ok(());
    }
    if let Ok(only @ ("reaction" | "native-reaction")) =
        std::env::var("ECSBG_BENCH_ONLY").as_deref()
    {
        let rows = if only == "reaction" {
            reaction_rows(&binary)?
        } else {
            native_reaction_rows(&binary)?
        };
        println!("| measure | median | p95 | floor |\n|---|---|---|---|\n{rows}");
        return Ok(());
    }
    if let Ok(Ok(n)) = std::env::var("ECSBG_BENCH_PLAN").map(|v| v.parse::<usize>()) {
        let p = plan_at_scale(&binary, n)?;
        println!(
            "plan {n}: {} ({:.1} calls/resource) vs terraform_data {} vs plugin floor {}; {}",
            ms(p.wall),
            p.calls_per_resource,
            ms(p.terraform_data),
            p.plugin_floor.map(ms).unwrap_or_else(|| "n/a".into()),
            p.cpu.map(describe_cpu).unwrap_or_default()
        );
        return Ok(());
    }
    let rt = tokio::runtime::Runtime::new()?;
    let identity = ClientIdentity::generate()?;

    let mut schema_times = Vec::new();
    let mut handshake_times = Vec::new();
    let mut rss = Vec::new();
    let mut floor = Vec::new();
    for _ in 0..RUNS {
        let (t, handshake, kib) = rt.block_on(start_to_schema(&binary, &identity))?;
        schema_times.push(t);
        handshake_times.push(handshake);
        rss.push(kib);
        floor.push(floor_process()?);
    }

    let with_provider = Workspace::new(&binary, Install::DevOverrides)?;
    with_provider.write_main(&format!(
        "{}resource \"terraform_data\" \"d\" {{\n  input = \"0s\"\n}}\n",
        ecsbg_acceptance::terraform::PROVIDER_HEADER
    ))?;
    let floor_ws = Workspace::new(&binary, Install::DevOverrides)?;
    floor_ws.write_main("resource \"terraform_data\" \"d\" {\n  input = \"0s\"\n}\n")?;
    let mut validate_provider = Vec::new();
    let mut validate_floor = Vec::new();
    for _ in 0..5 {
        validate_provider.push(terraform_validate(&with_provider)?);
        validate_floor.push(terraform_validate(&floor_ws)?);
    }

    let mut scale_rows = String::new();
    for n in [1usize, 10, 100, 300] {
        eprintln!("bench: plan with {n} resources");
        let p = plan_at_scale(&binary, n)?;
        let share_of = |floor: Duration| {
            (p.wall.as_secs_f64() - floor.as_secs_f64()).max(0.0) / p.wall.as_secs_f64() * 100.0
        };
        let own = p
            .plugin_floor
            .map(|f| {
                format!(
                    "; beyond a no-AWS resource of the same plugin ({}): {:.0} %",
                    ms(f),
                    share_of(f)
                )
            })
            .unwrap_or_default();
        scale_rows.push_str(&format!(
            "| `terraform plan`, {n} ecsbg_deployment (adopted) vs {n} terraform_data | {} | {:.1} AWS calls per resource; provider share {:.0} %{own}{} | {} |\n",
            ms(p.wall),
            p.calls_per_resource,
            share_of(p.terraform_data),
            p.cpu
                .map(|c| format!("; {}", describe_cpu(c)))
                .unwrap_or_default(),
            ms(p.terraform_data)
        ));
    }
    let size = std::fs::metadata(&binary).map(|m| m.len()).unwrap_or(0);

    let reaction_rows = reaction_rows(&binary)?;

    eprintln!("bench: {PARALLEL} rollouts in one apply, unthrottled then throttled");
    let (free, free_ok, free_calls) =
        ecsbg_acceptance::bench::parallel_rollouts(&binary, PARALLEL, PARALLEL_SCALE, None)?;
    let (throttled, throttled_ok, throttled_calls) =
        ecsbg_acceptance::bench::parallel_rollouts(&binary, PARALLEL, PARALLEL_SCALE, Some(10.0))?;
    let parallel_rows = format!(
        "| {PARALLEL} rollouts in one apply (`-parallelism={PARALLEL}`), CodeDeploy throttled at 10 req/s vs unthrottled | {:.1} s ({}; {throttled_calls} CodeDeploy calls) | {:+.0} % | {:.1} s ({}; {free_calls} calls) |\n",
        throttled.as_secs_f64(),
        if throttled_ok { "all serve v2" } else { "NOT all serve v2" },
        (throttled.as_secs_f64() / free.as_secs_f64() - 1.0) * 100.0,
        free.as_secs_f64(),
        if free_ok { "all serve v2" } else { "NOT all serve v2" },
    );

    let build_rows = if quick {
        String::new()
    } else {
        eprintln!("bench: cold and warm release builds (several minutes)");
        let (cold, warm) = build_times()?;
        format!(
            "| release build of the provider, cold (empty target dir) / warm (one source file touched) | {:.0} s | {:.1} s warm | |\n",
            cold.as_secs_f64(),
            warm.as_secs_f64()
        )
    };

    let max_rss = rss.iter().copied().max().unwrap_or(0);
    let table = format!(
        "| measure | median (plan: wall time) | p95 (plan: cost) | floor (median) |\n|---|---|---|---|\n\
         | provider start → GetProviderSchema served over mTLS ({RUNS} runs) | {} | {} | {} (`true`) |\n\
         | of which: start → handshake line printed | {} | {} | |\n\
         | provider peak RSS | {:.1} MiB | | |\n\
         | `terraform validate` with the provider configured vs only `terraform_data` (5 runs) | {} | {} | {} |\n",
        ms(percentile(&mut schema_times.clone(), 0.5)),
        ms(percentile(&mut schema_times, 0.95)),
        ms(percentile(&mut floor, 0.5)),
        ms(percentile(&mut handshake_times.clone(), 0.5)),
        ms(percentile(&mut handshake_times, 0.95)),
        max_rss as f64 / 1024.0,
        ms(percentile(&mut validate_provider.clone(), 0.5)),
        ms(percentile(&mut validate_provider, 0.95)),
        ms(percentile(&mut validate_floor, 0.5)),
    ) + &scale_rows
        + &reaction_rows
        + &parallel_rows
        + &format!("| provider binary size (as built) | {:.1} MiB | | |\n", size as f64 / 1_048_576.0)
        + &build_rows;
    println!("{table}");
    if let Some(path) = out {
        let page = format!(
            "# Performance\n\nMeasured by `make bench` on {} cores, {}, release build; the table is regenerated by each run.\n\n{METHOD}\n\n{table}\n{READING}\n",
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            today(),
        );
        std::fs::write(&path, page).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
