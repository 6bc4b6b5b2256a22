//! The one HTTP port: AWS calls routed by protocol, plus the admin API under `/_emulator/`.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::emu::Emu;
use crate::faults::{FaultDecision, FaultRule};
use crate::protocol::{self, ApiError, Rendered};
use crate::services;
use crate::snapshot::snapshot;

/// Serves until `stop` fires.
pub async fn serve(emu: Emu, listener: TcpListener, stop: CancellationToken) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.cancelled() => return,
        };
        let Ok((stream, _)) = accepted else { continue };
        let emu = emu.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| handle(emu.clone(), req));
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = conn => {}
                _ = stop.cancelled() => {}
            }
        });
    }
}

fn response(rendered: Rendered) -> Response<Full<Bytes>> {
    let mut builder = Response::builder().status(rendered.status);
    for (k, v) in rendered.headers {
        builder = builder.header(k, v);
    }
    builder
        .header("x-amzn-requestid", protocol::request_id())
        .body(Full::new(rendered.body))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

fn json_response(status: u16, value: serde_json::Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(value.to_string())))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// The error returned when a fault asks to drop the connection: hyper closes it without a response.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

async fn handle(emu: Emu, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Dropped> {
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    if let Some(admin) = path.strip_prefix("/_emulator/") {
        return Ok(admin_api(&emu, &method, admin, &body));
    }
    let call = match protocol::decode(&path, target.as_deref(), &body) {
        Ok(call) => call,
        Err(err) => {
            let wire = if path.starts_with("/service/") {
                protocol::Wire::Cbor
            } else if target.is_some() {
                protocol::Wire::Json11
            } else {
                protocol::Wire::Query
            };
            return Ok(response(protocol::render_error(
                protocol::Service::Ecs,
                wire,
                &err,
            )));
        }
    };
    emu.count(call.service, &call.operation);
    match emu.inner.faults.decide(
        call.service.name(),
        &call.operation,
        call.service.throttling_code(),
    ) {
        FaultDecision::Proceed => {}
        FaultDecision::Delay(d) => tokio::time::sleep(d).await,
        FaultDecision::Fail {
            status,
            code,
            message,
        } => {
            return Ok(response(protocol::render_error(
                call.service,
                call.wire,
                &ApiError {
                    status,
                    code,
                    message,
                },
            )));
        }
        FaultDecision::Drop => return Err(Dropped),
    }
    let rendered = match services::dispatch(&emu, call.service, &call.operation, &call.input).await
    {
        Ok(output) => protocol::render_ok(&call, output),
        Err(err) => {
            tracing::debug!(service = call.service.name(), op = %call.operation, code = %err.code, "{}", err.message);
            protocol::render_error(call.service, call.wire, &err)
        }
    };
    Ok(response(rendered))
}

fn admin_api(emu: &Emu, method: &hyper::Method, path: &str, body: &[u8]) -> Response<Full<Bytes>> {
    match (method.as_str(), path) {
        ("GET", "health") => {
            json_response(200, json!({"status": "ok", "endpoint": emu.endpoint()}))
        }
        ("GET", "calls") => json_response(200, json!(emu.calls())),
        ("POST", "calls/reset") => {
            emu.reset_calls();
            json_response(200, json!({}))
        }
        ("GET", "faults") => json_response(200, json!(emu.inner.faults.rules())),
        ("POST", "faults") => match serde_json::from_slice::<FaultRule>(body) {
            Ok(rule) => {
                emu.inner.faults.add(rule);
                json_response(200, json!({}))
            }
            Err(e) => json_response(400, json!({"error": format!("not a fault rule: {e}")})),
        },
        ("DELETE", "faults") => {
            emu.inner.faults.clear();
            json_response(200, json!({}))
        }
        ("GET", "state") => json_response(200, snapshot(&emu.world())),
        _ => json_response(
            404,
            json!({"error": format!("no admin endpoint {method} /_emulator/{path}")}),
        ),
    }
}

/// The address the emulator listens on.
pub fn endpoint_url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}
