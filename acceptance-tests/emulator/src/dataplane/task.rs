//! One ECS task as a real HTTP server: `/` answers the container's `MESSAGE`, the health path answers `ok`,
//! anything else 404. `EMULATOR_UNHEALTHY`, `EMULATOR_LATENCY_MS` and `EMULATOR_STATUS` make a version
//! unhealthy, slow or failing.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::spec::TaskSpec;

/// Binds 127.0.0.1:0 and serves until `stop` fires.
pub async fn serve(spec: TaskSpec, stop: CancellationToken) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = stop.cancelled() => return,
            };
            let Ok((stream, _)) = accepted else { continue };
            let spec = spec.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| answer(spec.clone(), req));
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service);
                tokio::select! {
                    _ = conn => {}
                    _ = stop.cancelled() => {}
                }
            });
        }
    });
    Ok(addr)
}

async fn answer(
    spec: TaskSpec,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let env = &spec.environment;
    if let Some(ms) = env
        .get("EMULATOR_LATENCY_MS")
        .and_then(|v| v.parse::<u64>().ok())
    {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let path = req.uri().path();
    let (status, body) = if env.get("EMULATOR_UNHEALTHY").map(String::as_str) == Some("true") {
        (503, "unhealthy".to_string())
    } else if path == "/" {
        let status = env
            .get("EMULATOR_STATUS")
            .and_then(|s| s.parse::<u16>().ok())
            .unwrap_or(200);
        (
            status,
            env.get("MESSAGE")
                .cloned()
                .unwrap_or_else(|| spec.container_name.clone()),
        )
    } else if path == spec.health_check_path {
        (200, "ok".to_string())
    } else {
        (404, "not found".to_string())
    };
    let response = Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .header("x-ecs-task-arn", &spec.task_arn)
        .header("x-ecs-task-definition-arn", &spec.task_definition_arn)
        .body(Full::new(Bytes::from(body)));
    Ok(
        response
            .unwrap_or_else(|_| Response::new(Full::new(Bytes::from_static(b"internal error")))),
    )
}
