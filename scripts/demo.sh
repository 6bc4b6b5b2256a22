#!/usr/bin/env bash
# make demo: a blue/green rollout through `terraform apply` against the local AWS emulator, told as a story in
# two acts: the CodeDeploy engine (this script), then the ECS-native engine (scripts/demo-native.sh, run
# meanwhile against its own emulator and printed after). Time-scaled (one emulated minute per second) so it
# finishes in well under a minute; DEMO_TIME_SCALE=1 runs it at real pace (make demo-real-time). Leaves
# nothing running.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scale=${DEMO_TIME_SCALE:-60}

# shellcheck source=scripts/demo-lib.sh
source "$root/scripts/demo-lib.sh"

say "Building the provider and the emulator"
cargo build -q -p terraform-provider-ecsbg -p ecsbg-emulator

work=$(mktemp -d)
emulator_pid=""
native_pid=""
cleanup() {
  # The second act runs in its own process group (set -m below): end all of it, then wait for its cleanup.
  [ -n "$native_pid" ] && kill -TERM -- -"$native_pid" 2>/dev/null && wait "$native_pid" 2>/dev/null
  stop_emulator
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Act two (the same story on the ECS-native engine, scripts/demo-native.sh) runs meanwhile against its own
# emulator, its output kept until act one is told: the two together take about as long as act one alone.
set -m
DEMO_BUILT=1 bash "$root/scripts/demo-native.sh" > "$work/act2.out" 2>&1 &
native_pid=$!
set +m

say "Act one: the CodeDeploy engine"
say "Starting the local AWS emulator (ECS, CodeDeploy, ELBv2, CloudWatch on 127.0.0.1, time x$scale)"
start_emulator "$root/acceptance-tests/emulator/seeds/demo.toml"
prod=$(url web/production)
test_url=$(url web/test)
note "production listener: $prod    test listener: $test_url"
note "GET production -> $(get "$prod")"
note "to watch each rollout live, in a second terminal:"
note "  AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY AWS_REGION=$AWS_REGION $root/target/debug/terraform-provider-ecsbg watch web:web-prod"

use_built_provider

write_config() { # message, gate body regex, extra lines
  cat > "$work/tf/main.tf" <<HCL
terraform {
  required_providers {
    ecsbg = { source = "ecsbg/ecsbg" }
  }
}

provider "ecsbg" {}

resource "ecsbg_deployment" "web" {
  application_name      = "web"
  deployment_group_name = "web-prod"

  task_definition = jsonencode({
    family                  = "web"
    networkMode             = "awsvpc"
    requiresCompatibilities = ["FARGATE"]
    cpu                     = "256"
    memory                  = "512"
    containerDefinitions = [{
      name         = "web"
      image        = "ghcr.io/acme/web:$2"
      portMappings = [{ containerPort = 80 }]
      environment  = [{ name = "MESSAGE", value = "$1" }]
    }]
  })

  test_gate {
    http {
      path       = "/"
      body_regex = "$3"
      attempts   = 2
      interval   = "500ms"
    }
  }
$4
}
HCL
}

say "1. Adopt the running service: v1 is live, so the first apply deploys nothing"
write_config "Hello from v1" v1 "Hello from v1" ""
tf apply -auto-approve | grep -E 'Apply complete|Error' || true

say "2. terraform plan for v2: the diff reviewers approve, in Terraform's own output and in words"
write_config "Hello from v2" v2 "Hello from v1" ""
tf plan | sed -n '/Terraform will perform/,$p'

say "3. Apply v2 with a gate that (wrongly) expects v1 on the test listener: the gate fails, CodeDeploy rolls back"
tf apply -auto-approve | sed -n '/Error:/,$p' || true
note "GET production -> $(get "$prod")   (still v1; state says v1, so the next plan shows the change again)"

say "4. Fix the gate and apply again: v2 ships"
write_config "Hello from v2" v2 "Hello from v2" ""
tf apply -auto-approve | grep -E 'Apply complete|Error' || true
note "GET production -> $(get "$prod")"

say "5. v3 with a bake time; a burst of 404s on production during the bake fires the web-404s alarm"
write_config "Hello from v3" v3 "Hello from v3" '  bake_time = "20s"'
(cd "$work/tf" && terraform apply -auto-approve -no-color > "$work/apply5.log" 2>&1) &
apply_pid=$!
for _ in $(seq 600); do [ "$(get "$prod")" = "Hello from v3" ] && break; sleep 0.2; done
note "production now serves: $(get "$prod") — sending 404s..."
burst "$prod/no-such-page" 4
wait $apply_pid || true
sed -n '/Error:/,$p' "$work/apply5.log"
note "GET production -> $(get "$prod")"

say "Act two: the same story on the ECS-native engine (scripts/demo-native.sh, also make demo-native)"
native_status=0
wait "$native_pid" || native_status=$?
native_pid=""
cat "$work/act2.out"
[ "$native_status" = 0 ] || { echo "act two failed (exit $native_status)"; exit "$native_status"; }

say "Done. The emulators stop now; nothing is left running."
