//! Stored state as JSON (UpgradeResourceState's raw JSON), decoded against the resource's schema type:
//! never a panic, and a decoded value survives encode → decode.
#![no_main]

use ecsbg::plugin::value::{decode_json, encode_json, parse_state_json};
use ecsbg::resource::deployment::DeploymentResource;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ty = DeploymentResource::schema_only().block.value_type();
    if let Ok(json) = parse_state_json(data) {
        if let Ok(value) = decode_json(&ty, &json) {
            let encoded = encode_json(&ty, &value);
            let back = decode_json(&ty, &encoded).expect("our own encoding decodes");
            assert_eq!(back, value, "JSON round trip changed the value");
        }
    }
});
