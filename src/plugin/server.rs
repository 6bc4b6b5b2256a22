//! The provider process from start to exit: refuse strangers, ignore the terminal's Ctrl-C, hand Terraform the
//! handshake line, serve gRPC over mutual TLS, and leave when Terraform says so.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::go_plugin::{Controller, Stdio};
use super::grpc::ProviderService;
use super::handshake::{check_environment, handshake_line};
#[cfg(windows)]
use super::listen_tcp as listen;
#[cfg(unix)]
use super::listen_unix as listen;
use super::proto::plugin::grpc_controller_server::GrpcControllerServer;
use super::proto::plugin::grpc_stdio_server::GrpcStdioServer;
use super::proto::tfplugin6::provider_server::ProviderServer;
use super::resource::ProviderType;
#[cfg(unix)]
use super::signals_unix::{ignore_interrupts, watch_parent, watch_signals};
#[cfg(windows)]
use super::signals_windows::{ignore_interrupts, watch_parent, watch_signals};
use super::stop::StopSignal;
use super::wind_down::WindDown;
use super::{logging, tls, transport};

/// Terraform's messages can be large (whole states); go-plugin allows up to i32::MAX.
const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;
/// After Terraform's Shutdown, give in-flight calls this long before exiting anyway.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// Runs the provider process and returns its exit code.
pub fn run<P: ProviderType>(provider: P) -> i32 {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--version" || a == "-version") {
        println!("terraform-provider-ecsbg {}", env!("CARGO_PKG_VERSION"));
        return 0;
    }
    let debug = args.iter().any(|a| a == "--debug" || a == "-debug");
    if !debug {
        if let Err(err) = check_environment(|name| std::env::var(name).ok()) {
            eprintln!("{err}");
            return 1;
        }
        ignore_interrupts();
    }
    logging::init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("terraform-provider-ecsbg: cannot start the async runtime: {err}");
            return 1;
        }
    };
    match runtime.block_on(serve(provider, debug)) {
        Ok(()) => 0,
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "provider server failed");
            eprintln!("terraform-provider-ecsbg: {err:#}");
            1
        }
    }
}

async fn serve<P: ProviderType>(provider: P, debug: bool) -> anyhow::Result<()> {
    let (listener, endpoint) = listen::bind()?;

    let stop = StopSignal::new();
    let shutdown = CancellationToken::new();

    let tls_config = if debug {
        None
    } else {
        let client_pem = std::env::var("PLUGIN_CLIENT_CERT").context(
            "PLUGIN_CLIENT_CERT is not set: Terraform always sends its client certificate, and this provider refuses to serve without mutual TLS",
        )?;
        let client_cert = tls::parse_client_cert(&client_pem)?;
        let identity = tls::ServerIdentity::generate()?;
        let config = tls::server_config(&identity, client_cert)?;
        announce(&handshake_line(
            endpoint.network,
            &endpoint.address,
            Some(identity.cert_der.as_ref()),
        ))?;
        Some(Arc::new(config))
    };
    if debug {
        announce_debug(&endpoint)?;
    }

    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    health_reporter
        .set_service_status("plugin", tonic_health::ServingStatus::Serving)
        .await;

    let applies = TaskTracker::new();
    let provider_service = ProviderServer::new(ProviderService::new(
        provider,
        stop.clone(),
        applies.clone(),
    ))
    .max_decoding_message_size(MAX_MESSAGE_BYTES)
    .max_encoding_message_size(MAX_MESSAGE_BYTES);
    let controller = GrpcControllerServer::new(Controller {
        shutdown: shutdown.clone(),
    });

    let wind_down = WindDown::new(stop.clone(), shutdown.clone(), applies.clone());
    let signals = watch_signals(wind_down.clone(), debug)?;
    let orphan_watch = (!debug).then(|| watch_parent(wind_down.clone()));
    let shutdown_signal = shutdown.clone().cancelled_owned();

    let server = tonic::transport::Server::builder()
        .add_service(health_service)
        .add_service(controller)
        .add_service(GrpcStdioServer::new(Stdio))
        .add_service(provider_service)
        .serve_with_incoming_shutdown(transport::incoming(listener, tls_config), shutdown_signal);

    tokio::select! {
        result = server => result.context("serving gRPC")?,
        _ = async {
            // Shutdown was requested: wait for a grace period, then leave even if a call hangs.
            shutdown.cancelled().await;
            tokio::time::sleep(SHUTDOWN_GRACE).await;
        } => tracing::warn!("in-flight calls did not finish within the shutdown grace period"),
    }
    // Applies run as tasks of their own; one still running was interrupted and is winding down.
    wind_down.applies_finished().await;
    signals.abort();
    if let Some(watch) = orphan_watch {
        watch.abort();
    }
    drop(endpoint);
    Ok(())
}

/// Prints the handshake line; after it stdout carries nothing.
fn announce(line: &str) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}").context("writing the handshake line")?;
    stdout.flush().context("flushing the handshake line")
}

/// Prints what a developer exports to attach Terraform to this process.
fn announce_debug(endpoint: &listen::Endpoint) -> anyhow::Result<()> {
    let reattach = serde_json::json!({
        crate::identity::PROVIDER_ADDRESS: {
            "Protocol": "grpc",
            "ProtocolVersion": super::handshake::APP_PROTOCOL_VERSION,
            "Pid": std::process::id(),
            "Test": true,
            "Addr": {"Network": endpoint.network, "String": endpoint.address},
        }
    });
    let text = format!(
        "Provider started in debug mode. To attach Terraform, run this in the shell where you run terraform:\n\n\tTF_REATTACH_PROVIDERS='{reattach}'\n\nPress Ctrl-C to stop the provider."
    );
    // Whoever started us may stop reading once it has the line it wanted; that must not end the server.
    if let Err(err) = announce(&text) {
        tracing::warn!(
            error = format!("{err:#}"),
            "could not print the whole debug banner"
        );
    }
    Ok(())
}
