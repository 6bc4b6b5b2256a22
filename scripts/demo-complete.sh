#!/usr/bin/env bash
# make demo-complete: examples/scenarios/aws-complete, the setup real users copy, against the local emulator:
# hashicorp/aws builds the whole stage (cluster, load balancer, listeners, target groups, service, IAM role,
# alarm, CodeDeploy application and group) and ecsbg_deployment ships v1 through it in ONE terraform apply;
# then v2 ships through the test gate, the next plan is empty, and destroy ends it. About three minutes
# (hashicorp/aws waits 30 s at a time for a new load balancer). Leaves nothing running.
#
# hashicorp/aws 5.x comes from a filesystem mirror (TF_PLUGIN_MIRROR, /opt/tf-plugins or Terraform's usual
# plugin directories, laid out as registry.terraform.io/hashicorp/aws/<version>/<os_arch>/) or, when there is
# none, from the Terraform registry.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scale=${DEMO_TIME_SCALE:-60}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
os_arch="$(uname -s | tr '[:upper:]' '[:lower:]')_$(uname -m | sed -e 's/x86_64/amd64/' -e 's/aarch64/arm64/')"

# shellcheck source=scripts/demo-lib.sh
source "$root/scripts/demo-lib.sh"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

how_to_get_aws() {
  cat <<EOF

hashicorp/aws 5.x is needed for this demo (it builds the stage), and Terraform could not install it.
Either let Terraform reach registry.terraform.io, or put the provider in a filesystem mirror: on a machine
with registry access, in a directory whose configuration requires hashicorp/aws 5.x, run
    terraform providers mirror -platform=$os_arch DIR
copy DIR here and run
    TF_PLUGIN_MIRROR=DIR make demo-complete
EOF
}

# The first root holding hashicorp/aws 5.x for this platform in the filesystem-mirror layout.
aws_mirror=""
for candidate in "${TF_PLUGIN_MIRROR:-}" /opt/tf-plugins "$HOME/.terraform.d/plugins" \
    "${XDG_DATA_HOME:-$HOME/.local/share}/terraform/plugins" /usr/local/share/terraform/plugins /usr/share/terraform/plugins; do
  [ -n "$candidate" ] || continue
  if compgen -G "$candidate/registry.terraform.io/hashicorp/aws/5.*/$os_arch/terraform-provider-aws*" > /dev/null; then
    aws_mirror=$candidate
    break
  fi
done

say "Building the provider and the emulator"
cargo build -q -p terraform-provider-ecsbg -p ecsbg-emulator

work=$(mktemp -d)
emulator_pid=""
cleanup() {
  [ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

say "Starting the local AWS emulator, empty (time x$scale)"
"$root/target/debug/ecsbg-emulator" --time-scale "$scale" --print-env --ready-file "$work/ready.json" \
  > "$work/env" 2> "$work/emulator.log" &
emulator_pid=$!
for _ in $(seq 100); do [ -s "$work/ready.json" ] && break; sleep 0.1; done
[ -s "$work/ready.json" ] || { echo "the emulator did not start:"; cat "$work/emulator.log"; exit 1; }
# shellcheck disable=SC1091
source "$work/env"
endpoint=$(python3 -c "import json;print(json.load(open('$work/ready.json'))['endpoint'])")
note "endpoint: $endpoint"

# ecsbg from a private mirror (built just now), hashicorp/aws from the mirror found (else the registry).
mkdir -p "$work/mirror/registry.terraform.io/ecsbg/ecsbg/$version/$os_arch" "$work/tf"
ln -s "$root/target/debug/terraform-provider-ecsbg" \
  "$work/mirror/registry.terraform.io/ecsbg/ecsbg/$version/$os_arch/terraform-provider-ecsbg_v$version"
{
  echo 'provider_installation {'
  echo "  filesystem_mirror {"
  echo "    path    = \"$work/mirror\""
  echo '    include = ["registry.terraform.io/ecsbg/ecsbg"]'
  echo '  }'
  if [ -n "$aws_mirror" ]; then
    echo "  filesystem_mirror {"
    echo "    path    = \"$aws_mirror\""
    echo '    include = ["registry.terraform.io/hashicorp/aws"]'
    echo '  }'
    echo '  direct { exclude = ["registry.terraform.io/ecsbg/ecsbg", "registry.terraform.io/hashicorp/aws"] }'
  else
    echo '  direct { exclude = ["registry.terraform.io/ecsbg/ecsbg"] }'
  fi
  echo '}'
} > "$work/terraformrc"
export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

# The example as users have it, plus an override file pointing hashicorp/aws at the emulator.
cp "$root/examples/scenarios/aws-complete/main.tf" "$work/tf/"
cat > "$work/tf/emulator_override.tf" <<HCL
provider "aws" {
  access_key                  = "emulator"
  secret_key                  = "emulator"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  endpoints {
    cloudwatch = "$endpoint"
    codedeploy = "$endpoint"
    ec2        = "$endpoint"
    ecs        = "$endpoint"
    elbv2      = "$endpoint"
    iam        = "$endpoint"
    sts        = "$endpoint"
  }
}
HCL
production_port=$(free_port)
test_port=$(free_port)
cat > "$work/tf/terraform.tfvars" <<HCL
region          = "us-east-1"
vpc_id          = "vpc-emulator"
subnet_ids      = ["subnet-a", "subnet-b"]
production_port = $production_port
test_port       = $test_port
bake_time       = "2s"
HCL
tf() { (cd "$work/tf" && terraform "$@" -no-color 2>&1); }

say "terraform init (hashicorp/aws from ${aws_mirror:-the Terraform registry})"
if ! tf init > "$work/init.log"; then
  cat "$work/init.log"
  how_to_get_aws
  exit 1
fi

say "1. One apply from nothing: hashicorp/aws builds the stage, ecsbg_deployment ships v1 through it"
note "(the plan warns that the CodeDeploy application does not exist yet; the apply checks again once it does)"
tf apply -auto-approve -var image_tag=v1 | grep -E 'Creation complete|not found now|Apply complete|Error' || true
note "GET production -> $(get "http://127.0.0.1:$production_port")"

say "2. Ship v2: CodeDeploy blue/green, the test gate against the test listener, then production"
tf apply -auto-approve -var image_tag=v2 | grep -E 'ghcr.io|Modifications complete|Apply complete|Error' || true
note "GET production -> $(get "http://127.0.0.1:$production_port")"

say "3. terraform plan for the whole configuration: nothing to change (the ignore_changes hand-over holds)"
set +e
tf plan -detailed-exitcode -var image_tag=v2 | grep -E 'No changes|will be updated|Plan:|Error'
code=${PIPESTATUS[0]}
set -e
note "terraform plan -detailed-exitcode exited $code"

say "4. terraform destroy"
tf destroy -auto-approve -var image_tag=v2 | grep -E 'Destroy complete|Error' || true

say "Done. The emulator stops now; nothing is left running."
