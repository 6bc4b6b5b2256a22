//! awsQuery: form-encoded requests (`Action=…&Version=…&Names.member.1=…`) and XML responses.

use serde_json::{Map, Value};

use super::error::ApiError;
use super::request_id::request_id;
use super::service::Service;

/// Decodes a form body into (Action, Version, input as JSON).
pub fn decode_form(body: &[u8]) -> Result<(String, Option<String>, Value), ApiError> {
    let mut action = None;
    let mut version = None;
    let mut root = Value::Object(Map::new());
    for (key, value) in form_urlencoded::parse(body) {
        match key.as_ref() {
            "Action" => action = Some(value.into_owned()),
            "Version" => version = Some(value.into_owned()),
            _ => insert_path(&mut root, &key, Value::String(value.into_owned())),
        }
    }
    let action = action.ok_or_else(|| {
        ApiError::client(
            "MissingAction",
            "the request has no X-Amz-Target, CBOR path or Action",
        )
    })?;
    Ok((action, version, root))
}

/// Puts `value` at a dotted awsQuery path; `X.member.N` is element N (1-based) of list X.
fn insert_path(root: &mut Value, key: &str, value: Value) {
    let parts: Vec<&str> = key.split('.').collect();
    let mut node = root;
    let mut i = 0;
    while i < parts.len() {
        let name = parts[i];
        let last = i + 1 == parts.len();
        let is_list = parts.get(i + 1) == Some(&"member")
            && parts.get(i + 2).is_some_and(|n| n.parse::<usize>().is_ok());
        let Value::Object(map) = node else { return };
        if is_list {
            let index = parts[i + 2].parse::<usize>().unwrap_or(1).saturating_sub(1);
            let list = map
                .entry(name.to_string())
                .or_insert_with(|| Value::Array(Vec::new()));
            let Value::Array(items) = list else { return };
            while items.len() <= index {
                items.push(Value::Null);
            }
            let done = i + 3 == parts.len();
            if done {
                items[index] = value;
                return;
            }
            if !items[index].is_object() {
                items[index] = Value::Object(Map::new());
            }
            node = &mut items[index];
            i += 3;
        } else if last {
            map.insert(name.to_string(), value);
            return;
        } else {
            node = map
                .entry(name.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            i += 1;
        }
    }
}

fn namespace(service: Service) -> &'static str {
    match service {
        Service::CloudWatch => "http://monitoring.amazonaws.com/doc/2010-08-01/",
        Service::Iam => "https://iam.amazonaws.com/doc/2010-05-08/",
        Service::Ec2 => "http://ec2.amazonaws.com/doc/2016-11-15/",
        Service::Sts => "https://sts.amazonaws.com/doc/2011-06-15/",
        _ => "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
    }
}

/// `<OpResponse><OpResult>…</OpResult><ResponseMetadata>…</ResponseMetadata></OpResponse>`.
pub fn render_ok(service: Service, op: &str, output: &Value) -> String {
    if service == Service::Ec2 {
        return ec2_render_ok(op, output);
    }
    let mut xml = String::new();
    xml.push_str(&format!(
        "<{op}Response xmlns=\"{}\"><{op}Result>",
        namespace(service)
    ));
    if let Value::Object(map) = output {
        for (k, v) in map {
            element(&mut xml, k, v);
        }
    }
    xml.push_str(&format!(
        "</{op}Result><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{op}Response>",
        request_id()
    ));
    xml
}

/// `<ErrorResponse><Error><Type>Sender</Type><Code>…</Code><Message>…</Message></Error>…`.
pub fn render_error(service: Service, err: &ApiError) -> String {
    if service == Service::Ec2 {
        return format!(
            "<Response><Errors><Error><Code>{}</Code><Message>{}</Message></Error></Errors><RequestID>{}</RequestID></Response>",
            escape(&err.code),
            escape(&err.message),
            request_id()
        );
    }
    let kind = if err.status >= 500 {
        "Receiver"
    } else {
        "Sender"
    };
    format!(
        "<ErrorResponse xmlns=\"{}\"><Error><Type>{kind}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
        namespace(service),
        escape(&err.code),
        escape(&err.message),
        request_id()
    )
}

/// ec2Query: `<OpResponse><requestId>…</requestId>members</OpResponse>`, no Result wrapper, list items
/// as `<item>`.
fn ec2_render_ok(op: &str, output: &Value) -> String {
    let mut xml = format!(
        "<{op}Response xmlns=\"{}\"><requestId>{}</requestId>",
        namespace(Service::Ec2),
        request_id()
    );
    if let Value::Object(map) = output {
        for (k, v) in map {
            ec2_element(&mut xml, k, v);
        }
    }
    xml.push_str(&format!("</{op}Response>"));
    xml
}

fn ec2_element(xml: &mut String, name: &str, value: &Value) {
    match value {
        Value::Array(items) => {
            xml.push_str(&format!("<{name}>"));
            for item in items {
                ec2_element(xml, "item", item);
            }
            xml.push_str(&format!("</{name}>"));
        }
        Value::Object(map) => {
            xml.push_str(&format!("<{name}>"));
            for (k, v) in map {
                ec2_element(xml, k, v);
            }
            xml.push_str(&format!("</{name}>"));
        }
        other => element(xml, name, other),
    }
}

fn element(xml: &mut String, name: &str, value: &Value) {
    match value {
        Value::Null => {}
        Value::Array(items) => {
            xml.push_str(&format!("<{name}>"));
            for item in items {
                element(xml, "member", item);
            }
            xml.push_str(&format!("</{name}>"));
        }
        Value::Object(map) => {
            xml.push_str(&format!("<{name}>"));
            for (k, v) in map {
                element(xml, k, v);
            }
            xml.push_str(&format!("</{name}>"));
        }
        Value::String(s) => xml.push_str(&format!("<{name}>{}</{name}>", escape(s))),
        Value::Bool(b) => xml.push_str(&format!("<{name}>{b}</{name}>")),
        // awsQuery timestamps are ISO 8601 (`2026-11-28T06:00:00.000Z`); the services keep them as epoch
        // seconds in members named `…Timestamp`, as the CBOR encoder does.
        Value::Number(n) if name.ends_with("Timestamp") => xml.push_str(&format!(
            "<{name}>{}</{name}>",
            iso8601(n.as_f64().unwrap_or(0.0))
        )),
        Value::Number(n) => xml.push_str(&format!("<{name}>{n}</{name}>")),
    }
}

/// Epoch seconds as awsQuery writes a timestamp: ISO 8601, UTC, milliseconds.
pub fn iso8601(epoch: f64) -> String {
    let millis = (epoch * 1000.0).round() as i64;
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_member_lists_become_arrays_of_objects() {
        let body = b"Action=CreateListener&Version=2015-12-01&Port=0&DefaultActions.member.1.Type=forward&DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.TargetGroupArn=tg1&DefaultActions.member.1.ForwardConfig.TargetGroups.member.1.Weight=100&Names.member.2=b&Names.member.1=a";
        let (action, version, input) = decode_form(body).expect("decodes");
        assert_eq!(action, "CreateListener");
        assert_eq!(version.as_deref(), Some("2015-12-01"));
        assert_eq!(input["Port"], "0");
        assert_eq!(input["Names"], serde_json::json!(["a", "b"]));
        assert_eq!(
            input["DefaultActions"][0]["ForwardConfig"]["TargetGroups"][0]["Weight"],
            "100"
        );
    }

    #[test]
    fn timestamps_are_iso_8601_in_xml() {
        let xml = render_ok(
            Service::CloudWatch,
            "DescribeAlarms",
            &serde_json::json!({"MetricAlarms": [{"StateUpdatedTimestamp": 1795845600.25, "Period": 60}]}),
        );
        assert!(
            xml.contains("<StateUpdatedTimestamp>2026-11-28T06:00:00.250Z</StateUpdatedTimestamp>")
                && xml.contains("<Period>60</Period>"),
            "{xml}"
        );
    }

    #[test]
    fn xml_lists_use_member_elements() {
        let xml = render_ok(
            Service::Elbv2,
            "DescribeTargetGroups",
            &serde_json::json!({"TargetGroups": [{"TargetGroupName": "a&b"}]}),
        );
        assert!(xml.contains("<TargetGroups><member><TargetGroupName>a&amp;b</TargetGroupName></member></TargetGroups>"), "{xml}");
    }
}
