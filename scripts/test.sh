#!/usr/bin/env bash
# Runs every Herald test: formatting, unit and integration tests (cargo),
# then the Playwright end-to-end suite in a real Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# A one-off build (CI, a fresh clone) gains nothing from incremental caches,
# which would double the disk it needs.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

./scripts/setup.sh

echo "==> rustfmt"
cargo fmt --all --check

echo "==> unit tests and the integration suite on SQLite files"
cargo test --features ssr --no-fail-fast --lib --bins --test it

# The same suite again on PostgreSQL, plus the three-instance test. Each test
# creates and drops its own database; with no server answering, this fails.
pg_admin="${HERALD_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"
echo "==> the integration suite on PostgreSQL (${pg_admin%%\?*})"
HERALD_TEST_DATABASE="$pg_admin" cargo test --features ssr --no-fail-fast --test it --test cluster

echo "==> build (server + WASM)"
cargo leptos build

echo "==> end-to-end tests (Playwright, Chromium)"
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
cd end2end
HERALD_BIN="$target_dir/debug/herald" LEPTOS_SITE_ROOT="$PWD/../target/site" npx playwright test
