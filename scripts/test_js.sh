#!/usr/bin/env bash
# Runs the wasm test binaries (the shared behavioural suite, the browser-only suite and the
# reconnecting client's suite) in JavaScript hosts, against one test server process:
#
#   scripts/test_js.sh chromium:page chromium:dedicated-worker firefox:page node ...
#
# Each argument is ENGINE:SCOPE (ENGINE is chromium or firefox; SCOPE is page,
# dedicated-worker, shared-worker or service-worker) or `node`. The same binaries serve
# every host: wasm-bindgen-test-runner picks the scope from WASM_BINDGEN_USE_*, and the
# driver from CHROMEDRIVER or GECKODRIVER. `wasm-pack` runs the flow users run instead,
# `wasm-pack test --headless --chrome --firefox`, on tests/wasm_pack.rs, with nothing
# downloaded. Extra `cargo test` arguments go after `--`:
#
#   scripts/test_js.sh firefox:page -- -p omnisocket --test behaviour
set -euo pipefail
cd "$(dirname "$0")/.."

hosts=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do hosts+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
[ ${#hosts[@]} -gt 0 ] || { echo "usage: $0 HOST... [-- CARGO_TEST_ARGS]" >&2; exit 2; }
# By default the crate's three suites; tests/wasm_pack.rs is the `wasm-pack` host's. The
# hook crates' suites: `-- -p omnisocket-leptos -p omnisocket-yew --test browser`.
[ $# -gt 0 ] || set -- -p omnisocket --test behaviour --test browser --test reconnect

cargo build -q -p omnisocket-testserver
port_file=$(mktemp)
target/debug/omnisocket-testserver --port-file "$port_file" >/dev/null &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; rm -f "$port_file"' EXIT
for _ in $(seq 100); do [ -s "$port_file" ] && break; sleep 0.1; done
[ -s "$port_file" ] || { echo "the test server did not start" >&2; exit 1; }

export OMNISOCKET_TEST_SERVER_PORT
OMNISOCKET_TEST_SERVER_PORT=$(cat "$port_file")
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export WASM_BINDGEN_TEST_TIMEOUT=300
# The browsers' flags, whichever crate's directory the runner starts in.
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$PWD/webdriver.json"
geckodriver=$(command -v geckodriver || echo "$HOME/.cargo/bin/geckodriver")

for host in "${hosts[@]}"; do
    if [ "$host" = wasm-pack ]; then
        echo "==> wasm-pack test --headless --chrome --firefox (tests/wasm_pack.rs)"
        # Finds chromedriver and geckodriver on PATH, and wasm-bindgen of the version in
        # Cargo.lock; --mode no-install makes a missing one an error, not a download.
        PATH="$(dirname "$geckodriver"):$PATH" \
            wasm-pack test --mode no-install --headless --chrome --firefox -- --test wasm_pack
        continue
    fi
    engine=${host%%:*}
    scope=${host#*:}
    mode_env=()
    case "$scope" in
        page) mode_env=(WASM_BINDGEN_USE_BROWSER=1) ;;
        dedicated-worker) mode_env=(WASM_BINDGEN_USE_DEDICATED_WORKER=1) ;;
        shared-worker) mode_env=(WASM_BINDGEN_USE_SHARED_WORKER=1) ;;
        service-worker) mode_env=(WASM_BINDGEN_USE_SERVICE_WORKER=1) ;;
        node) ;;
        *) echo "unknown scope in $host" >&2; exit 2 ;;
    esac
    case "$engine" in
        chromium) driver_env=(CHROMEDRIVER=/usr/bin/chromedriver) ;;
        firefox) driver_env=(GECKODRIVER="$geckodriver") ;;
        # Node 20 has a global WebSocket only behind this flag (Node 22 has it by default).
        # (The runner starts Node with --expose-gc, which the leak check uses.)
        node) driver_env=(WASM_BINDGEN_USE_NODE_EXPERIMENTAL=1 NODE_ARGS=--experimental-websocket) ;;
        *) echo "unknown engine in $host" >&2; exit 2 ;;
    esac
    echo "==> wasm tests in $host"
    # The suite checks that it runs where this says (tests/browser.rs).
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1]).read()' \
        "http://127.0.0.1:$OMNISOCKET_TEST_SERVER_PORT/host?set=$host"
    env "${mode_env[@]}" "${driver_env[@]}" \
        cargo test --target wasm32-unknown-unknown --no-fail-fast "$@"
done
