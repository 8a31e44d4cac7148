#!/usr/bin/env bash
# Starts Vigil (migrations, worker, API) on this machine's PostgreSQL and Redis.
# Every variable can be overridden from the environment; local defaults are
# made up (and kept in .vigil-local/) only when none is given.
set -euo pipefail
cd "$(dirname "$0")/.."

export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/vigil}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export PORT="${PORT:-8080}"

mkdir -p .vigil-local
chmod 700 .vigil-local
if [ -z "${VIGIL_SECRET_KEY:-}" ]; then
  [ -s .vigil-local/secret-key ] || node -e "process.stdout.write(require('crypto').randomBytes(32).toString('base64url'))" > .vigil-local/secret-key
  export VIGIL_SECRET_KEY="$(cat .vigil-local/secret-key)"
fi
if [ -z "${VIGIL_ADMIN_TOKEN:-}" ]; then
  [ -s .vigil-local/admin-token ] || node -e "process.stdout.write('vigil-admin-' + require('crypto').randomBytes(24).toString('base64url'))" > .vigil-local/admin-token
  export VIGIL_ADMIN_TOKEN="$(cat .vigil-local/admin-token)"
fi

# Building needs the dev dependencies (swc), whatever NODE_ENV says.
[ -x node_modules/.bin/swc ] || npm ci --include=dev --no-audit --no-fund
npm run build --silent
export NODE_ENV="${NODE_ENV:-production}"
node dist/tools/ensure-database.js
node dist/tools/migrate.js

node dist/apps/worker/src/main.js &
WORKER_PID=$!
trap 'kill "$WORKER_PID" 2>/dev/null || true' EXIT INT TERM

echo "Vigil API on http://127.0.0.1:${PORT} (docs: /docs). Platform admin token: .vigil-local/admin-token" >&2
node dist/apps/api/src/main.js
