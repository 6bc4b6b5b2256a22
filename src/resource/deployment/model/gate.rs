//! The `test_gate` block: HTTP checks and commands the provider runs against the test listener.

use std::time::Duration;

use super::attr;
use super::values::{duration, map, string, strings};
use crate::gate::{CommandCheck, HttpCheck, TestGate};
use crate::plugin::diagnostics::{AttributePath, Diagnostics};
use crate::plugin::value::Value;

/// Environment variable names a command can be given.
fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// HTTP header names (RFC 9110 tokens).
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c))
}

/// The URL override must be an http(s) URL with a host.
pub fn check_url(config: &Value, diags: &mut Diagnostics) {
    let root = AttributePath::root;
    if let Some(url) = config.get(attr::TEST_GATE).get("url").as_str() {
        let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
        let host = url.split_once("://").map(|(_, rest)| rest).unwrap_or("");
        if !scheme_ok
            || host.is_empty()
            || host.starts_with('/')
            || url.contains(char::is_whitespace)
        {
            diags.attribute_error(
                root(attr::TEST_GATE).attr("url"),
                "Invalid URL",
                format!("{url:?} is not an http:// or https:// URL with a host, such as \"http://internal-web-123.eu-west-1.elb.amazonaws.com:8080\"."),
            );
        }
    }
}

/// The gate as configured (None: no block) and its URL override.
pub fn parse(config: &Value, diags: &mut Diagnostics) -> (Option<TestGate>, Option<String>) {
    let root = AttributePath::root;
    let g = config.get(attr::TEST_GATE);
    let gate = if g.is_null() {
        None
    } else {
        let mut gate = TestGate::default();
        for (i, c) in g
            .get("http")
            .as_list()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let path = root(attr::TEST_GATE).attr("http").index(i);
            let p = string(c.get("path")).unwrap_or_default();
            if !p.starts_with('/') && !c.get("path").is_unknown() {
                diags.attribute_error(
                    path.clone().attr("path"),
                    "Invalid path",
                    format!("{p:?} must start with \"/\"."),
                );
            }
            let body_regex = match c.get("body_regex").as_str() {
                Some(re) => match regex::Regex::new(re) {
                    Ok(re) => Some(re),
                    Err(e) => {
                        diags.attribute_error(
                            path.clone().attr("body_regex"),
                            "Invalid regular expression",
                            e.to_string(),
                        );
                        None
                    }
                },
                None => None,
            };
            let status = c.get("expect_status").as_i64().unwrap_or(200);
            if !(100..=599).contains(&status) {
                diags.attribute_error(
                    path.clone().attr("expect_status"),
                    "Invalid status",
                    format!("{status} is not an HTTP status."),
                );
            }
            let attempts = c.get("attempts").as_i64().unwrap_or(3);
            if !(1..=100).contains(&attempts) {
                diags.attribute_error(
                    path.clone().attr("attempts"),
                    "Invalid attempts",
                    "attempts must be between 1 and 100.",
                );
            }
            let method = string(c.get("method"))
                .unwrap_or_else(|| "GET".into())
                .to_ascii_uppercase();
            if !["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"]
                .contains(&method.as_str())
            {
                diags.attribute_error(
                    path.clone().attr("method"),
                    "Invalid method",
                    format!("{method:?} is not an HTTP method."),
                );
            }
            for name in map(c.get("headers")).keys() {
                if !is_header_name(name) {
                    diags.attribute_error(
                        path.clone().attr("headers"),
                        "Invalid header name",
                        format!("{name:?} is not an HTTP header name."),
                    );
                }
            }
            gate.http.push(HttpCheck {
                path: p,
                method,
                headers: map(c.get("headers")),
                expect_status: status.clamp(100, 599) as u16,
                body_regex,
                attempts: attempts.clamp(1, 100) as u32,
                interval: duration(
                    c.get("interval"),
                    Duration::from_secs(2),
                    path.clone().attr("interval"),
                    diags,
                ),
                timeout: duration(
                    c.get("timeout"),
                    Duration::from_secs(10),
                    path.attr("timeout"),
                    diags,
                ),
                url: None,
            });
        }
        for (i, c) in g
            .get("command")
            .as_list()
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let path = root(attr::TEST_GATE).attr("command").index(i);
            let argv = strings(c.get("argv"));
            if argv.is_empty() && !c.get("argv").is_unknown() {
                diags.attribute_error(
                    path.clone().attr("argv"),
                    "Empty command",
                    "argv needs at least the program to run.",
                );
            }
            for name in map(c.get("env")).keys() {
                if !is_env_name(name) {
                    diags.attribute_error(
                        path.clone().attr("env"),
                        "Invalid environment variable name",
                        format!("{name:?} is not an environment variable name (letters, digits and underscores, not starting with a digit)."),
                    );
                }
            }
            gate.commands.push(CommandCheck {
                argv,
                env: map(c.get("env")),
                working_dir: string(c.get("working_dir")).map(Into::into),
                timeout: duration(
                    c.get("timeout"),
                    Duration::from_secs(300),
                    path.attr("timeout"),
                    diags,
                ),
            });
        }
        if gate.http.is_empty() && gate.commands.is_empty() {
            diags.attribute_error(
                root(attr::TEST_GATE),
                "Empty test gate",
                "Add at least one `http` or `command` check, or remove the block.",
            );
        }
        Some(gate)
    };

    (gate, string(g.get("url")))
}
