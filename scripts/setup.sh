#!/usr/bin/env bash
# Installs every tool Herald's build and tests need, skipping what is already present.
# Only the package registries are used (crates.io, npm, Debian).
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.11
WASM_BINDGEN_VERSION=0.2.130
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n==> %s\n' "$*"; }

# rust-toolchain.toml pins the toolchain; the first cargo call installs it with the wasm target.
step "Rust toolchain"
rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install
rustup target add wasm32-unknown-unknown >/dev/null

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  step "cargo-leptos $CARGO_LEPTOS_VERSION (about 20 minutes, once per machine)"
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  step "wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # --locked fails on a yanked transitive dependency of this release.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

if ! command -v wasm-opt >/dev/null 2>&1; then
  step "wasm-opt (npm binaryen)"
  npm install -g binaryen
fi

if ! command -v chromium >/dev/null 2>&1; then
  step "Chromium (Debian)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y chromium
fi

if [ -f end2end/package-lock.json ]; then
  if [ ! -d end2end/node_modules ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    step "end2end npm packages"
    (cd end2end && npm ci --no-audit --no-fund)
  fi
fi
echo "setup: ok"
