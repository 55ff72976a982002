#!/usr/bin/env bash
# The browser demo: builds www/ (Rust -> wasm32 -> wasm-bindgen) and serves the page and
# the test server's WebSocket fault modes from one local process on 127.0.0.1. Next to it,
# at /leptos/ and /yew/, a small chat on each of the hooks (examples/chat.rs of
# omnisocket-leptos and omnisocket-yew), built the same way.
#
#   bash scripts/demo.sh              serve on ${PORT:-8080} (PORT=0: any free port) until Ctrl-C
#   bash scripts/demo.sh --check      instead run the end-to-end checks (www/e2e: the demo,
#                                     then the two chats) in headless Chromium on a free
#                                     port, then exit (also DEMO_CHECK=1)
#
# Set-up on a fresh machine is done by scripts/setup.sh (wasm32 target, Chromium,
# wasm-bindgen-cli of the version in Cargo.lock); --check also runs `npm ci` in www/e2e
# when its node_modules is missing (playwright-core only: it never downloads a browser).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,14s/^# \{0,1\}//p' "$0"; }
say() { printf '==> %s\n' "$*"; }

check=0
[ "${DEMO_CHECK:-0}" = 1 ] && check=1
for arg in "$@"; do
    case "$arg" in
        --check) check=1 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "demo.sh: unknown argument $arg" >&2; usage >&2; exit 2 ;;
    esac
done

bash scripts/setup.sh

say "building the demo for wasm32 (release)"
cargo build -q --release -p omnisocket-demo --target wasm32-unknown-unknown
target_dir=$(cargo metadata --format-version 1 --no-deps |
    sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
target_dir=${target_dir:-target}
wasm-bindgen --target web --no-typescript --out-dir www/pkg \
    "$target_dir/wasm32-unknown-unknown/release/omnisocket_demo.wasm"

# The hooks' chats both build to examples/chat.wasm: each is bound before the next build.
for hooks in leptos yew; do
    say "building the $hooks chat for wasm32 (release)"
    cargo build -q --release -p "omnisocket-$hooks" --example chat --target wasm32-unknown-unknown
    wasm-bindgen --target web --no-typescript --out-dir "www/$hooks/pkg" \
        "$target_dir/wasm32-unknown-unknown/release/examples/chat.wasm"
done

say "building the server"
cargo build -q -p omnisocket-testserver
server="$target_dir/debug/omnisocket-testserver"

port_file=$(mktemp)
server_pid=""
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
    rm -f "$port_file" "$port_file.tmp"
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts the server on port $1 and sets $port to the port it listens on.
start_server() {
    rm -f "$port_file"
    "$server" --static www --port "$1" --port-file "$port_file" >/dev/null &
    server_pid=$!
    for _ in $(seq 100); do
        [ -s "$port_file" ] && break
        if ! kill -0 "$server_pid" 2>/dev/null; then
            server_pid=""
            echo "demo.sh: the server could not start on port $1 (try PORT=0 for any free port)" >&2
            exit 1
        fi
        sleep 0.1
    done
    [ -s "$port_file" ] || { echo "demo.sh: the server did not start" >&2; exit 1; }
    port=$(cat "$port_file")
}

if [ "$check" = 1 ]; then
    if [ ! -d www/e2e/node_modules/playwright-core ]; then
        say "installing the e2e check's dependencies (npm ci)"
        (cd www/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
    fi
    start_server 0
    say "end-to-end check of http://127.0.0.1:$port/ in headless Chromium"
    status=0
    export DEMO_URL="http://127.0.0.1:$port/" DEMO_SCREENSHOT="$target_dir/demo.png"
    node --test www/e2e/demo.test.mjs || status=$?
    say "end-to-end check of the chats at /leptos/ and /yew/"
    node --test www/e2e/hooks.test.mjs || status=$?
    if [ "$status" = 0 ]; then
        say "screenshots: $target_dir/demo.png, demo-phone.png, hooks-leptos.png," \
            "hooks-leptos-phone.png, hooks-yew.png, hooks-yew-phone.png"
    fi
    exit "$status"
fi

start_server "${PORT:-8080}"
say "the demo is at http://127.0.0.1:$port/, its chats at /leptos/ and /yew/  (Ctrl-C stops it)"
wait "$server_pid"
