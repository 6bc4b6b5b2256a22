#!/usr/bin/env bash
# Builds the shipped provider binary for one Terraform platform (linux_amd64, linux_arm64, darwin_amd64,
# darwin_arm64, windows_amd64) and prints the binary's path on the last line of stdout.
# Linux builds are static musl binaries linked by zig (cargo-zigbuild), so one binary runs on any Linux:
# Amazon Linux 2, Ubuntu 20.04, Alpine, distroless. darwin and windows build natively on their own
# machines (.github/workflows/release.yml).
set -euo pipefail
cd "$(dirname "$0")/../.."
platform=${1:?usage: build.sh <os_arch>}
name=terraform-provider-ecsbg
case "$platform" in
  linux_amd64) triple=x86_64-unknown-linux-musl ;;
  linux_arm64) triple=aarch64-unknown-linux-musl ;;
  darwin_amd64) triple=x86_64-apple-darwin ;;
  darwin_arm64) triple=aarch64-apple-darwin ;;
  windows_amd64) triple=x86_64-pc-windows-msvc ;;
  *) echo "build.sh: unknown platform $platform" >&2; exit 2 ;;
esac
# shellcheck source=scripts/release/toolchain.sh
. scripts/release/toolchain.sh
ensure_rust_target "$triple"
if [ "${platform%%_*}" = linux ]; then
  ensure_zigbuild
  cargo zigbuild --release --locked -p "$name" --target "$triple" >&2
else
  cargo build --release --locked -p "$name" --target "$triple" >&2
fi
target_dir=${CARGO_TARGET_DIR:-target}
exe=""
[ "${platform%%_*}" = windows ] && exe=.exe
echo "$target_dir/$triple/release/$name$exe"
