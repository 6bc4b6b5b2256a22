#!/usr/bin/env bash
# make release: the archives the Terraform registry (or a filesystem mirror) expects, in dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
os=$(uname -s | tr '[:upper:]' '[:lower:]')
arch=$(uname -m | sed -e 's/x86_64/amd64/' -e 's/aarch64/arm64/')
name=terraform-provider-ecsbg
# RELEASE_BINARY packages an already built binary (the packaging test uses it); DIST_DIR moves the output.
binary=${RELEASE_BINARY:-}
if [ -z "$binary" ]; then
  cargo build -q --release -p "$name"
  binary="target/release/$name"
fi
dist=${DIST_DIR:-dist}
rm -rf "$dist" && mkdir -p "$dist/stage"
cp "$binary" "$dist/stage/${name}_v${version}"
cp README.md CHANGELOG.md "$dist/stage/"
(cd "$dist/stage" && python3 - "$version" "$os" "$arch" <<'PY'
import sys, zipfile, os
version, os_, arch = sys.argv[1:]
name = f"terraform-provider-ecsbg_{version}_{os_}_{arch}.zip"
with zipfile.ZipFile(os.path.join("..", name), "w", zipfile.ZIP_DEFLATED) as z:
    for f in [f"terraform-provider-ecsbg_v{version}", "README.md", "CHANGELOG.md"]:
        info = zipfile.ZipInfo.from_file(f, arcname=f)
        with open(f, "rb") as fh:
            z.writestr(info, fh.read(), zipfile.ZIP_DEFLATED)
PY
)
cp terraform-registry-manifest.json "$dist/${name}_${version}_manifest.json"
rm -rf "$dist/stage"
(cd "$dist" && sha256sum ./*.zip ./*_manifest.json | sed 's# \./# #' > "${name}_${version}_SHA256SUMS")
ls -l "$dist"
