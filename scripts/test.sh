#!/usr/bin/env bash
# Runs every test: the native suite; the same behavioural suite (with the browser-only and
# reconnecting suites) in headless Chromium and Firefox, in a page and in dedicated, shared
# and service workers, and under Node, against a test server process; the wasm-pack flow;
# the Leptos and Yew hooks in headless Chromium, and a Leptos app's server half; the
# browser demo and the hooks' example apps end to end; and the Autobahn conformance cases.
#
#   scripts/test.sh           # everything (what CI runs)
#   scripts/test.sh --quick   # everyday work: the native suite and the crate's suites in
#                             # one browser host (Chromium, in a page)
set -euo pipefail
cd "$(dirname "$0")/.."

# The native client honours the environment's proxy, as curl does; the tests talk to their
# servers on 127.0.0.1 and localhost directly, whatever proxy this machine's environment
# names (the proxy tests name theirs in the config, or set the variables themselves).
export no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"

quick=0
case "${1:-}" in
    "") ;;
    --quick) quick=1 ;;
    *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
esac

bash scripts/setup.sh

echo "==> native tests"
cargo test --workspace

if [ "$quick" = 1 ]; then
    echo "==> the wasm suite in headless Chromium (a page)"
    bash scripts/test_js.sh chromium:page
    exit 0
fi

echo "==> the wasm suite in every JavaScript host, and the wasm-pack flow"
bash scripts/test_js.sh \
    chromium:page chromium:dedicated-worker chromium:shared-worker chromium:service-worker \
    firefox:page firefox:dedicated-worker firefox:shared-worker firefox:service-worker \
    node wasm-pack

echo "==> the Leptos and Yew hooks in headless Chromium"
bash scripts/test_js.sh chromium:page -- -p omnisocket-leptos -p omnisocket-yew --test browser

echo "==> a Leptos app with server-side rendering: the server half renders without connecting"
cargo test -p omnisocket-leptos-ssr-check --features ssr
cargo check -q -p omnisocket-leptos-ssr-check --features hydrate --target wasm32-unknown-unknown

echo "==> the browser demo and the hooks' example apps, end to end (headless Chromium)"
bash scripts/demo.sh --check

echo "==> Autobahn conformance (native client)"
bash scripts/autobahn.sh omnisocket
