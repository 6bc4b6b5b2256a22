//! Schemas as the provider declares them, independent of the wire types.
//!
//! Nested attributes carry their object type only through `nested_type` (never both `type` and
//! `nested_type`, which Terraform rejects), descriptions are Markdown, and each schema has a version so
//! stored state can be upgraded.

use super::value::Type;

/// A resource's or the provider's schema.
#[derive(Clone, Debug)]
pub struct Schema {
    /// Bumped whenever the stored state's shape changes; `UpgradeResourceState` converts older shapes.
    pub version: i64,
    /// The top-level block.
    pub block: Block,
}

/// A block: attributes plus nested blocks.
#[derive(Clone, Debug, Default)]
pub struct Block {
    /// Markdown shown in docs and editors.
    pub description: String,
    /// The block's attributes.
    pub attributes: Vec<Attribute>,
    /// Nested blocks.
    pub blocks: Vec<NestedBlock>,
    /// Marks the whole block as deprecated.
    pub deprecated: bool,
}

/// What kind of value an attribute holds.
#[derive(Clone, Debug)]
pub enum AttributeKind {
    /// A value of a plain cty type.
    Type(Type),
    /// An object (or collection of objects) whose attributes have their own flags and descriptions.
    Nested(NestedAttributes),
}

/// How nested objects are collected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// One object.
    Single,
    /// A list of objects.
    List,
    /// A set of objects.
    Set,
    /// A map of objects.
    Map,
    /// One object that is never null (blocks only).
    Group,
}

/// The attributes of a nested attribute's objects.
#[derive(Clone, Debug)]
pub struct NestedAttributes {
    /// How the objects are collected (`Group` is not valid here).
    pub nesting: Nesting,
    /// The objects' attributes.
    pub attributes: Vec<Attribute>,
}

/// One attribute.
#[derive(Clone, Debug)]
pub struct Attribute {
    /// The attribute name in HCL.
    pub name: String,
    /// Its type.
    pub kind: AttributeKind,
    /// Markdown.
    pub description: String,
    /// Must be set in configuration.
    pub required: bool,
    /// May be set in configuration.
    pub optional: bool,
    /// Set by the provider (alone, or when the user leaves an optional attribute unset).
    pub computed: bool,
    /// Redacted in plan output.
    pub sensitive: bool,
    /// Shown as deprecated.
    pub deprecated: bool,
}

impl Attribute {
    fn new(name: &str, kind: AttributeKind, description: &str) -> Self {
        Attribute {
            name: name.to_string(),
            kind,
            description: description.to_string(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            deprecated: false,
        }
    }

    /// A required attribute.
    pub fn required(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            required: true,
            ..Self::new(name, AttributeKind::Type(ty), description)
        }
    }

    /// An optional attribute with no provider-chosen value.
    pub fn optional(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            optional: true,
            ..Self::new(name, AttributeKind::Type(ty), description)
        }
    }

    /// An optional attribute the provider fills in when unset.
    pub fn optional_computed(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            optional: true,
            computed: true,
            ..Self::new(name, AttributeKind::Type(ty), description)
        }
    }

    /// A read-only attribute.
    pub fn computed(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            computed: true,
            ..Self::new(name, AttributeKind::Type(ty), description)
        }
    }

    /// An attribute holding nested objects; set the flags with the builder methods.
    pub fn nested(
        name: &str,
        nesting: Nesting,
        attributes: Vec<Attribute>,
        description: &str,
    ) -> Self {
        Self::new(
            name,
            AttributeKind::Nested(NestedAttributes {
                nesting,
                attributes,
            }),
            description,
        )
    }

    /// Marks the attribute optional.
    pub fn with_optional(mut self) -> Self {
        self.optional = true;
        self
    }

    /// Marks the attribute computed.
    pub fn with_computed(mut self) -> Self {
        self.computed = true;
        self
    }

    /// Marks the attribute required.
    pub fn with_required(mut self) -> Self {
        self.required = true;
        self
    }

    /// Marks the attribute sensitive.
    pub fn with_sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }

    /// The cty type of the attribute's value.
    pub fn value_type(&self) -> Type {
        match &self.kind {
            AttributeKind::Type(t) => t.clone(),
            AttributeKind::Nested(nested) => {
                let object = Type::object(
                    nested
                        .attributes
                        .iter()
                        .map(|a| (a.name.clone(), a.value_type())),
                );
                collect(nested.nesting, object)
            }
        }
    }
}

/// A nested block.
#[derive(Clone, Debug)]
pub struct NestedBlock {
    /// The block's name in HCL.
    pub type_name: String,
    /// Its contents.
    pub block: Block,
    /// How repeated blocks are collected.
    pub nesting: Nesting,
    /// Fewest blocks allowed (list/set).
    pub min_items: i64,
    /// Most blocks allowed (list/set); 0 = unlimited.
    pub max_items: i64,
}

impl Block {
    /// The cty object type of the block's value.
    pub fn value_type(&self) -> Type {
        let mut attrs: Vec<(String, Type)> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), a.value_type()))
            .collect();
        for nested in &self.blocks {
            attrs.push((
                nested.type_name.clone(),
                collect(nested.nesting, nested.block.value_type()),
            ));
        }
        Type::object(attrs)
    }
}

fn collect(nesting: Nesting, object: Type) -> Type {
    match nesting {
        Nesting::Single | Nesting::Group => object,
        Nesting::List => Type::list(object),
        Nesting::Set => Type::set(object),
        Nesting::Map => Type::map(object),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_type_includes_nested_attributes_and_blocks() {
        let block = Block {
            attributes: vec![
                Attribute::required("name", Type::String, "n"),
                Attribute::nested(
                    "checks",
                    Nesting::List,
                    vec![Attribute::required("path", Type::String, "p")],
                    "c",
                )
                .with_optional(),
            ],
            blocks: vec![NestedBlock {
                type_name: "timeouts".into(),
                block: Block {
                    attributes: vec![Attribute::optional("create", Type::String, "c")],
                    ..Block::default()
                },
                nesting: Nesting::Single,
                min_items: 0,
                max_items: 0,
            }],
            ..Block::default()
        };
        assert_eq!(
            block.value_type(),
            Type::object([
                ("name", Type::String),
                ("checks", Type::list(Type::object([("path", Type::String)]))),
                ("timeouts", Type::object([("create", Type::String)])),
            ])
        );
    }
}
