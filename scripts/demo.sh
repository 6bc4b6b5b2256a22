#!/usr/bin/env bash
# make demo: a blue/green rollout through `terraform apply` against the local AWS emulator, told as a story.
# Time-scaled (one CodeDeploy minute per second) so it finishes in about a minute; DEMO_TIME_SCALE=1 runs it
# at real pace (make demo-real-time). Leaves nothing running.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scale=${DEMO_TIME_SCALE:-60}

# shellcheck source=scripts/demo-lib.sh
source "$root/scripts/demo-lib.sh"

# Send 404-provoking GETs from one process for N seconds (~50 a second): the alarm needs 5 in one of its
# one-second periods (a 60 s period at time x60), which a process per request cannot promise on a loaded machine.
burst() { python3 -c '
import sys, time, urllib.request, urllib.error
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    try:
        urllib.request.urlopen(sys.argv[1], timeout=2).read()
    except Exception:
        pass
    time.sleep(0.02)
' "$1" "$2"; }

say "Building the provider and the emulator"
cargo build -q -p terraform-provider-ecsbg -p ecsbg-emulator

work=$(mktemp -d)
emulator_pid=""
cleanup() {
  [ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

say "Starting the local AWS emulator (ECS, CodeDeploy, ELBv2, CloudWatch on 127.0.0.1, time x$scale)"
"$root/target/debug/ecsbg-emulator" --seed "$root/acceptance-tests/emulator/seeds/demo.toml" --time-scale "$scale" \
  --print-env --ready-file "$work/ready.json" > "$work/env" 2> "$work/emulator.log" &
emulator_pid=$!
for _ in $(seq 100); do [ -s "$work/ready.json" ] && break; sleep 0.1; done
[ -s "$work/ready.json" ] || { echo "the emulator did not start:"; cat "$work/emulator.log"; exit 1; }
# shellcheck disable=SC1091
source "$work/env"
url() { python3 -c "import json,sys;print(json.load(open('$work/ready.json'))['listeners'][sys.argv[1]]['url'])" "$1"; }
prod=$(url web/production)
test_url=$(url web/test)
note "production listener: $prod    test listener: $test_url"
note "GET production -> $(get "$prod")"
note "to watch each rollout live, in a second terminal:"
note "  AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY AWS_REGION=$AWS_REGION $root/target/debug/terraform-provider-ecsbg watch web:web-prod"

mkdir -p "$work/bin" "$work/tf"
ln -s "$root/target/debug/terraform-provider-ecsbg" "$work/bin/terraform-provider-ecsbg"
cat > "$work/terraformrc" <<HCL
provider_installation {
  dev_overrides { "registry.terraform.io/ecsbg/ecsbg" = "$work/bin" }
  direct {}
}
HCL
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
tf() { (cd "$work/tf" && terraform "$@" -no-color 2>&1 | grep -v -e 'Provider development overrides' -e 'The following provider development' -e '^ - ecsbg/ecsbg in' -e 'The behavior may therefore' -e 'applying changes may cause' -e 'releases.$' -e '^configuration:$' -e '^Warning: Provider development'); }

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

say "Done. The emulator stops now; nothing is left running."
