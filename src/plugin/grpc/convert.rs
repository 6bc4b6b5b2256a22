//! Conversions between protobuf messages and our types: request values decoded against a schema type,
//! answers encoded back, and diagnostics, attribute paths and schemas in their protobuf form.

use crate::plugin::diagnostics::{AttributePath, Diagnostic, Diagnostics, PathStep, Severity};
use crate::plugin::proto::tfplugin6 as pb;
use crate::plugin::schema::{Attribute, AttributeKind, Block, Nesting, Schema};
use crate::plugin::value::{
    decode_json, decode_msgpack, encode_msgpack, parse_state_json, Type, Value,
};

/// Decodes a DynamicValue (msgpack, or JSON from older clients) against a type.
pub(super) fn decode(
    ty: &Type,
    value: Option<&pb::DynamicValue>,
    what: &str,
) -> Result<Value, Diagnostics> {
    let Some(value) = value else {
        return Ok(Value::Null);
    };
    let result = if !value.msgpack.is_empty() {
        decode_msgpack(ty, &value.msgpack).map_err(|e| e.to_string())
    } else if !value.json.is_empty() {
        parse_state_json(&value.json)
            .map_err(|e| e.to_string())
            .and_then(|json| decode_json(ty, &json).map_err(|e| e.to_string()))
    } else {
        Ok(Value::Null)
    };
    result.map_err(|err| {
        let mut d = Diagnostics::new();
        d.error(
            format!("Cannot decode the {what}"),
            format!("Terraform sent a value this provider cannot read: {err}. This is a bug in the provider or a Terraform version it does not support."),
        );
        d
    })
}

pub(super) fn encode(ty: &Type, value: &Value) -> Option<pb::DynamicValue> {
    Some(pb::DynamicValue {
        msgpack: encode_msgpack(ty, value),
        json: Vec::new(),
    })
}

/// Turns our diagnostics into protobuf ones.
pub fn diagnostics_to_proto(diags: &Diagnostics) -> Vec<pb::Diagnostic> {
    diags.0.iter().map(diagnostic_to_proto).collect()
}

fn diagnostic_to_proto(d: &Diagnostic) -> pb::Diagnostic {
    pb::Diagnostic {
        severity: match d.severity {
            Severity::Error => pb::diagnostic::Severity::Error as i32,
            Severity::Warning => pb::diagnostic::Severity::Warning as i32,
        },
        summary: d.summary.clone(),
        detail: d.detail.clone(),
        attribute: d.attribute.as_ref().map(path_to_proto),
    }
}

/// Turns an attribute path into its protobuf form.
pub fn path_to_proto(path: &AttributePath) -> pb::AttributePath {
    use pb::attribute_path::step::Selector;
    pb::AttributePath {
        steps: path
            .0
            .iter()
            .map(|step| pb::attribute_path::Step {
                selector: Some(match step {
                    PathStep::Attribute(name) => Selector::AttributeName(name.clone()),
                    PathStep::Key(key) => Selector::ElementKeyString(key.clone()),
                    PathStep::Index(i) => Selector::ElementKeyInt(*i),
                }),
            })
            .collect(),
    }
}

/// Turns a schema into its protobuf form.
pub fn schema_to_proto(schema: &Schema) -> pb::Schema {
    pb::Schema {
        version: schema.version,
        block: Some(block_to_proto(&schema.block, schema.version)),
    }
}

fn block_to_proto(block: &Block, version: i64) -> pb::schema::Block {
    pb::schema::Block {
        version,
        attributes: block.attributes.iter().map(attribute_to_proto).collect(),
        block_types: block
            .blocks
            .iter()
            .map(|nested| pb::schema::NestedBlock {
                type_name: nested.type_name.clone(),
                block: Some(block_to_proto(&nested.block, 0)),
                nesting: block_nesting(nested.nesting) as i32,
                min_items: nested.min_items,
                max_items: nested.max_items,
            })
            .collect(),
        description: block.description.clone(),
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: block.deprecated,
    }
}

fn attribute_to_proto(attr: &Attribute) -> pb::schema::Attribute {
    let (ty, nested_type) = match &attr.kind {
        // Terraform rejects attributes that set both `type` and `nested_type`.
        AttributeKind::Type(t) => (t.to_json().to_string().into_bytes(), None),
        AttributeKind::Nested(nested) => (
            Vec::new(),
            Some(pb::schema::Object {
                attributes: nested.attributes.iter().map(attribute_to_proto).collect(),
                nesting: object_nesting(nested.nesting) as i32,
                ..Default::default()
            }),
        ),
    };
    pb::schema::Attribute {
        name: attr.name.clone(),
        r#type: ty,
        nested_type,
        description: attr.description.clone(),
        required: attr.required,
        optional: attr.optional,
        computed: attr.computed,
        sensitive: attr.sensitive,
        description_kind: pb::StringKind::Markdown as i32,
        deprecated: attr.deprecated,
        ..Default::default()
    }
}

fn block_nesting(n: Nesting) -> pb::schema::nested_block::NestingMode {
    use pb::schema::nested_block::NestingMode as M;
    match n {
        Nesting::Single => M::Single,
        Nesting::List => M::List,
        Nesting::Set => M::Set,
        Nesting::Map => M::Map,
        Nesting::Group => M::Group,
    }
}

fn object_nesting(n: Nesting) -> pb::schema::object::NestingMode {
    use pb::schema::object::NestingMode as M;
    match n {
        Nesting::Single | Nesting::Group => M::Single,
        Nesting::List => M::List,
        Nesting::Set => M::Set,
        Nesting::Map => M::Map,
    }
}
