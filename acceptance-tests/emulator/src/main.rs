//! `ecsbg-emulator`: the emulator as a process, for `make demo` and for trying things by hand.

use std::path::PathBuf;

use anyhow::Context as _;
use ecsbg_emulator::{Emulator, EmulatorConfig, Seed};

const USAGE: &str = "usage: ecsbg-emulator [--seed FILE] [--port N] [--time-scale X] [--ready-file PATH] [--print-env]";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("EMULATOR_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let mut config = EmulatorConfig::default();
    let mut ready_file: Option<PathBuf> = None;
    let mut print_env = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seed" => {
                let path = args.next().context(USAGE)?;
                let text =
                    std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
                config.seed = Seed::from_toml(&text).with_context(|| format!("parsing {path}"))?;
            }
            "--port" => config.bind.set_port(
                args.next()
                    .context(USAGE)?
                    .parse()
                    .context("--port takes a number")?,
            ),
            "--time-scale" => {
                config.time_scale = args
                    .next()
                    .context(USAGE)?
                    .parse()
                    .context("--time-scale takes a number")?
            }
            "--ready-file" => ready_file = Some(PathBuf::from(args.next().context(USAGE)?)),
            "--print-env" => print_env = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => anyhow::bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    let emulator = Emulator::start(config).await?;
    if print_env {
        for (k, v) in emulator.env() {
            println!("export {k}={v}");
        }
    }
    if let Some(path) = ready_file {
        std::fs::write(&path, serde_json::to_vec_pretty(emulator.seed_report())?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!("ecsbg-emulator serving on {}", emulator.endpoint_url());
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    emulator.shutdown().await;
    Ok(())
}
