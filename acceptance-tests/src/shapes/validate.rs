//! Walks one answer against its model shape, in the answer's own wire form (JSON, CBOR or awsQuery XML), and
//! names every difference: a required member missing, a member the model does not have, a wrong type, an
//! enum value the model does not list, a timestamp in the wrong format for the protocol.

use serde_json::Value as Json;

use super::model::{Model, ALWAYS_PRESENT};
use super::xml::Element;

/// Where a difference is, and what it is.
pub type Findings = Vec<String>;

/// The members of structure `shape_name`: (wire name, member shape name, required).
fn members<'m>(model: &'m Model, shape_name: &str, xml: bool) -> Vec<(String, &'m str, bool)> {
    let shape = model.shape(shape_name);
    let required: Vec<&str> = shape["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    shape["members"]
        .as_object()
        .map(|ms| {
            ms.iter()
                // Members bound to headers, the status code or the URI are not in the body.
                .filter(|(_, m)| m["location"].is_null())
                .map(|(name, m)| {
                    let wire = if xml {
                        m["locationName"].as_str().unwrap_or(name).to_string()
                    } else {
                        name.clone()
                    };
                    let always = ALWAYS_PRESENT.iter().any(|(s, sh, mem)| {
                        *s == model.service && *sh == shape_name && mem == name
                    });
                    let shape = m["shape"].as_str().unwrap_or_default();
                    (wire, shape, required.contains(&name.as_str()) || always)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn check_enum(model: &Model, shape_name: &str, value: &str, path: &str, out: &mut Findings) {
    if let Some(allowed) = model.shape(shape_name)["enum"].as_array() {
        if !allowed.iter().any(|a| a == value) {
            out.push(format!(
                "{path}: {value:?} is not one of {shape_name}'s values"
            ));
        }
    }
}

/// A JSON body (awsJson1_0/1_1, restJson1): timestamps are epoch seconds as numbers.
pub fn json(model: &Model, shape_name: &str, value: &Json, path: &str, out: &mut Findings) {
    if value.is_null() {
        return;
    }
    let shape = model.shape(shape_name);
    let kind = shape["type"].as_str().unwrap_or("?");
    let ok = match kind {
        "structure" => {
            let Some(obj) = value.as_object() else {
                out.push(format!(
                    "{path}: a structure ({shape_name}) must be an object"
                ));
                return;
            };
            let ms = members(model, shape_name, false);
            for (name, member_shape, required) in &ms {
                match obj.get(name) {
                    Some(v) if !v.is_null() => {
                        json(model, member_shape, v, &format!("{path}.{name}"), out)
                    }
                    _ if *required => out.push(format!("{path}.{name}: required, missing")),
                    _ => {}
                }
            }
            for key in obj.keys() {
                if !ms.iter().any(|(n, _, _)| n == key) {
                    out.push(format!("{path}.{key}: not a member of {shape_name}"));
                }
            }
            true
        }
        "list" => {
            let Some(items) = value.as_array() else {
                out.push(format!("{path}: a list must be an array"));
                return;
            };
            let member = shape["member"]["shape"].as_str().unwrap_or_default();
            for (i, item) in items.iter().enumerate() {
                if item.is_null() {
                    out.push(format!(
                        "{path}[{i}]: null in a list AWS never sends nulls in"
                    ));
                }
                json(model, member, item, &format!("{path}[{i}]"), out);
            }
            true
        }
        "map" => {
            let Some(entries) = value.as_object() else {
                out.push(format!("{path}: a map must be an object"));
                return;
            };
            let v_shape = shape["value"]["shape"].as_str().unwrap_or_default();
            for (k, v) in entries {
                json(model, v_shape, v, &format!("{path}.{k}"), out);
            }
            true
        }
        "string" => match value.as_str() {
            Some(s) => {
                check_enum(model, shape_name, s, path, out);
                true
            }
            None => false,
        },
        "integer" | "long" => value.as_i64().is_some() || value.as_u64().is_some(),
        "double" | "float" => value.is_number(),
        "boolean" => value.is_boolean(),
        "timestamp" => value.is_number(),
        "blob" => value.is_string(),
        _ => {
            out.push(format!("{path}: the model has no shape {shape_name}"));
            true
        }
    };
    if !ok {
        out.push(format!("{path}: {value} does not fit {kind} {shape_name}"));
    }
}

/// A CBOR body (Smithy RPC v2): timestamps are tag 1 over epoch seconds, blobs are byte strings.
pub fn cbor(
    model: &Model,
    shape_name: &str,
    value: &ciborium::Value,
    path: &str,
    out: &mut Findings,
) {
    use ciborium::Value as C;
    if value.is_null() {
        return;
    }
    let shape = model.shape(shape_name);
    let kind = shape["type"].as_str().unwrap_or("?");
    let ok = match (kind, value) {
        ("structure", C::Map(entries)) => {
            let ms = members(model, shape_name, false);
            let get = |name: &str| {
                entries
                    .iter()
                    .find(|(k, _)| k.as_text() == Some(name))
                    .map(|(_, v)| v)
            };
            for (name, member_shape, required) in &ms {
                match get(name) {
                    Some(v) if !v.is_null() => {
                        cbor(model, member_shape, v, &format!("{path}.{name}"), out)
                    }
                    _ if *required => out.push(format!("{path}.{name}: required, missing")),
                    _ => {}
                }
            }
            for (k, _) in entries {
                let key = k.as_text().unwrap_or("<non-text key>");
                if !ms.iter().any(|(n, _, _)| n == key) {
                    out.push(format!("{path}.{key}: not a member of {shape_name}"));
                }
            }
            true
        }
        ("list", C::Array(items)) => {
            let member = shape["member"]["shape"].as_str().unwrap_or_default();
            for (i, item) in items.iter().enumerate() {
                cbor(model, member, item, &format!("{path}[{i}]"), out);
            }
            true
        }
        ("map", C::Map(entries)) => {
            let v_shape = shape["value"]["shape"].as_str().unwrap_or_default();
            for (k, v) in entries {
                let key = k.as_text().unwrap_or("?");
                cbor(model, v_shape, v, &format!("{path}.{key}"), out);
            }
            true
        }
        ("string", C::Text(s)) => {
            check_enum(model, shape_name, s, path, out);
            true
        }
        ("integer" | "long", C::Integer(_)) => true,
        ("double" | "float", C::Float(_) | C::Integer(_)) => true,
        ("boolean", C::Bool(_)) => true,
        ("timestamp", C::Tag(1, inner)) => matches!(**inner, C::Integer(_) | C::Float(_)),
        ("blob", C::Bytes(_)) => true,
        _ => false,
    };
    if !ok {
        out.push(format!(
            "{path}: {value:?} does not fit CBOR {kind} {shape_name}"
        ));
    }
}

/// An awsQuery XML element: text parsed per the shape, lists as `member` children, timestamps ISO 8601.
pub fn xml(model: &Model, shape_name: &str, el: &Element, path: &str, out: &mut Findings) {
    let shape = model.shape(shape_name);
    let kind = shape["type"].as_str().unwrap_or("?");
    let text = el.text.trim();
    let ok = match kind {
        "structure" => {
            let ms = members(model, shape_name, true);
            for (name, member_shape, required) in &ms {
                match el.child(name) {
                    Some(c) => xml(model, member_shape, c, &format!("{path}.{name}"), out),
                    None if *required => out.push(format!("{path}.{name}: required, missing")),
                    None => {}
                }
            }
            for c in &el.children {
                if !ms.iter().any(|(n, _, _)| *n == c.name) {
                    out.push(format!("{path}.{}: not a member of {shape_name}", c.name));
                }
            }
            true
        }
        "list" => {
            let member = shape["member"]["shape"].as_str().unwrap_or_default();
            let item_name = shape["member"]["locationName"].as_str().unwrap_or("member");
            for (i, c) in el.children.iter().enumerate() {
                if c.name != item_name {
                    out.push(format!(
                        "{path}[{i}]: list items are <{item_name}>, not <{}>",
                        c.name
                    ));
                }
                xml(model, member, c, &format!("{path}[{i}]"), out);
            }
            true
        }
        "map" => {
            let v_shape = shape["value"]["shape"].as_str().unwrap_or_default();
            for c in &el.children {
                match c.child("value") {
                    Some(v) => xml(model, v_shape, v, &format!("{path}.{}", c.name), out),
                    None => out.push(format!("{path}: map entry without <value>")),
                }
            }
            true
        }
        "string" => {
            check_enum(model, shape_name, text, path, out);
            true
        }
        "integer" | "long" => text.parse::<i64>().is_ok(),
        "double" | "float" => text.parse::<f64>().is_ok(),
        "boolean" => text == "true" || text == "false",
        "timestamp" => is_iso8601(text),
        "blob" => true,
        _ => {
            out.push(format!("{path}: the model has no shape {shape_name}"));
            true
        }
    };
    if !ok {
        out.push(format!(
            "{path}: {text:?} does not fit XML {kind} {shape_name}"
        ));
    }
}

/// `2026-11-28T06:11:43Z`, `2026-11-28T06:11:43.123Z`, or with a `+hh:mm` offset.
pub fn is_iso8601(text: &str) -> bool {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| r.clone().all(|i| b.get(i).is_some_and(u8::is_ascii_digit));
    if b.len() < 20
        || !digits(0..4)
        || b[4] != b'-'
        || !digits(5..7)
        || b[7] != b'-'
        || !digits(8..10)
        || b[10] != b'T'
        || !digits(11..13)
        || b[13] != b':'
        || !digits(14..16)
        || b[16] != b':'
        || !digits(17..19)
    {
        return false;
    }
    let mut rest = &text[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    rest == "Z"
        || (rest.len() == 6
            && (rest.starts_with('+') || rest.starts_with('-'))
            && rest.as_bytes()[3] == b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_timestamps_are_told_from_epoch_numbers() {
        assert!(is_iso8601("2026-11-28T06:11:43Z"));
        assert!(is_iso8601("2026-11-28T06:11:43.120Z"));
        assert!(is_iso8601("2026-11-28T06:11:43+00:00"));
        assert!(!is_iso8601("1764310303"));
        assert!(!is_iso8601("1764310303.5"));
        assert!(!is_iso8601("2026-11-28 06:11:43"));
    }
}
