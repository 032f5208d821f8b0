#!/usr/bin/env bash
# Builds and runs Herald on http://127.0.0.1:3000 with an embedded SQLite
# database in ./data (created on first start).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
./scripts/setup.sh
exec cargo leptos serve "$@"
