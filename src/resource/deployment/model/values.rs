//! Small readers of Terraform values shared by the block parsers: strings, lists, maps and durations,
//! with unknowns and nulls read as "not set".

use std::collections::BTreeMap;
use std::time::Duration;

use crate::duration::parse_duration;
use crate::plugin::diagnostics::{AttributePath, Diagnostics};
use crate::plugin::value::Value;

/// A known string.
pub fn string(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

/// The known strings of a list.
pub fn strings(v: &Value) -> Vec<String> {
    v.as_list()
        .unwrap_or_default()
        .iter()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

/// The known string entries of a map.
pub fn map(v: &Value) -> BTreeMap<String, String> {
    v.as_map()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

/// A duration such as `90s` or `5m`, `default` when unset; an error on `path` when malformed.
pub fn duration(
    v: &Value,
    default: Duration,
    path: AttributePath,
    diags: &mut Diagnostics,
) -> Duration {
    match v.as_str() {
        None => default,
        Some(text) => parse_duration(text).unwrap_or_else(|msg| {
            diags.attribute_error(path, "Invalid duration", msg);
            default
        }),
    }
}

/// A duration that must be longer than zero (a timeout: zero would fail what it bounds at once), `default`
/// when unset; an error on `path` when malformed or zero, `why` saying what zero would do.
pub fn timeout(
    v: &Value,
    default: Duration,
    path: AttributePath,
    why: &str,
    diags: &mut Diagnostics,
) -> Duration {
    let d = duration(v, default, path.clone(), diags);
    if d.is_zero() && v.as_str().is_some_and(|t| parse_duration(t).is_ok()) {
        diags.attribute_error(
            path,
            "Invalid timeout",
            format!("{:?} is no time at all: {why}. Give a timeout longer than zero, or leave it unset for the default.", v.as_str().unwrap_or_default()),
        );
        return default;
    }
    d
}
