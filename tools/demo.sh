#!/usr/bin/env bash
# `npm run demo`: everything on this machine with a simulated cluster — the
# platform (migrations, worker, API), an org and a cluster made with the admin
# token, a simulated Kubernetes API with churning workloads, and the real agent
# watching it. Needs what `npm run start:platform` needs (PostgreSQL and Redis
# on localhost) plus openssl. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v openssl >/dev/null || { echo "demo: openssl is needed for the agent's webhook certificate (apt-get install openssl)" >&2; exit 1; }
source tools/prepare-platform.sh
exec node dist/tools/demo.js
