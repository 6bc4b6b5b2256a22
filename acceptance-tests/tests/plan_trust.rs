//! Plans a reviewer can trust, through the real `terraform` binary: a saved plan applied after production
//! moved is refused by the provider (never Terraform's "bug in the provider"), also without refresh and when
//! production moves during the apply itself; every computed attribute the plan knows is what apply stores;
//! identical content promoted from QA to prod deploys QA's revision; `redeploy_triggers` rolls the same
//! content out again; a destroy plan says the service keeps serving.

use std::time::Duration;

use ecsbg::resource::deployment::DeploymentResource;
use ecsbg_acceptance::campaign::{primary_task_definition, state_task_definition_arn};
use ecsbg_acceptance::emulator::{demo_seed, many_services_seed, wait_until, Running};
use ecsbg_acceptance::stage::Stage;
use ecsbg_acceptance::terraform::{
    flat, web_deployment, web_resource, Run, Workspace, PROVIDER_HEADER,
};
use serde_json::{json, Value};

const PROVIDER: &str = env!("CARGO_BIN_EXE_terraform-provider-ecsbg-testing");
const SCALE: f64 = 60.0;

fn registrations(emu: &Running) -> u64 {
    emu.calls("ecs.RegisterTaskDefinition")
}

fn mutations(emu: &Running) -> u64 {
    registrations(emu) + emu.calls("codedeploy.CreateDeployment")
}

/// Registers `version` of the demo's web service with the content `web_deployment(version)` configures, as
/// `aws ecs register-task-definition` would; returns the revision.
fn register(emu: &Running, version: &str) -> String {
    let registered = emu.ecs(
        "RegisterTaskDefinition",
        &json!({"family": "web", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512",
            "containerDefinitions": [{"name": "web", "image": format!("ghcr.io/acme/web:{version}"), "portMappings": [{"containerPort": 80}],
                "environment": [{"name": "MESSAGE", "value": format!("Hello from {version}")}]}]}),
    );
    registered["taskDefinition"]["taskDefinitionArn"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Ships `version` of the demo's web service the way an operator with the AWS CLI would: `aws ecs
/// register-task-definition`, `aws deploy create-deployment`, then `aws deploy continue-deployment` through
/// the Ready and termination waits until CodeDeploy says Succeeded. Returns (revision, deployment id).
fn ship_out_of_band(emu: &Running, version: &str) -> anyhow::Result<(String, String)> {
    let arn = register(emu, version);
    let appspec = json!({"version": "0.0", "Resources": [{"TargetService": {"Type": "AWS::ECS::Service", "Properties": {"TaskDefinition": arn, "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": 80}}}}]});
    let created = emu.codedeploy(
        "CreateDeployment",
        &json!({"applicationName": "web", "deploymentGroupName": "web-prod", "revision": {"revisionType": "AppSpecContent", "appSpecContent": {"content": appspec.to_string()}}}),
    );
    let id = created["deploymentId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let succeeded = wait_until(Duration::from_secs(120), || {
        for wait in ["READY_WAIT", "TERMINATION_WAIT"] {
            // Refused while the deployment is not at that wait; an operator would retry the same way.
            let _ = emu.try_codedeploy(
                "ContinueDeployment",
                &json!({"deploymentId": id, "deploymentWaitType": wait}),
            );
        }
        emu.try_codedeploy("GetDeployment", &json!({"deploymentId": id}))
            .is_ok_and(|d| d["deploymentInfo"]["status"] == "Succeeded")
    });
    anyhow::ensure!(succeeded, "the out-of-band deployment {id} did not succeed");
    anyhow::ensure!(primary_task_definition(emu, "web") == arn);
    Ok((arn, id))
}

/// `terraform <args…>` with `-no-color` before any file argument (Terraform stops reading flags there).
fn tf(ws: &Workspace, args: &[&str]) -> anyhow::Result<Run> {
    let mut all = vec![args[0], "-no-color"];
    all.extend_from_slice(&args[1..]);
    Ok(Run::from(ws.command(&all).output()?))
}

/// Asserts the provider's own refusal: what the plan saw, what serves now, who moved it, what to do — and
/// neither Terraform's consistency error nor anything registered or deployed.
fn assert_refused(run: &Run, saw: &str, now: &str, moved_by: &str) {
    let out = flat(&run.output());
    assert_ne!(run.code, 0, "{out}");
    for part in [
        "Production changed since the plan",
        &format!("The plan saw {saw} serving production"),
        &format!("production now serves {now}"),
        &format!("latest deployment: {moved_by} (creator user, created 20"),
        "Run `terraform plan` again",
        "nothing was registered or deployed",
    ] {
        assert!(out.contains(part), "missing {part:?} in: {out}");
    }
    assert!(
        !out.contains("bug in the provider") && !out.contains("inconsistent final plan"),
        "{out}"
    );
}

#[test]
fn a_plan_made_before_production_moved_is_refused_by_the_provider() -> anyhow::Result<()> {
    let Stage { emu, ws } =
        Stage::start(PROVIDER, demo_seed()?, SCALE)?.serving(&web_deployment("v1", ""))?;
    let v1 = state_task_definition_arn(&ws)?;
    ws.write_main(&web_deployment("v2", ""))?;
    tf(&ws, &["plan", "-out=tfplan"])?.success()?;

    // Someone ships v3 with the AWS CLI; then the reviewed plan is applied.
    let (v3, moved_by) = ship_out_of_band(&emu, "v3")?;
    let before = mutations(&emu);
    let applied = tf(&ws, &["apply", "tfplan"])?;
    assert_refused(&applied, &v1, &v3, &moved_by);
    assert_eq!(mutations(&emu), before, "nothing registered or deployed");
    assert_eq!(state_task_definition_arn(&ws)?, v1, "state unchanged");
    assert_eq!(primary_task_definition(&emu, "web"), v3);

    // Without refresh the state's old record is all a plan has: refused the same way, saying why.
    let unrefreshed = tf(&ws, &["plan", "-refresh=false"])?;
    assert_refused(&unrefreshed, &v1, &v3, &moved_by);
    assert!(flat(&unrefreshed.output()).contains("-refresh=false"));
    let unrefreshed = tf(&ws, &["apply", "-auto-approve", "-refresh=false"])?;
    assert_refused(&unrefreshed, &v1, &v3, &moved_by);
    assert_eq!(mutations(&emu), before, "nothing registered or deployed");

    // Planned again (refreshed), the diff is against what serves now, and the apply goes ahead.
    let replanned = tf(&ws, &["plan", "-out=again.tfplan"])?.success()?;
    let out = flat(&replanned.output());
    assert!(
        out.contains("image ghcr.io/acme/web:v3 → ghcr.io/acme/web:v2"),
        "{out}"
    );
    tf(&ws, &["apply", "again.tfplan"])?.success()?;
    let v2 = state_task_definition_arn(&ws)?;
    assert_eq!(primary_task_definition(&emu, "web"), v2);
    assert_ne!(v2, v3);
    Ok(())
}

/// Production moves inside one `terraform apply`, after its plan and before this resource's turn: a
/// `terraform_data` the resource depends on holds the apply (a local-exec waiting for a file) while the
/// test ships v3, so the moment is the same every run.
#[test]
fn production_moving_during_the_apply_is_refused_by_the_provider() -> anyhow::Result<()> {
    let Stage { emu, ws } =
        Stage::start(PROVIDER, demo_seed()?, SCALE)?.serving(&web_deployment("v1", ""))?;
    let v1 = state_task_definition_arn(&ws)?;
    let hold = "resource \"terraform_data\" \"moment\" {\n  input = \"v2\"\n  provisioner \"local-exec\" {\n    command = \"touch reached; while [ ! -f released ]; do sleep 0.1; done\"\n  }\n}\n";
    let hcl = format!(
        "{}{hold}",
        web_deployment("v2", "  depends_on = [terraform_data.moment]\n")
    );
    let child = ws.spawn_apply(&hcl)?;
    let reached = wait_until(Duration::from_secs(120), || ws.dir.join("reached").exists());
    assert!(reached, "the apply never reached the held moment");
    let (v3, moved_by) = ship_out_of_band(&emu, "v3")?;
    let before = mutations(&emu);
    std::fs::write(ws.dir.join("released"), "")?;
    let applied = Run::from(child.wait_with_output()?);
    assert_refused(&applied, &v1, &v3, &moved_by);
    assert_eq!(mutations(&emu), before, "nothing registered or deployed");
    assert_eq!(state_task_definition_arn(&ws)?, v1, "state unchanged");
    Ok(())
}

/// The schema's computed attributes (optional ones included): what a plan may promise.
fn computed_attributes() -> Vec<String> {
    DeploymentResource::schema_only()
        .block
        .attributes
        .into_iter()
        .filter(|a| a.computed)
        .map(|a| a.name)
        .collect()
}

/// Plans into a file, applies that file, and checks that every computed attribute the plan knew is what
/// apply stored. Returns how many were known (so a plan of unknowns cannot pass unnoticed) and the plan's
/// output.
fn plan_keeps_its_word(ws: &Workspace, step: &str) -> anyhow::Result<(usize, String)> {
    let planned = tf(ws, &["plan", "-out=step.tfplan"])?.success()?;
    let shown = tf(ws, &["show", "-json", "step.tfplan"])?.success()?;
    let plan: Value = serde_json::from_str(&shown.stdout)?;
    let change = plan["resource_changes"]
        .as_array()
        .and_then(|all| all.iter().find(|r| r["address"] == "ecsbg_deployment.web"))
        .map(|r| r["change"].clone())
        .unwrap_or_default();
    let applied = tf(ws, &["apply", "step.tfplan"])?.success()?;
    let said = applied.output();
    assert!(!said.contains("bug in the provider"), "{step}: {said}");
    let stored = ws.resource_values("ecsbg_deployment.web")?;
    let mut known = 0;
    for name in computed_attributes() {
        if change["after_unknown"][&name] == json!(true) {
            continue;
        }
        assert_eq!(
            change["after"][&name], stored[&name],
            "{step}: the plan promised {name} = {}, apply stored {}",
            change["after"][&name], stored[&name]
        );
        known += 1;
    }
    Ok((known, flat(&planned.output())))
}

#[test]
fn every_computed_value_a_plan_shows_is_what_apply_stores() -> anyhow::Result<()> {
    let Stage { emu, ws } = Stage::start(PROVIDER, demo_seed()?, SCALE)?;
    let computed = computed_attributes().len();
    let bake = "  bake_time = \"1s\"\n";

    ws.write_main(&web_deployment("v1", ""))?;
    let (known, _) = plan_keeps_its_word(&ws, "create (adopting v1)")?;
    assert!(known >= 6, "create: only {known} of {computed} known");

    ws.write_main(&web_deployment("v1", bake))?;
    let (known, _) = plan_keeps_its_word(&ws, "update without a rollout")?;
    assert_eq!(known, computed, "update without a rollout knows everything");

    ws.write_main(&web_deployment("v2", bake))?;
    let (known, _) = plan_keeps_its_word(&ws, "update with a rollout")?;
    assert!(known >= 6, "update with a rollout: only {known} known");
    let v2 = state_task_definition_arn(&ws)?;
    assert_eq!(primary_task_definition(&emu, "web"), v2);

    // A forced redeploy: the same revision rolls out again, nothing registered, the plan says why.
    let (registered, created) = (
        registrations(&emu),
        emu.calls("codedeploy.CreateDeployment"),
    );
    let deployed_before = ws.resource_values("ecsbg_deployment.web")?["deployment_id"].clone();
    let triggers = |version: &str| {
        web_deployment(
            "v2",
            &format!("{bake}  redeploy_triggers = {{ db_password_version = \"{version}\" }}\n"),
        )
    };
    // First set: recorded, no rollout (as after an import).
    ws.write_main(&triggers("1"))?;
    let (known, said) = plan_keeps_its_word(&ws, "redeploy_triggers first set")?;
    assert_eq!(known, computed, "{said}");
    assert_eq!(emu.calls("codedeploy.CreateDeployment"), created);
    ws.write_main(&triggers("2"))?;
    let (known, said) = plan_keeps_its_word(&ws, "redeploy_triggers changed")?;
    assert!(known >= 6);
    assert!(
        said.contains("redeploy_triggers changed (db_password_version): the same task definition rolls out again"),
        "{said}"
    );
    assert_eq!(registrations(&emu), registered);
    assert_eq!(emu.calls("codedeploy.CreateDeployment"), created + 1);
    let stored = ws.resource_values("ecsbg_deployment.web")?;
    assert_eq!(stored["task_definition_arn"], json!(v2));
    assert_eq!(stored["status"], json!("Succeeded"));
    assert_ne!(stored["deployment_id"], deployed_before);

    // Import, then plan and apply against the imported state.
    Run::from(
        ws.command(&["state", "rm", "ecsbg_deployment.web"])
            .output()?,
    )
    .success()?;
    tf(&ws, &["import", "ecsbg_deployment.web", "web:web-prod"])?.success()?;
    let (known, _) = plan_keeps_its_word(&ws, "import, then plan")?;
    assert!(known >= 6);

    // A destroy plan says the service keeps serving.
    let destroy = tf(&ws, &["plan", "-destroy"])?.success()?;
    let out = flat(&destroy.output());
    assert!(
        out.contains("Destroying ecsbg_deployment leaves the service serving")
            && out.contains(&format!("keeps serving {v2}")),
        "{out}"
    );
    Ok(())
}

/// QA (group web0-prod) and prod (group web1-prod) run the same family. Once QA has shipped v2, prod's plan
/// for the same content names QA's revision, and the apply deploys it without registering another.
#[test]
fn promoting_identical_content_from_qa_to_prod_deploys_qas_revision() -> anyhow::Result<()> {
    let mut seed = many_services_seed(2)?;
    seed.services[1].task_definition = "web0".into();
    seed.task_definitions
        .retain(|td| td["family"] == json!("web0"));
    let Stage { emu, ws } = Stage::start(PROVIDER, seed, SCALE)?;
    let both = |qa: &str, prod: &str| {
        format!(
            "{PROVIDER_HEADER}{}{}",
            web_resource("qa", "web0", "web0-prod", qa, ""),
            web_resource("web", "web0", "web1-prod", prod, "")
        )
    };
    ws.apply(&both("v1", "v1"))?;
    ws.apply(&both("v2", "v1"))?;
    let qa = ws.resource_values("ecsbg_deployment.qa")?["task_definition_arn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(qa.ends_with("task-definition/web0:2"), "{qa}");
    let registered = registrations(&emu);

    ws.write_main(&both("v2", "v2"))?;
    let (_, said) = plan_keeps_its_word(&ws, "promotion to prod")?;
    assert!(
        said.contains(&format!("-> \"{qa}\"")),
        "the plan names QA's revision: {said}"
    );
    assert_eq!(registrations(&emu), registered, "nothing registered");
    assert_eq!(state_task_definition_arn(&ws)?, qa);
    assert_eq!(primary_task_definition(&emu, "web1"), qa);
    Ok(())
}

/// The search for an identical revision covers the family's newest 20 ACTIVE revisions (listed across
/// pages) and no more: v2's revision is reused while 19 newer ones exist, and not once a 20th pushes it out.
#[test]
fn an_identical_revision_is_reused_only_among_the_newest_twenty() -> anyhow::Result<()> {
    let Stage { emu, ws } =
        Stage::start(PROVIDER, demo_seed()?, SCALE)?.serving(&web_deployment("v1", ""))?;
    let v1 = state_task_definition_arn(&ws)?;
    let v2 = register(&emu, "v2");
    for i in 0..19 {
        register(&emu, &format!("filler-{i}"));
    }
    ws.write_main(&web_deployment("v2", ""))?;
    let within = flat(&tf(&ws, &["plan"])?.success()?.output());
    assert!(within.contains(&format!("-> \"{v2}\"")), "{within}");

    register(&emu, "filler-19");
    let beyond = flat(&tf(&ws, &["plan"])?.success()?.output());
    assert!(!beyond.contains(&v2), "{beyond}");
    assert!(
        beyond.contains(&format!(
            "task_definition_arn = \"{v1}\" -> (known after apply)"
        )),
        "{beyond}"
    );
    Ok(())
}
