//! The AppSpec builder on arbitrary names, ports and hooks: never a panic, the content is JSON that says what
//! it was given, and the SHA-256 CodeDeploy is told matches the content.
#![no_main]

use ecsbg::rollout::appspec::{AppSpec, CapacityProviderItem, Hooks, NetworkConfiguration};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\0').map(str::to_string);
    let mut next = || parts.next();
    let arn = next().unwrap_or_default();
    let container = next().unwrap_or_default();
    let port = data.first().map(|b| i64::from(*b) * 257).unwrap_or(80);
    let spec = AppSpec {
        task_definition_arn: arn.clone(),
        container_name: container.clone(),
        container_port: port,
        platform_version: next(),
        network_configuration: next().map(|s| NetworkConfiguration {
            subnets: vec![s],
            security_groups: next().into_iter().collect(),
            assign_public_ip: next(),
        }),
        capacity_provider_strategy: next()
            .map(|c| CapacityProviderItem {
                capacity_provider: c,
                weight: port % 1001,
                base: port,
            })
            .into_iter()
            .collect(),
        hooks: Hooks {
            before_install: next(),
            after_install: next(),
            after_allow_test_traffic: next(),
            before_allow_traffic: next(),
            after_allow_traffic: next(),
        },
    };
    let content = spec.content();
    let json: serde_json::Value = serde_json::from_str(&content).expect("AppSpec content is JSON");
    let props = &json["Resources"][0]["TargetService"]["Properties"];
    assert_eq!(props["TaskDefinition"], serde_json::json!(arn));
    assert_eq!(props["LoadBalancerInfo"]["ContainerName"], serde_json::json!(container));
    assert_eq!(props["LoadBalancerInfo"]["ContainerPort"], serde_json::json!(port));
    assert_eq!(spec.sha256().len(), 64);
    assert_eq!(spec.sha256(), spec.sha256(), "the digest is stable");
});
