//! Values as Terraform sends them: typed by the schema, possibly null or unknown, encoded as msgpack
//! (or JSON for stored state).

mod json;
mod msgpack;
mod node;
mod number_text;
mod types;

pub use json::{decode_json, encode_json, parse_state_json, JsonError};
pub use msgpack::{decode_msgpack, encode_msgpack, MsgpackError};
pub use node::{Number, Value};
pub use types::{Type, TypeError};
