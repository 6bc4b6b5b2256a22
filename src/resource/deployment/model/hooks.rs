//! Lambda hooks CodeDeploy runs at lifecycle events, passed through the AppSpec.

use super::attr;
use super::values::string;
use crate::plugin::diagnostics::{AttributePath, Diagnostics};
use crate::plugin::value::Value;
use crate::rollout::appspec::Hooks;

/// A Lambda function as CodeDeploy hooks name it: a function name (with an optional version or alias) or
/// its ARN.
fn is_lambda_reference(r: &str) -> bool {
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.len() <= 64
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    let qualifier_ok = |q: &str| {
        !q.is_empty()
            && q.len() <= 128
            && q.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '$')
    };
    if let Some(rest) = r.strip_prefix("arn:") {
        // arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]
        let parts: Vec<&str> = rest.split(':').collect();
        return parts.len() >= 6
            && parts.len() <= 7
            && parts[1] == "lambda"
            && parts[4] == "function"
            && name_ok(parts[5])
            && parts.get(6).is_none_or(|q| qualifier_ok(q));
    }
    match r.split_once(':') {
        Some((name, qualifier)) => name_ok(name) && qualifier_ok(qualifier),
        None => name_ok(r),
    }
}

/// Reads and checks the `hooks` block.
pub fn parse(config: &Value, diags: &mut Diagnostics) -> Hooks {
    let root = AttributePath::root;
    let h = config.get(attr::HOOKS);
    for (event, _) in attr::HOOK_EVENTS {
        if let Some(function) = h.get(event).as_str() {
            if !is_lambda_reference(function) {
                diags.attribute_error(
                    root(attr::HOOKS).attr(event),
                    "Invalid Lambda function",
                    format!("{function:?} is neither a Lambda function name (letters, numbers, hyphens, underscores; optionally :version or :alias) nor a Lambda function ARN."),
                );
            }
        }
    }
    Hooks {
        before_install: string(h.get("before_install")),
        after_install: string(h.get("after_install")),
        after_allow_test_traffic: string(h.get("after_allow_test_traffic")),
        before_allow_traffic: string(h.get("before_allow_traffic")),
        after_allow_traffic: string(h.get("after_allow_traffic")),
    }
}
