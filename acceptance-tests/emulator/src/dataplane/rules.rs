//! Listener rules on the real ports: a request is matched against the rules in priority order (path
//! pattern, host header, HTTP header, method) and the first match's weighted forward is used; no match
//! falls through to the listener's default action, as an ALB does.

use super::spec::WeightedTargetGroup;

/// One condition of a rule, as ELBv2 writes it (`Field` with its values).
#[derive(Clone, Debug, PartialEq)]
pub enum RuleCondition {
    /// `path-pattern`: any of the patterns (`*` and `?` wildcards, case-sensitive).
    Path(Vec<String>),
    /// `host-header`: any of the patterns (case-insensitive).
    Host(Vec<String>),
    /// `http-header`: the named header matches any of the patterns (case-insensitive).
    Header(String, Vec<String>),
    /// `http-request-method`: any of the methods.
    Method(Vec<String>),
}

/// A rule to route by: priority (lower first), conditions (all must match) and a weighted forward.
#[derive(Clone, Debug)]
pub struct RuleSpec {
    /// The rule's ARN (for the answer's routing header and for replacing it).
    pub rule_arn: String,
    /// ALB priority, 1..=50000.
    pub priority: u32,
    /// Every one must match.
    pub conditions: Vec<RuleCondition>,
    /// Where matching requests go.
    pub forward: Vec<WeightedTargetGroup>,
}

/// What a rule looks at in a request.
pub struct RequestFacts<'a> {
    /// The path (without the query).
    pub path: &'a str,
    /// The method.
    pub method: &'a str,
    /// The headers.
    pub headers: &'a hyper::HeaderMap,
}

impl RuleCondition {
    fn matches(&self, req: &RequestFacts<'_>) -> bool {
        match self {
            RuleCondition::Path(patterns) => patterns.iter().any(|p| wildcard(p, req.path)),
            RuleCondition::Host(patterns) => {
                let host = header(req.headers, "host").to_ascii_lowercase();
                let host = host.split(':').next().unwrap_or_default().to_string();
                patterns
                    .iter()
                    .any(|p| wildcard(&p.to_ascii_lowercase(), &host))
            }
            RuleCondition::Header(name, patterns) => {
                let value = header(req.headers, name).to_ascii_lowercase();
                req.headers.contains_key(name.as_str())
                    && patterns
                        .iter()
                        .any(|p| wildcard(&p.to_ascii_lowercase(), &value))
            }
            RuleCondition::Method(methods) => methods.iter().any(|m| m == req.method),
        }
    }
}

impl RuleSpec {
    /// True when every condition matches.
    pub fn matches(&self, req: &RequestFacts<'_>) -> bool {
        self.conditions.iter().all(|c| c.matches(req))
    }
}

fn header<'a>(headers: &'a hyper::HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

/// ALB wildcard matching: `*` any run of characters, `?` exactly one.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::wildcard;

    #[test]
    fn wildcards_match_as_an_alb_does() {
        assert!(wildcard("/*", "/"));
        assert!(wildcard("/api/*", "/api/v1/x"));
        assert!(!wildcard("/api/*", "/other"));
        assert!(wildcard("/a?c", "/abc"));
        assert!(!wildcard("/a?c", "/ac"));
        assert!(wildcard("*.example.com", "test.example.com"));
    }
}
