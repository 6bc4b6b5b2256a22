#!/usr/bin/env bash
# make release-check: verifies a dist dir as a registry and a user would, and fails on the first problem.
#   - the signature: `gpg --verify` of SHA256SUMS.sig against the exported public key, in a fresh keyring;
#   - SHA256SUMS lists every zip and the manifest, and every listed file matches (`sha256sum -c`);
#   - the manifest is terraform-registry-manifest.json (protocol 6.0);
#   - every zip holds terraform-provider-ecsbg_v<version>[.exe];
#   - every Linux binary is static (no PT_INTERP program header, no NEEDED library), is built for its
#     architecture, and runs: `--version` natively, or under qemu-user for another architecture
#     (the check says so when neither can run it);
#   - terraform (when on PATH) installs the host's zip from a filesystem mirror and gets the provider's schema;
#   - the platforms in REQUIRE_PLATFORMS (default: linux_amd64 linux_arm64) are all there.
# Usage: check.sh <dist dir> <version> <public key file>
# ALLOW_DYNAMIC=<os_arch ...> lets named platforms hold a dynamically linked binary (the packaging test
# packs the host's debug build, which links glibc).
set -euo pipefail
dist=${1:?usage: check.sh <dist> <version> <public key>}
version=${2:?version missing}
pubkey=${3:?public key missing}
name=terraform-provider-ecsbg
sums="${name}_${version}_SHA256SUMS"
root=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "release-check: $*" >&2; exit 1; }

[ -f "$dist/$sums" ] || fail "$dist/$sums is missing"
[ -f "$dist/$sums.sig" ] || fail "$dist/$sums.sig is missing"
[ -f "$pubkey" ] || fail "public key $pubkey is missing"
work=$(mktemp -d "${TMPDIR:-/tmp}/ecsbg-release-check.XXXXXX")
trap 'GNUPGHOME="$work/gnupg" gpgconf --kill all >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
mkdir -m 700 "$work/gnupg"
GNUPGHOME="$work/gnupg" gpg --batch --quiet --import "$pubkey" 2>/dev/null || fail "cannot import $pubkey"
GNUPGHOME="$work/gnupg" gpg --batch --verify "$dist/$sums.sig" "$dist/$sums" 2>"$work/verify.txt" \
  || fail "gpg --verify rejected $sums.sig: $(cat "$work/verify.txt")"
echo "ok   signature: $(grep -m1 'Good signature' "$work/verify.txt" | sed 's/^gpg: //')"

(cd "$dist" && sha256sum --quiet --strict -c "$sums") || fail "a file does not match $sums"
for f in "$dist/${name}_${version}"_*.zip "$dist/${name}_${version}_manifest.json"; do
  [ -e "$f" ] || continue
  grep -q "  $(basename "$f")\$" "$dist/$sums" || fail "$(basename "$f") is not listed in $sums"
done
grep -q "  ${name}_${version}_manifest.json\$" "$dist/$sums" || fail "the manifest is not listed in $sums"
echo "ok   $sums: $(wc -l < "$dist/$sums") files match"

cmp -s "$dist/${name}_${version}_manifest.json" "$root/terraform-registry-manifest.json" \
  || fail "${name}_${version}_manifest.json differs from terraform-registry-manifest.json"
grep -q '"protocol_versions": \["6.0"\]' "$dist/${name}_${version}_manifest.json" || fail "the manifest does not declare protocol 6.0"
echo "ok   manifest: protocol 6.0"

host=$(uname -m | sed -e 's/x86_64/amd64/' -e 's/aarch64/arm64/')
found=""
for zip in "$dist/${name}_${version}"_*.zip; do
  [ -e "$zip" ] || fail "no zips in $dist"
  platform=$(basename "$zip" .zip); platform=${platform#"${name}_${version}_"}
  found="$found $platform"
  exe=""; [ "${platform%%_*}" = windows ] && exe=.exe
  binary="${name}_v${version}${exe}"
  mkdir -p "$work/$platform"
  unzip -q "$zip" -d "$work/$platform" || fail "$(basename "$zip") is not a valid zip"
  [ -f "$work/$platform/$binary" ] || fail "$(basename "$zip") does not hold $binary"
  [ "${platform%%_*}" = linux ] || { echo "ok   $platform: holds $binary (built elsewhere; not run here)"; continue; }
  bin="$work/$platform/$binary"
  arch=${platform#linux_}
  machine=$(readelf -hW "$bin" | sed -n 's/^ *Machine: *//p')
  case "$arch:$machine" in
    amd64:*X86-64*|arm64:*AArch64*) ;;
    *) fail "$platform: the binary is built for '$machine'" ;;
  esac
  linkage=static
  if readelf -lW "$bin" | grep -q INTERP || readelf -dW "$bin" | grep -q NEEDED; then
    case " ${ALLOW_DYNAMIC:-} " in
      *" $platform "*) linkage="dynamic (allowed by ALLOW_DYNAMIC)" ;;
      *) fail "$platform: the binary is dynamically linked: $(readelf -dW "$bin" | grep NEEDED | tr -s ' ' | tr '\n' ';')" ;;
    esac
  fi
  qemu_arch=$(echo "$arch" | sed -e 's/amd64/x86_64/' -e 's/arm64/aarch64/')
  runner=""
  if [ "$arch" != "$host" ]; then
    for candidate in "qemu-$qemu_arch-static" "qemu-$qemu_arch"; do
      command -v "$candidate" >/dev/null && { runner=$candidate; break; }
    done
    if [ -z "$runner" ]; then
      echo "ok   $platform: $linkage, $machine; NOT RUN (no qemu-user for $arch here: apt-get install qemu-user-static)"
      continue
    fi
  fi
  out=$($runner "$bin" --version 2>&1) || fail "$platform: '$binary --version' failed: $out"
  [ "$out" = "$name $version" ] || fail "$platform: '$binary --version' printed '$out', not '$name $version'"
  echo "ok   $platform: $linkage, $machine; runs${runner:+ under $runner}: $out"
done
# The host's zip as a user's Terraform installs it: a packed filesystem mirror, a plain required_providers
# block, `terraform init`, then the schema served by the installed binary.
host_zip="$dist/${name}_${version}_$(uname -s | tr '[:upper:]' '[:lower:]')_$host.zip"
if [ -f "$host_zip" ] && command -v terraform >/dev/null; then
  mkdir -p "$work/mirror/registry.terraform.io/ecsbg/ecsbg" "$work/tf"
  cp "$host_zip" "$work/mirror/registry.terraform.io/ecsbg/ecsbg/"
  printf 'provider_installation {\n  filesystem_mirror {\n    path    = "%s"\n    include = ["registry.terraform.io/ecsbg/ecsbg"]\n  }\n}\n' "$work/mirror" > "$work/terraformrc"
  printf 'terraform {\n  required_providers {\n    ecsbg = {\n      source  = "ecsbg/ecsbg"\n      version = "%s"\n    }\n  }\n}\n' "$version" > "$work/tf/main.tf"
  export TF_CLI_CONFIG_FILE="$work/terraformrc" CHECKPOINT_DISABLE=1
  terraform -chdir="$work/tf" init -input=false -no-color > "$work/init.txt" 2>&1 \
    || fail "terraform init from a filesystem mirror holding $(basename "$host_zip") failed: $(cat "$work/init.txt")"
  terraform -chdir="$work/tf" providers schema -json 2>&1 | grep -q '"ecsbg_deployment"' \
    || fail "the binary terraform installed from $(basename "$host_zip") did not serve its schema"
  echo "ok   $(basename "$host_zip"): terraform installs it from a filesystem mirror and the provider serves its schema"
fi
for p in ${REQUIRE_PLATFORMS-linux_amd64 linux_arm64}; do
  case " $found " in *" $p "*) ;; *) fail "no zip for $p in $dist" ;; esac
done
echo "release-check: $dist is a complete signed release of $name $version"
