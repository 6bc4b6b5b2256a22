//! A listener: a real port that forwards each request to a target group chosen by smooth weighted round
//! robin (deterministic: weights 90/10 send exactly 1 of every 10 requests to the second group), then to that
//! group's healthy targets in turn, recording ALB metrics.

use std::convert::Infallible;
use std::sync::Mutex;
use std::time::{Instant, SystemTime};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use super::metrics::Metrics;
use super::rules::{RequestFacts, RuleSpec};
use super::spec::WeightedTargetGroup;
use super::targets::Targets;

const NAMESPACE: &str = "AWS/ApplicationELB";

/// The mutable part of a listener.
pub struct ListenerState {
    lb_dimension: String,
    route: Mutex<Route>,
    /// Non-default rules, lowest priority first, each with its own round robin.
    rules: Mutex<Vec<(RuleSpec, Route)>>,
    /// Closes the port.
    pub stop: CancellationToken,
}

#[derive(Default)]
struct Route {
    forward: Vec<WeightedTargetGroup>,
    current: Vec<i64>,
    next_target: std::collections::HashMap<String, usize>,
}

impl ListenerState {
    /// A listener with no forward action yet.
    pub fn new(lb_dimension: String) -> Self {
        ListenerState {
            lb_dimension,
            route: Mutex::new(Route::default()),
            rules: Mutex::new(Vec::new()),
            stop: CancellationToken::new(),
        }
    }

    /// Replaces the forward action; weights restart from zero.
    pub fn set_forward(&self, forward: Vec<WeightedTargetGroup>) {
        let mut route = self.route.lock().unwrap_or_else(|p| p.into_inner());
        route.current = vec![0; forward.len()];
        route.forward = forward;
    }

    /// Replaces the listener's non-default rules; their weights restart from zero.
    pub fn set_rules(&self, mut rules: Vec<RuleSpec>) {
        rules.sort_by_key(|r| r.priority);
        let routes = rules
            .into_iter()
            .map(|r| {
                let route = Route {
                    current: vec![0; r.forward.len()],
                    forward: r.forward.clone(),
                    next_target: Default::default(),
                };
                (r, route)
            })
            .collect();
        *self.rules.lock().unwrap_or_else(|p| p.into_inner()) = routes;
    }

    /// The first matching rule's group, else the default action's.
    fn pick_group(&self, req: &RequestFacts<'_>) -> Option<WeightedTargetGroup> {
        let mut rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, route)) = rules.iter_mut().find(|(rule, _)| rule.matches(req)) {
            return route.pick();
        }
        drop(rules);
        self.route.lock().unwrap_or_else(|p| p.into_inner()).pick()
    }

    fn next_index(&self, group: &str, len: usize) -> usize {
        let mut route = self.route.lock().unwrap_or_else(|p| p.into_inner());
        let slot = route.next_target.entry(group.to_string()).or_insert(0);
        let index = *slot % len.max(1);
        *slot = slot.wrapping_add(1);
        index
    }
}

impl Route {
    /// Smooth weighted round robin over the groups with weight > 0.
    fn pick(&mut self) -> Option<WeightedTargetGroup> {
        let route = self;
        let total: i64 = route.forward.iter().map(|g| i64::from(g.weight)).sum();
        if total == 0 {
            return None;
        }
        let mut best = 0;
        for i in 0..route.forward.len() {
            let w = i64::from(route.forward[i].weight);
            route.current[i] += w;
            if route.current[i] > route.current[best] {
                best = i;
            }
        }
        route.current[best] -= total;
        Some(route.forward[best].clone())
    }
}

/// Binds the port and serves until the listener's stop fires.
pub async fn serve(
    targets: Targets,
    metrics: Metrics,
    state: std::sync::Arc<ListenerState>,
    port: u16,
) -> std::io::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let bound = listener.local_addr()?.port();
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build(HttpConnector::new());
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                _ = state.stop.cancelled() => return,
            };
            let Ok((stream, _)) = accepted else { continue };
            let (targets, metrics) = (targets.clone(), metrics.clone());
            let (state, client) = (state.clone(), client.clone());
            tokio::spawn(async move {
                let stop = state.stop.clone();
                let service = service_fn(move |req| {
                    forward(
                        targets.clone(),
                        metrics.clone(),
                        state.clone(),
                        client.clone(),
                        req,
                    )
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service);
                tokio::select! {
                    _ = conn => {}
                    _ = stop.cancelled() => {}
                }
            });
        }
    });
    Ok(bound)
}

fn text(status: u16, body: &'static str) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *response.status_mut() =
        hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::BAD_GATEWAY);
    response
}

async fn forward(
    targets: Targets,
    metrics: Metrics,
    state: std::sync::Arc<ListenerState>,
    client: Client<HttpConnector, Full<Bytes>>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let lb_dims = vec![("LoadBalancer".to_string(), state.lb_dimension.clone())];
    let facts = RequestFacts {
        path: req.uri().path(),
        method: req.method().as_str(),
        headers: req.headers(),
    };
    let Some(group) = state.pick_group(&facts) else {
        metrics.put(
            NAMESPACE,
            "HTTPCode_ELB_5XX_Count",
            &lb_dims,
            1.0,
            SystemTime::now(),
        );
        return Ok(text(503, "no target group to forward to"));
    };
    let healthy = targets.healthy_targets(&group.target_group_arn);
    if healthy.is_empty() {
        metrics.put(
            NAMESPACE,
            "HTTPCode_ELB_5XX_Count",
            &lb_dims,
            1.0,
            SystemTime::now(),
        );
        return Ok(text(503, "no healthy targets"));
    }
    let target = healthy[state.next_index(&group.target_group_arn, healthy.len())];
    let started = Instant::now();
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let mut upstream = Request::builder()
        .method(parts.method.clone())
        .uri(format!("http://{target}{path}"));
    for (name, value) in parts.headers.iter() {
        if name != hyper::header::HOST {
            upstream = upstream.header(name, value);
        }
    }
    let Ok(upstream) = upstream.body(Full::new(body)) else {
        return Ok(text(400, "bad request"));
    };
    let answered = client.request(upstream).await;
    let elapsed = started.elapsed().as_secs_f64();
    let tg_dims = vec![(
        "TargetGroup".to_string(),
        group.target_group_dimension.clone(),
    )];
    let both = vec![lb_dims[0].clone(), tg_dims[0].clone()];
    let now = SystemTime::now();
    let response = match answered {
        Ok(response) => {
            let status = response.status();
            let (parts, body) = response.into_parts();
            let body = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let class = format!("HTTPCode_Target_{}XX_Count", status.as_u16() / 100);
            for dims in [&lb_dims, &tg_dims, &both] {
                metrics.put(NAMESPACE, "RequestCount", dims, 1.0, now);
                metrics.put(NAMESPACE, &class, dims, 1.0, now);
                metrics.put(NAMESPACE, "TargetResponseTime", dims, elapsed, now);
            }
            let mut out = Response::from_parts(parts, Full::new(body));
            if let Ok(value) = hyper::header::HeaderValue::from_str(&group.target_group_arn) {
                out.headers_mut().insert("x-ecsbg-target-group", value);
            }
            out
        }
        Err(_) => {
            metrics.put(NAMESPACE, "HTTPCode_ELB_5XX_Count", &lb_dims, 1.0, now);
            text(502, "target did not answer")
        }
    };
    Ok(response)
}
