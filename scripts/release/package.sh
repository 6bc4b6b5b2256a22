#!/usr/bin/env bash
# Packs built binaries the way the Terraform and OpenTofu registries read a GitHub release:
#   terraform-provider-ecsbg_<version>_<os>_<arch>.zip   (the binary inside is terraform-provider-ecsbg_v<version>)
#   terraform-provider-ecsbg_<version>_manifest.json     (terraform-registry-manifest.json: protocol 6.0)
#   terraform-provider-ecsbg_<version>_SHA256SUMS        (every zip and the manifest)
# Usage: package.sh <dist dir> <version> <os_arch>=<binary>...
# Signing is sign.sh's job. The zips are reproducible: fixed file times (the last commit's) and no
# extra attributes.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dist=${1:?usage: package.sh <dist> <version> <os_arch>=<binary>...}
version=${2:?version missing}
shift 2
[ $# -gt 0 ] || { echo "package.sh: no binaries given" >&2; exit 2; }
name=terraform-provider-ecsbg
epoch=$(git -C "$root" log -1 --format=%ct 2>/dev/null || echo 315532800)
mkdir -p "$dist"
dist=$(cd "$dist" && pwd)
rm -f "$dist/${name}_${version}_"*
stage=$(mktemp -d "$dist/.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
for pair in "$@"; do
  platform=${pair%%=*}
  binary=${pair#*=}
  [ -f "$binary" ] || { echo "package.sh: $platform binary $binary does not exist" >&2; exit 1; }
  exe=""
  [ "${platform%%_*}" = windows ] && exe=.exe
  dir="$stage/$platform"
  mkdir -p "$dir"
  cp "$binary" "$dir/${name}_v${version}${exe}"
  chmod 0755 "$dir/${name}_v${version}${exe}"
  cp "$root/README.md" "$root/CHANGELOG.md" "$dir/"
  touch -d "@$epoch" "$dir"/*
  (cd "$dir" && zip -q -X "$stage/${name}_${version}_${platform}.zip" "${name}_v${version}${exe}" README.md CHANGELOG.md)
  mv "$stage/${name}_${version}_${platform}.zip" "$dist/"
done
cp "$root/terraform-registry-manifest.json" "$dist/${name}_${version}_manifest.json"
(cd "$dist" && sha256sum -- "${name}_${version}"_*.zip "${name}_${version}_manifest.json" | LC_ALL=C sort -k2 > "${name}_${version}_SHA256SUMS")
