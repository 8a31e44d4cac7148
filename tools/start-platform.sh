#!/usr/bin/env bash
# Starts Vigil (migrations, worker, API) on this machine's PostgreSQL and Redis.
# Every variable can be overridden from the environment; local defaults are
# made up (and kept in .vigil-local/) only when none is given.
set -euo pipefail
cd "$(dirname "$0")/.."

source tools/prepare-platform.sh

node dist/apps/worker/src/main.js &
WORKER_PID=$!
trap 'kill "$WORKER_PID" 2>/dev/null || true' EXIT INT TERM

echo "Vigil API on http://127.0.0.1:${PORT} (docs: /docs). Platform admin token: .vigil-local/admin-token" >&2
node dist/apps/api/src/main.js
