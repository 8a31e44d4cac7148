# Sourced by start-platform.sh and demo.sh: local defaults for the platform's
# environment (kept in .vigil-local/ when made up), then build, database and
# migrations. Every variable can be overridden from the environment.
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

# Building needs the dev dependencies (swc), whatever NODE_ENV says.
[ -x node_modules/.bin/swc ] || npm ci --include=dev --no-audit --no-fund
npm run build --silent
export NODE_ENV="${NODE_ENV:-production}"
node dist/tools/ensure-database.js
node dist/tools/migrate.js
