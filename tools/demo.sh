#!/usr/bin/env bash
# `npm run demo`: everything on this machine with a simulated cluster — the
# platform (migrations, worker, API), an org and a cluster made with the admin
# token, a simulated Kubernetes API with churning workloads, and the real agent
# watching it. Needs what `npm run start:platform` needs (PostgreSQL and Redis
# on localhost) plus openssl. Ctrl-C stops everything.
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
  export VIGIL_ADMIN_TOKEN_FILE=".vigil-local/admin-token"
fi
command -v openssl >/dev/null || { echo "demo: openssl is needed for the agent's webhook certificate (apt-get install openssl)" >&2; exit 1; }

# Building needs the dev dependencies (swc), whatever NODE_ENV says.
[ -x node_modules/.bin/swc ] || npm ci --include=dev --no-audit --no-fund
npm run build --silent
export NODE_ENV="${NODE_ENV:-production}"
node dist/tools/ensure-database.js
node dist/tools/migrate.js
exec node dist/tools/demo.js
