//! Terraform's msgpack values, decoded against the resource's real schema type: never a panic, and what
//! decodes re-encodes to bytes that decode to the same value.
#![no_main]

use ecsbg::plugin::value::{decode_msgpack, encode_msgpack};
use ecsbg::resource::deployment::DeploymentResource;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ty = DeploymentResource::schema_only().block.value_type();
    if let Ok(value) = decode_msgpack(&ty, data) {
        let again = encode_msgpack(&ty, &value);
        let back = decode_msgpack(&ty, &again).expect("our own encoding decodes");
        assert_eq!(back, value, "msgpack round trip changed the value");
    }
});
