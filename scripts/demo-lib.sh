#!/usr/bin/env bash
# Helpers the demos source (make demo, make demo-native, make demo-complete): HTTP GETs through python3 (one
# fewer tool to install than curl on a fresh machine), the story's headings, and the stage every act shares:
# the emulator started from a seed, Terraform pointed at the provider just built. The stage helpers use the
# sourcing script's $root (the repository), $work (its temporary directory) and $scale (emulated seconds per
# real second).
# shellcheck disable=SC2154

# GET a URL and print the body, the HTTP status on an error status, or why it was unreachable.
get() { python3 -c '
import sys, urllib.request, urllib.error
try:
    print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())
except urllib.error.HTTPError as e:
    print(e.code)
except Exception as e:
    print("unreachable:", e)
' "$1"; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
note() { printf '   %s\n' "$*"; }

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

# Start the emulator built in target/debug on the seed file $1 at time x$scale; exports its AWS_* endpoint and
# credentials into this shell and sets emulator_pid (stop_emulator ends it).
start_emulator() {
  "$root/target/debug/ecsbg-emulator" --seed "$1" --time-scale "$scale" \
    --print-env --ready-file "$work/ready.json" > "$work/env" 2> "$work/emulator.log" &
  emulator_pid=$!
  for _ in $(seq 100); do [ -s "$work/ready.json" ] && break; sleep 0.1; done
  [ -s "$work/ready.json" ] || { echo "the emulator did not start:"; cat "$work/emulator.log"; exit 1; }
  # shellcheck disable=SC1091
  source "$work/env"
}

# The emulator (if started) stops and $work goes: the scripts' EXIT trap.
stop_emulator() {
  [ -n "${emulator_pid:-}" ] && kill "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null
  rm -rf "$work"
}

# The URL of seeded listener $1 (`<load balancer>/<listener label>`), from the emulator's ready file.
url() { python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['listeners'][sys.argv[2]]['url'])" "$work/ready.json" "$1"; }

# Point Terraform at the provider in target/debug (dev_overrides) with its configuration in $work/tf.
use_built_provider() {
  mkdir -p "$work/bin" "$work/tf"
  ln -s "$root/target/debug/terraform-provider-ecsbg" "$work/bin/terraform-provider-ecsbg"
  cat > "$work/terraformrc" <<HCL
provider_installation {
  dev_overrides { "registry.terraform.io/ecsbg/ecsbg" = "$work/bin" }
  direct {}
}
HCL
  export TF_CLI_CONFIG_FILE="$work/terraformrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
}

# terraform in $work/tf without colour and without the dev_overrides warning.
tf() { (cd "$work/tf" && terraform "$@" -no-color 2>&1 | grep -v -e 'Provider development overrides' -e 'The following provider development' -e '^ - ecsbg/ecsbg in' -e 'The behavior may therefore' -e 'applying changes may cause' -e 'releases.$' -e '^configuration:$' -e '^Warning: Provider development'); }
