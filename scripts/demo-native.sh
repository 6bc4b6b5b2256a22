#!/usr/bin/env bash
# make demo-native (and act two of make demo): the demo's story on the ECS-native engine. The same web
# service, but ECS deploys it itself (ECS controller, BLUE_GREEN strategy, a PAUSE hook after test traffic
# shifts, a 10-minute bake) and ecsbg_deployment names it by cluster_name/service_name instead of a CodeDeploy
# group. Time-scaled like make demo (DEMO_TIME_SCALE); leaves nothing running.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scale=${DEMO_TIME_SCALE:-60}

# shellcheck source=scripts/demo-lib.sh
source "$root/scripts/demo-lib.sh"

if [ -z "${DEMO_BUILT:-}" ]; then
  say "Building the provider and the emulator"
  cargo build -q -p terraform-provider-ecsbg -p ecsbg-emulator
fi

work=$(mktemp -d)
emulator_pid=""
trap stop_emulator EXIT
trap 'exit 143' INT TERM

say "Starting a second emulator: service demo/web on the ECS controller (BLUE_GREEN; PAUSE at POST_TEST_TRAFFIC_SHIFT; bake 10 min), time x$scale"
start_emulator "$root/acceptance-tests/emulator/seeds/native-demo.toml"
prod=$(url web/production)
test_url=$(url web/test)
note "production listener: $prod    test listener: $test_url (ECS moves the weights of their rules)"
note "GET production -> $(get "$prod")"

use_built_provider

write_config() { # version, gate body regex, extra lines
  cat > "$work/tf/main.tf" <<HCL
terraform {
  required_providers {
    ecsbg = { source = "ecsbg/ecsbg" }
  }
}

provider "ecsbg" {}

resource "ecsbg_deployment" "web" {
  cluster_name = "demo"
  service_name = "web"

  task_definition = jsonencode({
    family                  = "web"
    networkMode             = "awsvpc"
    requiresCompatibilities = ["FARGATE"]
    cpu                     = "256"
    memory                  = "512"
    containerDefinitions = [{
      name         = "web"
      image        = "ghcr.io/acme/web:$1"
      portMappings = [{ containerPort = 80 }]
      environment  = [{ name = "MESSAGE", value = "Hello from $1" }]
    }]
  })

  test_gate {
    http {
      path       = "/"
      body_regex = "$2"
      attempts   = 2
      interval   = "500ms"
    }
  }
$3
}

output "timeline" {
  value = ecsbg_deployment.web.timeline
}
HCL
}

say "1. Adopt the running service: v1 is live, so the first apply deploys nothing"
write_config v1 "Hello from v1" ""
tf apply -auto-approve | grep -E 'Apply complete|Error' || true

say "2. terraform plan for v2: the same diff in Terraform's output and in words, now rolling out to demo/web"
write_config v2 "Hello from v1" ""
tf plan | sed -n '/Terraform will perform/,$p'

say "3. Apply v2 with a gate that (wrongly) expects v1: ECS pauses with test traffic on green, the gate fails, the provider rolls back"
tf apply -auto-approve | sed -n '/Error:/,$p' || true
note "GET production -> $(get "$prod")   (still v1)"

say "4. Fix the gate and watch the web-404s alarm: v2 takes production, a burst of 404s during ECS's bake rolls it back"
write_config v2 "Hello from v2" '  alarms = ["web-404s"]'
(cd "$work/tf" && terraform apply -auto-approve -no-color > "$work/apply4.log" 2>&1) &
apply_pid=$!
for _ in $(seq 600); do [ "$(get "$prod")" = "Hello from v2" ] && break; sleep 0.2; done
note "production now serves: $(get "$prod") — sending 404s..."
burst "$prod/no-such-page" 4 &
burst_pid=$!
wait $apply_pid || true
kill "$burst_pid" 2>/dev/null; wait "$burst_pid" 2>/dev/null || true
sed -n '/Error:/,$p' "$work/apply4.log"
note "GET production -> $(get "$prod")"

say "5. Apply again without the 404s: v2 passes the gate, takes production and bakes; ECS finishes"
# Until web-404s has left ALARM, the provider refuses to start (the rollout would be rolled back at once).
for _ in $(seq 30); do
  tf apply -auto-approve > "$work/apply5.log" || true
  grep -q "Rollout refused before it started" "$work/apply5.log" || break
  sleep 1
done
grep -E 'Apply complete' "$work/apply5.log" || sed -n '/Error:/,$p' "$work/apply5.log"
note "GET production -> $(get "$prod")    GET test -> $(get "$test_url")"
note "the rollout's timeline (terraform output timeline):"
(cd "$work/tf" && terraform output -json timeline 2>/dev/null || echo '[]') | python3 -c 'import json,sys; [print("      " + line) for line in json.load(sys.stdin)]'
