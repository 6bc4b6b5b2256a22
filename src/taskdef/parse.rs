//! Reading the task definition JSON a user wrote: checks it the way ECS would (unknown fields with
//! "did you mean" hints, required names and images, lists and numbers where they belong) before any AWS call.

use serde_json::{Map, Value};

use super::fields::{as_f64, CONTAINER_FIELDS, READ_ONLY, TASK_FIELDS};

/// A task definition the user wrote that ECS would refuse, with the JSON path of the problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskDefError {
    /// e.g. `containerDefinitions[0].portMapings`.
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl std::fmt::Display for TaskDefError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

fn err(path: impl Into<String>, message: impl Into<String>) -> TaskDefError {
    TaskDefError {
        path: path.into(),
        message: message.into(),
    }
}

/// The closest known field, for "did you mean" hints.
fn suggestion(unknown: &str, known: &[&str]) -> Option<String> {
    let lower = unknown.to_ascii_lowercase();
    known
        .iter()
        .map(|k| (distance(&lower, &k.to_ascii_lowercase()), *k))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, k)| k.to_string())
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn check_fields(
    object: &Map<String, Value>,
    known: &[&str],
    path: &str,
) -> Result<(), TaskDefError> {
    for key in object.keys() {
        if !known.contains(&key.as_str()) && !READ_ONLY.contains(&key.as_str()) {
            let hint = suggestion(key, known)
                .map(|s| format!(" Did you mean \"{s}\"?"))
                .unwrap_or_default();
            let at = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            return Err(err(
                at,
                format!("unknown task definition field \"{key}\".{hint}"),
            ));
        }
    }
    Ok(())
}

/// Parses the JSON a user wrote (the `register-task-definition --cli-input-json` format) and checks it.
pub fn parse_user(text: &str) -> Result<Value, TaskDefError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| err("", format!("not valid JSON: {e}")))?;
    let Value::Object(object) = &value else {
        return Err(err("", "a task definition is a JSON object"));
    };
    check_fields(object, TASK_FIELDS, "")?;
    match object.get("family") {
        Some(Value::String(f)) if !f.is_empty() => {
            if !f
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(err(
                    "family",
                    format!("\"{f}\" may contain only letters, numbers, hyphens and underscores"),
                ));
            }
        }
        _ => return Err(err("family", "a family name is required")),
    }
    for key in ["cpu", "memory"] {
        if let Some(v) = object.get(key) {
            if !(v.is_string() || v.is_number()) {
                return Err(err(
                    key,
                    format!("{key} must be a number or a string such as \"512\""),
                ));
            }
        }
    }
    let containers = match object.get("containerDefinitions") {
        Some(Value::Array(c)) if !c.is_empty() => c,
        Some(Value::Array(_)) | None => {
            return Err(err(
                "containerDefinitions",
                "at least one container definition is required",
            ))
        }
        Some(_) => {
            return Err(err(
                "containerDefinitions",
                "containerDefinitions must be a list",
            ))
        }
    };
    let mut names = std::collections::BTreeSet::new();
    for (i, c) in containers.iter().enumerate() {
        let path = format!("containerDefinitions[{i}]");
        let Value::Object(c) = c else {
            return Err(err(path, "a container definition is a JSON object"));
        };
        check_fields(c, CONTAINER_FIELDS, &path)?;
        let name = c
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| err(format!("{path}.name"), "a container name is required"))?;
        if !names.insert(name.to_string()) {
            return Err(err(
                format!("{path}.name"),
                format!("container name \"{name}\" is used twice"),
            ));
        }
        if c.get("image")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .is_none()
        {
            return Err(err(format!("{path}.image"), "an image is required"));
        }
        for list in ["portMappings", "environment", "secrets", "mountPoints"] {
            if let Some(v) = c.get(list) {
                if !v.is_array() {
                    return Err(err(
                        format!("{path}.{list}"),
                        format!("{list} must be a list"),
                    ));
                }
            }
        }
        for (j, p) in c
            .get("portMappings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            match p.get("containerPort") {
                Some(v) if as_f64(v).is_some() => {}
                _ => {
                    return Err(err(
                        format!("{path}.portMappings[{j}].containerPort"),
                        "containerPort must be a number",
                    ))
                }
            }
        }
    }
    Ok(value)
}
