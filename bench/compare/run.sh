#!/usr/bin/env bash
# `make compare`: installs bench/compare's own dependencies (Portkey gateway 1.15.2 with the
# pinned hono overrides, autocannon) when needed, then runs the side-by-side.
# Extra arguments go to compare.ts (--duration S, --connections N, --out FILE).
set -euo pipefail
cd "$(dirname "$0")/../.."
stamp=bench/compare/node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ bench/compare/package-lock.json -nt "$stamp" ]; then
  npm ci --prefix bench/compare --no-audit --no-fund
fi
for f in dist/ai-proxy.wasm dist/ai-rate-limit.wasm dist/ai-statistics.wasm; do
  [ -f "$f" ] || { echo "$f missing: run make build first" >&2; exit 1; }
done
exec node --import tsx bench/compare/compare.ts "$@"
