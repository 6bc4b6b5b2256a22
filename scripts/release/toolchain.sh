#!/usr/bin/env bash
# Sourced by build.sh: puts what a static (musl) Linux build needs on PATH, installing it under target/tools/
# on first use, from the registries this project uses (never globally):
#   - the Rust standard library for the musl targets (rustup target add),
#   - zig, as the C compiler and linker for those targets (PyPI's `ziglang` wheel ships the zig binary; the
#     AWS SDK's TLS stack, aws-lc-rs, and ring compile C for the target),
#   - cargo-zigbuild, which makes cargo link through zig (crates.io).
# Versions are pinned so two release builds use the same tools.
ZIGLANG_VERSION=${ZIGLANG_VERSION:-0.17.1}
CARGO_ZIGBUILD_VERSION=${CARGO_ZIGBUILD_VERSION:-0.24.1}
tools="${TOOLS_DIR:-$PWD/target/tools}"

ensure_rust_target() {
  rustup target list --installed | grep -qx "$1" || rustup target add "$1" >&2
}

ensure_zigbuild() {
  mkdir -p "$tools/bin"
  if [ ! -x "$tools/zig/ziglang/zig" ] || ! grep -qx "$ZIGLANG_VERSION" "$tools/zig/VERSION" 2>/dev/null; then
    rm -rf "$tools/zig"
    python3 -m pip install --quiet --disable-pip-version-check --target "$tools/zig" "ziglang==$ZIGLANG_VERSION" >&2
    echo "$ZIGLANG_VERSION" > "$tools/zig/VERSION"
  fi
  ln -sf "$tools/zig/ziglang/zig" "$tools/bin/zig"
  if ! "$tools/bin/cargo-zigbuild" --version 2>/dev/null | grep -q " $CARGO_ZIGBUILD_VERSION\$"; then
    cargo install --quiet --locked --root "$tools" --version "$CARGO_ZIGBUILD_VERSION" cargo-zigbuild >&2
  fi
  export PATH="$tools/bin:$PATH"
}
