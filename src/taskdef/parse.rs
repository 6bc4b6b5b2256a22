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

/// The most containers a task definition holds: "Containers per task definition: 10, not adjustable"
/// (Amazon ECS service quotas, https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html).
const MAX_CONTAINERS: usize = 10;

/// The longest family and container name: "Up to 255 letters (uppercase and lowercase), numbers, hyphens, and
/// underscores are allowed" (ECS API reference, RegisterTaskDefinition `family` and ContainerDefinition `name`,
/// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html).
const MAX_NAME: usize = 255;

/// The longest image reference (before any `@digest`): "up to 255 characters total are allowed" (ECS API
/// reference, ContainerDefinition `image`; for `repository-url/image@digest` the limit covers what precedes
/// the `@`).
const MAX_IMAGE: usize = 255;

/// The largest task definition ECS registers: "Task definition size: 64 KiB" (Amazon ECS service quotas,
/// https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html). Measured on the JSON as
/// written (`jsonencode` writes it compactly).
const MAX_SIZE: usize = 64 * 1024;

/// Characters that reorder or hide text when shown (Unicode bidirectional controls, "Trojan Source"):
/// a name holding one reads differently in a review than it is.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The first control or bidirectional character of `text`, in words.
fn hidden_character(text: &str) -> Option<String> {
    text.chars()
        .find(|c| c.is_control() || is_bidi_control(*c))
        .map(|c| format!("U+{:04X}", c as u32))
}

/// A family or container name: ECS's pattern and length, with control and bidirectional characters named
/// (they would otherwise show as nothing, or reorder the text around them).
fn check_name(what: &str, name: &str, path: &str) -> Result<(), TaskDefError> {
    if let Some(c) = hidden_character(name) {
        return Err(err(
            path,
            format!("the {what} contains the control or bidirectional character {c}, which hides or reorders what a reviewer reads; ECS allows only letters, numbers, hyphens and underscores"),
        ));
    }
    let length = name.chars().count();
    if length > MAX_NAME {
        return Err(err(
            path,
            format!("the {what} is {length} characters long; ECS allows at most {MAX_NAME}"),
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(err(
            path,
            format!("\"{name}\" may contain only letters, numbers, hyphens and underscores"),
        ));
    }
    Ok(())
}

/// Parses the JSON a user wrote (the `register-task-definition --cli-input-json` format) and checks it.
pub fn parse_user(text: &str) -> Result<Value, TaskDefError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| err("", format!("not valid JSON: {e}")))?;
    if let Some(path) = super::strict::first_duplicate_key(text) {
        let key = path.rsplit(['.', ']']).next().unwrap_or(&path);
        return Err(err(
            path.clone(),
            format!("the key \"{key}\" is written twice in one object; JSON keeps only the last, so the first is silently ignored. Write each key once"),
        ));
    }
    if text.len() > MAX_SIZE {
        return Err(err(
            "",
            format!(
                "the task definition is {} bytes of JSON; ECS registers at most {MAX_SIZE} (64 KiB). Move large values out (e.g. environment files or secrets)",
                text.len()
            ),
        ));
    }
    let Value::Object(object) = &value else {
        return Err(err("", "a task definition is a JSON object"));
    };
    check_fields(object, TASK_FIELDS, "")?;
    match object.get("family") {
        Some(Value::String(f)) if !f.is_empty() => check_name("family name", f, "family")?,
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
    if containers.len() > MAX_CONTAINERS {
        return Err(err(
            "containerDefinitions",
            format!(
                "{} containers; ECS allows at most {MAX_CONTAINERS} in one task definition",
                containers.len()
            ),
        ));
    }
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
        check_name("container name", name, &format!("{path}.name"))?;
        if !names.insert(name.to_string()) {
            return Err(err(
                format!("{path}.name"),
                format!("container name \"{name}\" is used twice"),
            ));
        }
        let image = c
            .get("image")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| err(format!("{path}.image"), "an image is required"))?;
        check_image(image, &format!("{path}.image"))?;
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
            let at = format!("{path}.portMappings[{j}].containerPort");
            if p.get("containerPort").is_none() {
                check_port_range(
                    p.get("containerPortRange"),
                    &format!("{path}.portMappings[{j}]"),
                )?;
                continue;
            }
            match p.get("containerPort").and_then(as_f64) {
                Some(port) if port.fract() == 0.0 && (1.0..=65535.0).contains(&port) => {}
                Some(port) => {
                    return Err(err(
                        at,
                        format!("containerPort {port} is not a port number between 1 and 65535"),
                    ))
                }
                None => return Err(err(at, "containerPort must be a number")),
            }
        }
    }
    Ok(value)
}

/// A port mapping without `containerPort` must give a `containerPortRange` such as "10000-10100"
/// (ECS's other form for a range of ports).
fn check_port_range(range: Option<&Value>, at: &str) -> Result<(), TaskDefError> {
    let Some(range) = range else {
        return Err(err(
            format!("{at}.containerPort"),
            "containerPort (or containerPortRange) is required",
        ));
    };
    let bounds = range.as_str().and_then(|r| {
        let (a, b) = r.split_once('-')?;
        Some((a.trim().parse::<u32>().ok()?, b.trim().parse::<u32>().ok()?))
    });
    match bounds {
        Some((a, b)) if 1 <= a && a < b && b <= 65535 => Ok(()),
        _ => Err(err(
            format!("{at}.containerPortRange"),
            format!("containerPortRange must read \"first-last\" with 1 ≤ first < last ≤ 65535, not {range}"),
        )),
    }
}

/// An image reference: no whitespace or control characters, and ECS's length limit.
fn check_image(image: &str, path: &str) -> Result<(), TaskDefError> {
    if let Some(c) = hidden_character(image).or_else(|| {
        image
            .chars()
            .find(|c| c.is_whitespace())
            .map(|c| format!("U+{:04X}", c as u32))
    }) {
        return Err(err(
            path,
            format!("the image reference contains the character {c}; an image is repository[:tag] or repository@digest"),
        ));
    }
    let named = image.split('@').next().unwrap_or(image).chars().count();
    if named > MAX_IMAGE {
        return Err(err(
            path,
            format!("the image reference is {named} characters long (before any @digest); ECS allows at most {MAX_IMAGE}"),
        ));
    }
    Ok(())
}
