#!/usr/bin/env bash
# Builds Herald in release mode and runs `herald bench` with the given
# options (see `herald bench --help`); the last line is the summary.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --features ssr --bin herald >&2
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
RUST_LOG="${RUST_LOG:-warn}" exec "$target_dir/release/herald" bench "$@"
