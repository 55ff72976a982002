#!/usr/bin/env bash
# Runs every test: the native suite; the same behavioural suite (with the browser-only and
# reconnecting suites) in headless Chromium and Firefox, in a page and in dedicated, shared
# and service workers, and under Node, against a test server process; the wasm-pack flow;
# the browser demo end to end; and the Autobahn conformance cases.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "==> native tests"
cargo test --workspace

echo "==> the wasm suite in every JavaScript host, and the wasm-pack flow"
bash scripts/test_js.sh \
    chromium:page chromium:dedicated-worker chromium:shared-worker chromium:service-worker \
    firefox:page firefox:dedicated-worker firefox:shared-worker firefox:service-worker \
    node wasm-pack

echo "==> the browser demo, end to end (headless Chromium)"
bash scripts/demo.sh --check

echo "==> Autobahn conformance (native client)"
bash scripts/autobahn.sh wsclient
