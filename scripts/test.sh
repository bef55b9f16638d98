#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs (npm
# dependencies, Chromium, Prometheus, libre2 and OpenSSH's server from Debian, a running PostgreSQL), then lint,
# type-check, unit/store/integration tests, a production build, and the
# end-to-end tests in Chromium. README.md and .ci/run call this.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/ensure.sh
export CHECKPOINT_DISABLE=1 NEXT_TELEMETRY_DISABLED=1
started=$(date +%s)

node_check
npm_deps
ensure_chromium
ensure_prometheus
ensure_re2_reference
ensure_sshd
ensure_postgres
step "embedded database template"
node scripts/pglite-template.mjs --if-missing

step "lint (eslint)"
npx eslint --max-warnings 0 .
step "type-check (tsc)"
npx tsc --noEmit
step "unit, store (embedded + PostgreSQL) and integration tests (vitest)"
npx vitest run
step "production build (next build)"
npx next build
step "end-to-end tests in Chromium (playwright)"
npx playwright test

step "all tests passed in $(( $(date +%s) - started )) s"
