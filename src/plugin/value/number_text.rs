//! Decimal numbers sent as text (msgpack strings, JSON strings): shared by both decoders.

use super::node::Number;

/// Parses a decimal number sent as text: exact integers stay integers, the rest keep their text.
pub(super) fn parse_number_text(text: &str) -> Option<Number> {
    if let Ok(i) = text.parse::<i64>() {
        return Some(Number::Int(i));
    }
    let as_float: f64 = text.parse().ok()?;
    if !as_float.is_finite() {
        return None;
    }
    Some(Number::Big(text.to_string()))
}
