//! cty's msgpack encoding, the form of every value in Plan, Apply and Read.
//!
//! Unknown values are msgpack extensions (code 0; Terraform 1.6+ may send code 12, an unknown with
//! refinements, which we treat as plain unknown). Numbers arrive as integers, floats, or decimal strings when
//! too large. Dynamic-typed positions carry `[type as JSON, value]`.
//!
//! `decode` reads bytes against a schema type, `encode` writes them; `tests` holds the round trips.

mod decode;
mod encode;

pub use decode::{decode_msgpack, MsgpackError};
pub use encode::encode_msgpack;

#[cfg(test)]
mod tests;
