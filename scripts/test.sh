#!/usr/bin/env bash
# Runs every test: the native suite, the same behavioural suite in headless Chromium
# against a test server process, the browser demo end to end, and the Autobahn
# conformance cases.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "==> native tests"
cargo test --workspace

echo "==> browser tests (headless Chromium)"
cargo build -q -p wsclient-testserver
port_file=$(mktemp)
target/debug/wsclient-testserver --port-file "$port_file" >/dev/null &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; rm -f "$port_file"' EXIT
for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.1; done
[ -s "$port_file" ] || { echo "the test server did not start" >&2; exit 1; }
WSCLIENT_TEST_SERVER_PORT=$(cat "$port_file") \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
CHROMEDRIVER=/usr/bin/chromedriver \
WASM_BINDGEN_TEST_TIMEOUT=300 \
    cargo test -p wsclient --target wasm32-unknown-unknown
kill "$server_pid" 2>/dev/null || true

echo "==> the browser demo, end to end (headless Chromium)"
bash scripts/demo.sh --check

echo "==> Autobahn conformance (native client)"
bash scripts/autobahn.sh wsclient
