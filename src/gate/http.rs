//! HTTP checks: a request to the test listener, retried while green warms up, judged on status and body.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::duration::format_duration;
use crate::rollout::gate::GateContext;

/// How much of a response body a failure message shows.
const BODY_SHOWN: usize = 300;
/// The most a check reads of a body.
const BODY_LIMIT: usize = 1024 * 1024;

/// The client type checks share.
pub type HttpClient = Client<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
    Empty<Bytes>,
>;

/// A client for http:// and https:// test listeners, trusting the system's root certificates.
pub fn client() -> HttpClient {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls_config())
        .https_or_http()
        .enable_http1()
        .build();
    Client::builder(TokioExecutor::new()).build(https)
}

fn tls_config() -> rustls::ClientConfig {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    match rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
    {
        Ok(builder) => builder.with_root_certificates(roots).with_no_client_auth(),
        // aws-lc-rs always supports the default versions; keep a working client regardless.
        Err(_) => rustls::ClientConfig::builder()
            .with_root_certificates(rustls::RootCertStore::empty())
            .with_no_client_auth(),
    }
}

/// One HTTP check.
#[derive(Clone, Debug)]
pub struct HttpCheck {
    /// Path (and query) appended to the base URL, e.g. `/health`.
    pub path: String,
    /// HTTP method.
    pub method: String,
    /// Request headers.
    pub headers: BTreeMap<String, String>,
    /// The status that passes.
    pub expect_status: u16,
    /// A regex the body must match, if set.
    pub body_regex: Option<regex::Regex>,
    /// Attempts before the check fails.
    pub attempts: u32,
    /// Pause between attempts.
    pub interval: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
    /// A base URL overriding the discovered test listener.
    pub url: Option<String>,
}

impl HttpCheck {
    /// Runs the check; Ok(what passed) or Err(what was expected and what came back).
    pub async fn run(&self, client: &HttpClient, ctx: &GateContext) -> Result<String, String> {
        let Some(base) = self.url.as_deref().or(ctx.test_url.as_deref()) else {
            return Err(
                "no test listener URL is known for this deployment group; set `url` on the check"
                    .into(),
            );
        };
        let url = format!("{}{}", base.trim_end_matches('/'), self.path);
        let expectation = match &self.body_regex {
            Some(re) => format!(
                "status {} and a body matching /{}/",
                self.expect_status,
                re.as_str()
            ),
            None => format!("status {}", self.expect_status),
        };
        let mut last = String::new();
        for attempt in 1..=self.attempts.max(1) {
            match self.once(client, &url).await {
                Ok((status, body)) => {
                    let status_ok = status == self.expect_status;
                    let body_ok = self
                        .body_regex
                        .as_ref()
                        .map(|re| re.is_match(&body))
                        .unwrap_or(true);
                    if status_ok && body_ok {
                        return Ok(format!("{} {url} answered {status}", self.method));
                    }
                    last = format!("got status {status} with body {:?}", shorten(&body));
                }
                Err(err) => last = format!("got no answer: {err}"),
            }
            if attempt < self.attempts {
                tokio::time::sleep(self.interval).await;
            }
        }
        Err(format!(
            "{} {url} expected {expectation}; after {} attempt(s) {last}",
            self.method,
            self.attempts.max(1)
        ))
    }

    async fn once(&self, client: &HttpClient, url: &str) -> Result<(u16, String), String> {
        let method =
            hyper::Method::from_bytes(self.method.as_bytes()).map_err(|e| e.to_string())?;
        let mut request = hyper::Request::builder().method(method).uri(url);
        for (k, v) in &self.headers {
            request = request.header(k, v);
        }
        let request = request
            .body(Empty::<Bytes>::new())
            .map_err(|e| e.to_string())?;
        let response = tokio::time::timeout(self.timeout, client.request(request))
            .await
            .map_err(|_| format!("timed out after {}", format_duration(self.timeout)))?
            .map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let body = tokio::time::timeout(
            self.timeout,
            http_body_util::Limited::new(response.into_body(), BODY_LIMIT).collect(),
        )
        .await
        .map_err(|_| "timed out reading the body".to_string())?
        .map_err(|e| e.to_string())?
        .to_bytes();
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }
}

fn shorten(body: &str) -> String {
    let trimmed = body.trim();
    if trimmed.chars().count() <= BODY_SHOWN {
        trimmed.to_string()
    } else {
        let cut: String = trimmed.chars().take(BODY_SHOWN).collect();
        format!("{cut}…")
    }
}
