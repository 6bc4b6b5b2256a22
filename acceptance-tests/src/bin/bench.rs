//! `make bench`: how fast the provider starts and serves its schema, and how much memory it takes, against the
//! floor of starting a trivial process; and `terraform validate` with the provider against a configuration of
//! only `terraform_data` resources. Prints a Markdown table (and writes it with `--out FILE`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use ecsbg_acceptance::plugin_client::{connect, start_provider, ClientIdentity};
use ecsbg_acceptance::terraform::{Install, Workspace};

const RUNS: usize = 30;

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

/// One resource per emulated service, the same shape as the demo's.
fn deployment_hcl(i: usize) -> String {
    format!(
        "resource \"ecsbg_deployment\" \"s{i}\" {{\n  application_name      = \"web\"\n  deployment_group_name = \"web{i}-prod\"\n  task_definition = jsonencode({{\n    family = \"web{i}\", networkMode = \"awsvpc\", requiresCompatibilities = [\"FARGATE\"], cpu = \"256\", memory = \"512\"\n    containerDefinitions = [{{ name = \"web\", image = \"ghcr.io/acme/web:v1\", portMappings = [{{ containerPort = 80 }}],\n      environment = [{{ name = \"MESSAGE\", value = \"Hello from v1\" }}] }}]\n  }})\n}}\n"
    )
}

/// `terraform plan` with `n` adopted deployments against the emulator (wall time, AWS calls per resource),
/// and with `n` terraform_data resources (the floor).
fn plan_at_scale(binary: &Path, n: usize) -> anyhow::Result<(Duration, f64, Duration)> {
    let emu = ecsbg_acceptance::emulator::Running::start(
        ecsbg_acceptance::emulator::many_services_seed(n),
        60.0,
    )?;
    let ws = emu.workspace(binary)?;
    let mut hcl = ecsbg_acceptance::terraform::PROVIDER_HEADER.to_string();
    for i in 0..n {
        hcl.push_str(&deployment_hcl(i));
    }
    ws.write_main(&hcl)?;
    ws.run(&["apply", "-auto-approve", "-parallelism=20"])?
        .success()?;
    emu.emulator.reset_calls();
    let started = Instant::now();
    ws.run(&["plan", "-parallelism=20", "-detailed-exitcode"])?;
    let wall = started.elapsed();
    let calls: u64 = emu.emulator.calls().values().sum();

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
    Ok((wall, calls as f64 / n as f64, started.elapsed()))
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let binary = PathBuf::from(
        args.next()
            .context("usage: ecsbg-bench <provider binary> [--out FILE]")?,
    );
    let out = match (args.next().as_deref(), args.next()) {
        (Some("--out"), Some(path)) => Some(PathBuf::from(path)),
        _ => None,
    };
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
    with_provider.write_main(
        "terraform {\n  required_providers {\n    ecsbg = { source = \"ecsbg/ecsbg\" }\n  }\n}\nprovider \"ecsbg\" {}\nresource \"terraform_data\" \"d\" {\n  input = \"0s\"\n}\n",
    )?;
    let floor_ws = Workspace::new(&binary, Install::DevOverrides)?;
    floor_ws.write_main("resource \"terraform_data\" \"d\" {\n  input = \"0s\"\n}\n")?;
    let mut validate_provider = Vec::new();
    let mut validate_floor = Vec::new();
    for _ in 0..5 {
        validate_provider.push(terraform_validate(&with_provider)?);
        validate_floor.push(terraform_validate(&floor_ws)?);
    }

    let mut scale_rows = String::new();
    for n in [1usize, 10, 100] {
        let (wall, per_resource, floor) = plan_at_scale(&binary, n)?;
        let share =
            (wall.as_secs_f64() - floor.as_secs_f64()).max(0.0) / wall.as_secs_f64() * 100.0;
        scale_rows.push_str(&format!(
            "| `terraform plan`, {n} ecsbg_deployment (adopted) vs {n} terraform_data | {} | {per_resource:.1} AWS calls per resource; provider share {share:.0} % | {} |\n",
            ms(wall),
            ms(floor)
        ));
    }
    let size = std::fs::metadata(&binary).map(|m| m.len()).unwrap_or(0);

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
        + &format!("| provider binary size (as built) | {:.1} MiB | | |\n", size as f64 / 1_048_576.0);
    println!("{table}");
    if let Some(path) = out {
        std::fs::write(&path, &table).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
