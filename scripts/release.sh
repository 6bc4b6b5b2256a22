#!/usr/bin/env bash
# make release: a signed release as the Terraform Registry and the OpenTofu Registry read it from a GitHub
# release, in target/release-dist/<version>/ (README.md, "Releasing"):
#   terraform-provider-ecsbg_<version>_linux_amd64.zip, ..._linux_arm64.zip   static musl binaries
#   terraform-provider-ecsbg_<version>_manifest.json                          protocol 6.0
#   terraform-provider-ecsbg_<version>_SHA256SUMS, ..._SHA256SUMS.sig         detached GPG signature
# and the signing public key in target/release-dist/<version>.pub.asc, then runs release-check on it.
# Environment:
#   GPG_FINGERPRINT | GPG_KEY_FILE [+ GPG_PASSPHRASE]   the signing key (scripts/release/sign.sh)
#   RELEASE_PLATFORMS   platforms to build here (default: linux_amd64 linux_arm64)
#   RELEASE_BINARIES    "<os_arch>=<binary> ..." already built binaries to pack instead of building
#                       (the release workflow passes the darwin and windows builds this way)
#   DIST_DIR            where to write (default: target/release-dist/<version>)
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
dist=${DIST_DIR:-target/release-dist/$version}
if [ -z "${GPG_KEY_FILE:-}" ] && [ -z "${GPG_FINGERPRINT:-}" ]; then
  echo "make release: set GPG_FINGERPRINT or GPG_KEY_FILE first (README.md, \"Releasing\"); nothing was built" >&2
  exit 1
fi
pairs=()
if [ -n "${RELEASE_BINARIES:-}" ]; then
  read -r -a pairs <<<"$RELEASE_BINARIES"
else
  for platform in ${RELEASE_PLATFORMS:-linux_amd64 linux_arm64}; do
    echo "building $platform" >&2
    pairs+=("$platform=$(bash scripts/release/build.sh "$platform" | tail -n1)")
  done
fi
bash scripts/release/package.sh "$dist" "$version" "${pairs[@]}"
bash scripts/release/sign.sh "$dist/terraform-provider-ecsbg_${version}_SHA256SUMS" "${dist%/}.pub.asc"
platforms=$(printf '%s\n' "${pairs[@]}" | sed 's/=.*//' | tr '\n' ' ')
REQUIRE_PLATFORMS=${REQUIRE_PLATFORMS-$platforms} bash scripts/release/check.sh "$dist" "$version" "${dist%/}.pub.asc"
ls -l "$dist"
