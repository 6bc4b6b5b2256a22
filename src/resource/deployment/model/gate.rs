//! The `test_gate` block: HTTP checks and commands the provider runs against the test listener.

use std::time::Duration;

use super::attr;
use super::values::{duration, map, string, strings, timeout};
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

/// Why a path cannot be sent as the request target of an HTTP check (RFC 3986 `path-abempty [ "?" query ]`),
/// None when it can.
fn path_problem(path: &str) -> Option<String> {
    if let Some(c) = path.chars().find(|c| c.is_control()) {
        return Some(format!(
            "contains the control character U+{:04X}, which would end or split the request line",
            c as u32
        ));
    }
    if path.contains(char::is_whitespace) {
        return Some("contains whitespace; write a space as %20".into());
    }
    if path.contains('#') {
        return Some("contains \"#\": a fragment is never sent to the server, so the check would test a different path than it says; write a literal # as %23".into());
    }
    let bytes = path.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        {
            return Some(
                "has a \"%\" not followed by two hex digits; write a literal % as %25".into(),
            );
        }
    }
    if let Some(c) = path
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/?%".contains(*c)))
    {
        return Some(format!(
            "contains {c:?}, which a URI path or query cannot hold unencoded; percent-encode it"
        ));
    }
    None
}

/// Why `url` is not an http(s) URL with a host (and a valid port when it names one), None when it is.
fn url_problem(url: &str) -> Option<String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Some("has no scheme".into());
    };
    if scheme != "http" && scheme != "https" {
        return Some(format!("has scheme {scheme:?}"));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("contains whitespace or a control character".into());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
        match v6.split_once(']') {
            Some((host, "")) => (host, None),
            Some((host, port)) => match port.strip_prefix(':') {
                Some(port) => (host, Some(port)),
                None => return Some("has characters after its IPv6 address".into()),
            },
            None => return Some("opens an IPv6 address with \"[\" and never closes it".into()),
        }
    } else {
        match host_port.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Some("has no host".into());
    }
    if let Some(port) = port {
        if port.is_empty() || !port.chars().all(|c| c.is_ascii_digit()) {
            return Some(format!("has port {port:?}, which is not a number"));
        }
        match port.parse::<u32>() {
            Ok(p) if (1..=65535).contains(&p) => {}
            _ => return Some(format!("has port {port}, outside 1 to 65535")),
        }
    }
    if rest.contains('#') {
        return Some("has a fragment (\"#\"), which is never sent to the server".into());
    }
    None
}

/// The URL override must be an http(s) URL with a host, and a port from 1 to 65535 when it names one.
pub fn check_url(config: &Value, diags: &mut Diagnostics) {
    let root = AttributePath::root;
    if let Some(url) = config.get(attr::TEST_GATE).get("url").as_str() {
        if let Some(problem) = url_problem(url) {
            diags.attribute_error(
                root(attr::TEST_GATE).attr("url"),
                "Invalid URL",
                format!("{url:?} is not an http:// or https:// URL with a host, such as \"http://internal-web-123.eu-west-1.elb.amazonaws.com:8080\": it {problem}."),
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
            } else if let Some(problem) = path_problem(&p) {
                diags.attribute_error(
                    path.clone().attr("path"),
                    "Invalid path",
                    format!("{p:?} is not a URI path: it {problem}."),
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
            for (name, value) in map(c.get("headers")) {
                if !is_header_name(&name) {
                    diags.attribute_error(
                        path.clone().attr("headers"),
                        "Invalid header name",
                        format!("{name:?} is not an HTTP header name."),
                    );
                } else if let Some(ch) = value.chars().find(|ch| ch.is_control() && *ch != '\t') {
                    diags.attribute_error(
                        path.clone().attr("headers"),
                        "Invalid header value",
                        format!("The value of header {name:?} contains the control character U+{:04X}; a CR or LF would end the header and start another (header injection), so header values are one line of text.", ch as u32),
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
                // A zero interval is allowed: the next attempt follows at once, and `attempts` (at most
                // 100) still bounds the checks. A zero timeout is not: every request would fail unsent.
                timeout: timeout(
                    c.get("timeout"),
                    Duration::from_secs(10),
                    path.attr("timeout"),
                    "every request would time out before it was answered",
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
            } else if c
                .get("argv")
                .as_list()
                .unwrap_or_default()
                .first()
                .and_then(Value::as_str)
                .is_some_and(|p| p.trim().is_empty())
            {
                diags.attribute_error(
                    path.clone().attr("argv"),
                    "Empty command",
                    "argv[0], the program to run, is blank: argv needs at least the program to run, such as [\"curl\", \"-f\", \"$TEST_URL\"].",
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
                timeout: timeout(
                    c.get("timeout"),
                    Duration::from_secs(300),
                    path.attr("timeout"),
                    "the command would be killed as it started",
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

#[cfg(test)]
mod tests {
    use super::{path_problem, url_problem};

    #[test]
    fn paths_are_uri_paths() {
        for ok in ["/", "/health?full=1&x=%20y", "/a/b;c=d/~e:@!$'()*+,"] {
            assert_eq!(path_problem(ok), None, "{ok}");
        }
        for bad in [
            "/a b",
            "/a\tb",
            "/a\r\nX: 1",
            "/#top",
            "/100%",
            "/%zz",
            "/é",
            "/a<b>",
        ] {
            assert!(path_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn urls_have_a_scheme_a_host_and_a_port_in_range() {
        for ok in [
            "http://internal-web:8080",
            "https://example.com",
            "http://10.0.0.1:1/base",
            "http://[::1]:65535",
            "http://user@host:80?q",
        ] {
            assert_eq!(url_problem(ok), None, "{ok}");
        }
        for (bad, says) in [
            ("internal-web:8080", "no scheme"),
            ("ftp://host", "scheme"),
            ("http://", "no host"),
            ("http:///path", "no host"),
            ("http://host:99999", "outside 1 to 65535"),
            ("http://host:0", "outside 1 to 65535"),
            ("http://host:http", "not a number"),
            ("http://host:", "not a number"),
            ("http://[::1", "never closes"),
            ("http://host/a b", "whitespace"),
            ("http://host/#x", "fragment"),
        ] {
            let problem = url_problem(bad).unwrap_or_default();
            assert!(problem.contains(says), "{bad}: {problem}");
        }
    }
}
