#!/usr/bin/env bash
# Runs every benchmark with one command and prints a summary at the end.
#
#   scripts/bench.sh           # everything (about 7 minutes on 2 cores, plus the builds)
#   scripts/bench.sh --quick   # a smoke run: no criterion, tiny counts, no browser part
#
# Native: benches/compare.rs (criterion, then interleaved rounds against raw
# tokio-tungstenite), benches/lifecycle.rs (shutdown latency and overshoot, memory per
# idle connection, 10,000 connections), benches/trust.rs (what the system's trust store
# adds to wss:// connect time), benches/reconnect.rs (how fast the reconnecting client comes
# back after a drop) and the Autobahn client cases for omnisocket and raw
# tokio-tungstenite. Browser: scripts/bench_browser.sh (round trips against raw JS and
# gloo-net, minimal wasm sizes, Autobahn from Chromium). Full logs go to target/bench-logs/;
# criterion's reports to target/criterion/, the browser's to bench-browser/target/bench-results/.
# Every native setting is an environment variable documented at the top of the two bench
# files (OMNISOCKET_BENCH_ROUNDS, OMNISOCKET_BENCH_SCALE_N, ...); the browser's are at the top of
# scripts/bench_browser.sh.
# BENCHMARKS.md explains the method and records the figures of a full run.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
for arg in "$@"; do
    case "$arg" in
        --quick) quick=1 ;;
        -h | --help)
            sed -n '2,16p' "$0"
            exit 0
            ;;
        *)
            echo "unknown argument: $arg (try --help)" >&2
            exit 2
            ;;
    esac
done
if [ "$quick" = 1 ]; then
    export OMNISOCKET_BENCH_QUICK=1 OMNISOCKET_BENCH_CRITERION=0
fi

started=$(date +%s)
logs=target/bench-logs
mkdir -p "$logs"

echo "==> building the benchmarks (release)"
cargo bench -p omnisocket --benches --no-run

echo "==> native: omnisocket vs tokio-tungstenite (benches/compare.rs)"
cargo bench -p omnisocket --bench compare 2>&1 | tee "$logs/compare.log"

echo "==> native: closing, memory, 10,000 connections (benches/lifecycle.rs)"
cargo bench -p omnisocket --bench lifecycle 2>&1 | tee "$logs/lifecycle.log"

echo "==> native: what the system's trust store adds to wss:// connect time (benches/trust.rs)"
cargo bench -p omnisocket --bench trust 2>&1 | tee "$logs/trust.log"

echo "==> native: reconnecting after a drop (benches/reconnect.rs)"
cargo bench -p omnisocket --bench reconnect 2>&1 | tee "$logs/reconnect.log"

# The same comparisons again with every CPU kept busy by a niced spin loop. On a VM an
# idle vCPU halts, and waking it costs tens of microseconds, which then dominates every
# round trip; with the CPUs awake the figures show the clients' own CPU cost.
# BENCHMARKS.md reports both.
echo "==> native, CPUs kept awake: interleaved rounds and shutdown latency"
spinners=()
stop_spinners() {
    for pid in "${spinners[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${spinners[@]}"; do wait "$pid" 2>/dev/null || true; done
    spinners=()
}
trap stop_spinners EXIT
for _ in $(seq "$(nproc)"); do
    nice -n 19 bash -c 'while :; do :; done' &
    spinners+=($!)
done
OMNISOCKET_BENCH_CRITERION=0 cargo bench -p omnisocket --bench compare 2>&1 | tee "$logs/compare-awake.log"
OMNISOCKET_BENCH_PARTS=shutdown cargo bench -p omnisocket --bench lifecycle 2>&1 |
    tee "$logs/lifecycle-awake.log"
stop_spinners

echo "==> Autobahn client cases, natively: omnisocket and raw tokio-tungstenite (scripts/autobahn.sh)"
bash scripts/autobahn.sh both 2>&1 | tee "$logs/autobahn.log"

if [ "$quick" = 0 ]; then
    # Round trips against raw JS and gloo-net, minimal wasm sizes, Autobahn from Chromium.
    echo "==> browser (scripts/bench_browser.sh)"
    bash scripts/bench_browser.sh 2>&1 | tee "$logs/browser.log"
fi

elapsed=$(($(date +%s) - started))
echo
echo "==================================== summary ===================================="
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(rustc --version)"
echo "commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src 2>/dev/null || echo ' (src/ modified)')"
for log in compare lifecycle trust reconnect compare-awake lifecycle-awake; do
    file="$logs/$log.log"
    [ -f "$file" ] || continue
    # Only the logs of this run (browser.log may be left from an earlier one).
    [ "$(stat -c %Y "$file")" -ge "$started" ] || continue
    case "$log" in
        *-awake) prefix="[awake] " ;;
        *) prefix="" ;;
    esac
    grep '^SUMMARY ' "$file" | sed "s/^SUMMARY /$prefix/"
done
echo "criterion (compare.rs, per-iteration medians):"
grep -E -A2 '^(rtt_32B|echo_1MiB|senders_64x32B)/' "$logs/compare.log" |
    awk '/^(rtt_32B|echo_1MiB|senders_64x32B)\// { name = $1 } /thrpt:/ { printf "  %-48s %s %s\n", name, $4, $5 }' || true
echo "Autobahn, natively (12.* and 13.* excluded):"
sed -n '/^== results/,$p' "$logs/autobahn.log" | sed '1d; s/^/  /'
browser_summary=bench-browser/target/bench-results/summary.md
if [ "$quick" = 0 ] && [ -f "$browser_summary" ]; then
    echo "browser ($browser_summary):"
    sed 's/^/  /' "$browser_summary"
fi
echo "wall time of scripts/bench.sh: ${elapsed} s"
