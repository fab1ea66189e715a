#!/usr/bin/env bash
# `npm test`: installs what the tests need, then type-checks and runs unit and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules/vite ]; then
  echo "[test] installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "[test] installing Debian's chromium for the end-to-end tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif command -v apt-get >/dev/null 2>&1; then
    echo "[test] installing Debian's chromium (sudo)"
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "[test] Chromium is missing at $CHROMIUM. Install a Chromium build and set CHROMIUM_PATH=/path/to/chromium, then run npm test again." >&2
    exit 1
  fi
fi

# Real datasets used by data tests (Fashion-MNIST from Debian), installed when possible.
if [ ! -d /usr/share/datasets/fashion-mnist ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null || echo "[test] dataset-fashion-mnist not installed; tests that need it will say so"
fi

# Reports for the one-line summary printed at the end, whatever happens (scripts/test_summary.mjs).
REPORTS="$(mktemp -d)"
trap 'node scripts/test_summary.mjs --unit "$REPORTS/vitest.json" --e2e "$REPORTS/playwright.json"; rm -rf "$REPORTS"' EXIT

echo "[test] type-check"
npx tsc --noEmit -p .
echo "[test] architecture: layer boundaries and cycles (dependency-cruiser, .dependency-cruiser.cjs)"
npm run --silent lint:deps
echo "[test] unit tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$REPORTS/vitest.json"
# The production build (no test hooks) against the budget: every chunk's size and the initial JS (≤ 120 KiB gzip).
echo "[test] production build and bundle budget"
npx vite build --logLevel warn
node scripts/bundle_budget.mjs dist
# Playwright's web server builds the e2e mode (test hooks on) into dist-e2e/ and serves it (playwright.config.ts).
echo "[test] end-to-end tests (playwright, $CHROMIUM)"
CHROMIUM_PATH="$CHROMIUM" PLAYWRIGHT_JSON_OUTPUT_NAME="$REPORTS/playwright.json" npx playwright test --reporter=list,json
