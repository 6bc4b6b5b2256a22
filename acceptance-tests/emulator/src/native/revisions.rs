//! Records that name things: a service revision (ARN numbered as the task set it runs as) and a fresh
//! service deployment ARN. Both the API handlers and the engine create them.

use serde_json::json;

use crate::clock::Clock;
use crate::services::params::list;
use crate::world::{World, ACCOUNT, REGION};

use super::state::Revision;

/// A service revision of the service's task set `task_set_id` (ARN suffix = the set's number).
pub fn new_revision(
    world: &mut World,
    key: &(String, String),
    task_set_id: &str,
    task_definition: &str,
    target_group: &str,
) -> String {
    let number = task_set_id.trim_start_matches("ecs-svc/");
    let arn = format!(
        "arn:aws:ecs:{REGION}:{ACCOUNT}:service-revision/{}/{}/{number}",
        key.0, key.1
    );
    let Some(service) = world.services.get(key) else {
        return arn;
    };
    // The snapshot keeps the load balancers as configured (target group and alternate as the user set
    // them); which of the two this revision really serves is `resolvedConfiguration`'s job.
    let load_balancers = service.load_balancers.clone();
    let mut body = json!({
        "serviceRevisionArn": arn,
        "serviceArn": service.arn,
        "clusterArn": format!("arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{}", key.0),
        "taskDefinition": task_definition,
        "launchType": service.launch_type,
        "loadBalancers": load_balancers,
        "createdAt": Clock::now_epoch(),
        "guardDutyEnabled": false,
        "containerImages": [],
    });
    if !service.network_configuration.is_null() {
        body["networkConfiguration"] = service.network_configuration.clone();
    }
    if let Some(pv) = &service.platform_version {
        body["platformVersion"] = json!(pv);
    }
    if let Some(td) = world.task_definition(task_definition) {
        body["containerImages"] = json!(list(td, "containerDefinitions")
            .iter()
            .map(|c| json!({"containerName": c["name"], "image": c["image"]}))
            .collect::<Vec<_>>());
    }
    world.native.revisions.insert(
        arn.clone(),
        Revision {
            arn: arn.clone(),
            task_set_id: task_set_id.to_string(),
            service: key.clone(),
            target_group: target_group.to_string(),
            body,
        },
    );
    if let Some(native) = world.native.services.get_mut(key) {
        native.revisions.push(arn.clone());
    }
    arn
}

/// A fresh service deployment ARN (`…:service-deployment/<cluster>/<service>/<short id>`).
pub fn deployment_arn(world: &mut World, key: &(String, String)) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-";
    let mut n = world.next().wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let short: String = (0..21)
        .map(|_| {
            let c = ALPHABET[(n % 63) as usize] as char;
            n = n.rotate_left(7).wrapping_mul(31) ^ 0x5DEE_CE66;
            c
        })
        .collect();
    format!(
        "arn:aws:ecs:{REGION}:{ACCOUNT}:service-deployment/{}/{}/{short}",
        key.0, key.1
    )
}
