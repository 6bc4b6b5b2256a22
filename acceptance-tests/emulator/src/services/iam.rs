//! AWS IAM, as little as hashicorp/aws needs to build a stage: roles (with tags, assume-role policy and
//! description) and the managed policies attached to them. Nothing is enforced: the emulator checks no
//! permissions. awsQuery, `Version=2010-05-08`; shapes from botocore `iam/2010-05-08/service-2.json`.

use serde_json::{json, Value};

use super::params::{list, opt_num, opt_str, req_str, strings};
use crate::clock::Clock;
use crate::emu::Emu;
use crate::protocol::{iso8601, ApiError, Service};
use crate::world::ACCOUNT;

/// Dispatches one IAM operation.
pub fn handle(emu: &Emu, op: &str, input: &Value) -> Result<Value, ApiError> {
    match op {
        "CreateRole" => create_role(emu, input),
        "GetRole" => get_role(emu, input),
        "ListRoles" => list_roles(emu),
        "DeleteRole" => delete_role(emu, input),
        "UpdateRole" => update_role(emu, input),
        "UpdateRoleDescription" => update_role(emu, input),
        "UpdateAssumeRolePolicy" => update_assume_role_policy(emu, input),
        "TagRole" => tag_role(emu, input),
        "UntagRole" => untag_role(emu, input),
        "ListRoleTags" => list_role_tags(emu, input),
        "AttachRolePolicy" => attach_role_policy(emu, input),
        "DetachRolePolicy" => detach_role_policy(emu, input),
        "ListAttachedRolePolicies" => list_attached_role_policies(emu, input),
        // No inline policies or instance profiles are ever created here: their lists are empty.
        "ListRolePolicies" => {
            role(emu, input)?;
            Ok(json!({"PolicyNames": [], "IsTruncated": false}))
        }
        "ListInstanceProfilesForRole" => {
            role(emu, input)?;
            Ok(json!({"InstanceProfiles": [], "IsTruncated": false}))
        }
        _ => Err(ApiError::unknown_operation(Service::Iam, op)),
    }
}

fn no_such_role(name: &str) -> ApiError {
    ApiError {
        status: 404,
        code: "NoSuchEntity".into(),
        message: format!("The role with name {name} cannot be found."),
    }
}

/// The role named by `RoleName`, as GetRole returns it.
fn role(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = req_str(input, "RoleName", "ValidationError")?;
    emu.world()
        .roles
        .get(&name)
        .cloned()
        .ok_or_else(|| no_such_role(&name))
}

/// IAM returns policy documents URL-encoded (RFC 3986), and clients decode them.
fn url_encoded(document: &str) -> String {
    form_urlencoded::byte_serialize(document.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn tags(input: &Value) -> Vec<Value> {
    list(input, "Tags")
        .into_iter()
        .filter(|t| opt_str(t, "Key").is_some())
        .map(|t| json!({"Key": t["Key"], "Value": t.get("Value").cloned().unwrap_or(json!(""))}))
        .collect()
}

fn create_role(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = req_str(input, "RoleName", "ValidationError")?;
    let document = req_str(input, "AssumeRolePolicyDocument", "ValidationError")?;
    if serde_json::from_str::<Value>(&document).is_err() {
        return Err(ApiError::client(
            "MalformedPolicyDocument",
            "This policy contains invalid Json",
        ));
    }
    let path = opt_str(input, "Path").unwrap_or("/").to_string();
    let mut world = emu.world();
    if world.roles.contains_key(&name) {
        return Err(ApiError {
            status: 409,
            code: "EntityAlreadyExists".into(),
            message: format!("Role with name {name} already exists."),
        });
    }
    let id = format!(
        "AROA{:016X}",
        world.next().wrapping_mul(0x9E37_79B9_7F4A_7C15)
    );
    let mut role = json!({
        "Path": path,
        "RoleName": name,
        "RoleId": id.chars().take(21).collect::<String>(),
        "Arn": format!("arn:aws:iam::{ACCOUNT}:role{path}{name}"),
        "CreateDate": iso8601(Clock::now_epoch()),
        "AssumeRolePolicyDocument": url_encoded(&document),
        "MaxSessionDuration": opt_num(input, "MaxSessionDuration").unwrap_or(3600.0) as i64,
        "RoleLastUsed": {},
    });
    if let Some(description) = opt_str(input, "Description") {
        role["Description"] = json!(description);
    }
    let tags = tags(input);
    if !tags.is_empty() {
        role["Tags"] = json!(tags);
    }
    world.roles.insert(name, role.clone());
    // CreateRole's answer carries no RoleLastUsed.
    if let Some(map) = role.as_object_mut() {
        map.remove("RoleLastUsed");
    }
    Ok(json!({"Role": role}))
}

fn get_role(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    Ok(json!({"Role": role(emu, input)?}))
}

fn list_roles(emu: &Emu) -> Result<Value, ApiError> {
    let roles: Vec<Value> = emu
        .world()
        .roles
        .values()
        .map(|r| {
            let mut r = r.clone();
            if let Some(map) = r.as_object_mut() {
                map.remove("Tags");
                map.remove("RoleLastUsed");
            }
            r
        })
        .collect();
    Ok(json!({"Roles": roles, "IsTruncated": false}))
}

fn delete_role(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = req_str(input, "RoleName", "ValidationError")?;
    let mut world = emu.world();
    if !world.roles.contains_key(&name) {
        return Err(no_such_role(&name));
    }
    if world
        .attached_policies
        .get(&name)
        .is_some_and(|p| !p.is_empty())
    {
        return Err(ApiError {
            status: 409,
            code: "DeleteConflict".into(),
            message: "Cannot delete entity, must detach all policies first.".into(),
        });
    }
    world.roles.remove(&name);
    world.attached_policies.remove(&name);
    Ok(json!({}))
}

/// Changes members of a stored role (the caller has checked it exists).
fn edit_role(emu: &Emu, name: &str, edit: impl FnOnce(&mut Value)) -> Result<Value, ApiError> {
    let mut world = emu.world();
    let role = world
        .roles
        .get_mut(name)
        .ok_or_else(|| no_such_role(name))?;
    edit(role);
    Ok(json!({}))
}

fn update_role(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = req_str(input, "RoleName", "ValidationError")?;
    let description = opt_str(input, "Description").map(str::to_string);
    let duration = opt_num(input, "MaxSessionDuration");
    let described = input.get("Description").is_some();
    edit_role(emu, &name, |role| {
        if described {
            role["Description"] = json!(description.unwrap_or_default());
        }
        if let Some(d) = duration {
            role["MaxSessionDuration"] = json!(d as i64);
        }
    })
}

fn update_assume_role_policy(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = req_str(input, "RoleName", "ValidationError")?;
    let document = req_str(input, "PolicyDocument", "ValidationError")?;
    edit_role(emu, &name, |role| {
        role["AssumeRolePolicyDocument"] = json!(url_encoded(&document));
    })
}

fn tag_role(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = req_str(input, "RoleName", "ValidationError")?;
    let new = tags(input);
    edit_role(emu, &name, |role| {
        let mut all: Vec<Value> = list(role, "Tags")
            .into_iter()
            .filter(|t| !new.iter().any(|n| n["Key"] == t["Key"]))
            .collect();
        all.extend(new);
        role["Tags"] = json!(all);
    })
}

fn untag_role(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = req_str(input, "RoleName", "ValidationError")?;
    let keys = strings(input, "TagKeys");
    edit_role(emu, &name, |role| {
        let kept: Vec<Value> = list(role, "Tags")
            .into_iter()
            .filter(|t| !keys.iter().any(|k| t["Key"] == *k))
            .collect();
        match role.as_object_mut() {
            Some(map) if kept.is_empty() => {
                map.remove("Tags");
            }
            _ => role["Tags"] = json!(kept),
        }
    })
}

fn list_role_tags(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let role = role(emu, input)?;
    Ok(json!({"Tags": list(&role, "Tags"), "IsTruncated": false}))
}

fn policy_arn(input: &Value) -> Result<String, ApiError> {
    let arn = req_str(input, "PolicyArn", "ValidationError")?;
    if !arn.starts_with("arn:aws:iam::") || !arn.contains(":policy/") {
        return Err(ApiError::client(
            "InvalidInput",
            format!("ARN {arn} is not valid."),
        ));
    }
    Ok(arn)
}

fn attach_role_policy(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = req_str(input, "RoleName", "ValidationError")?;
    let arn = policy_arn(input)?;
    let mut world = emu.world();
    if !world.roles.contains_key(&name) {
        return Err(no_such_role(&name));
    }
    let attached = world.attached_policies.entry(name).or_default();
    if !attached.contains(&arn) {
        attached.push(arn);
    }
    Ok(json!({}))
}

fn detach_role_policy(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = req_str(input, "RoleName", "ValidationError")?;
    let arn = policy_arn(input)?;
    let mut world = emu.world();
    if !world.roles.contains_key(&name) {
        return Err(no_such_role(&name));
    }
    let attached = world.attached_policies.entry(name).or_default();
    let before = attached.len();
    attached.retain(|a| a != &arn);
    if attached.len() == before {
        return Err(ApiError {
            status: 404,
            code: "NoSuchEntity".into(),
            message: format!("Policy {arn} was not found."),
        });
    }
    Ok(json!({}))
}

fn list_attached_role_policies(emu: &Emu, input: &Value) -> Result<Value, ApiError> {
    let name = req_str(input, "RoleName", "ValidationError")?;
    let world = emu.world();
    if !world.roles.contains_key(&name) {
        return Err(no_such_role(&name));
    }
    let prefix = opt_str(input, "PathPrefix").unwrap_or("/");
    let attached: Vec<Value> = world
        .attached_policies
        .get(&name)
        .into_iter()
        .flatten()
        .filter(|arn| {
            arn.split_once(":policy")
                .is_some_and(|(_, rest)| rest.starts_with(prefix))
        })
        .map(|arn| {
            let policy_name = arn.rsplit('/').next().unwrap_or(arn);
            json!({"PolicyName": policy_name, "PolicyArn": arn})
        })
        .collect();
    Ok(json!({"AttachedPolicies": attached, "IsTruncated": false}))
}
