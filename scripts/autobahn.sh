#!/usr/bin/env bash
# Runs the Autobahn client test cases (all but 12.* and 13.*, permessage-deflate) against
# omnisocket, the raw tokio-tungstenite baseline, or both, and prints the counts.
#
# usage: scripts/autobahn.sh [omnisocket|raw|both]      (default: omnisocket)
#
# For each driver: starts a kosoku fuzzing server on a free local port, runs the driver
# (examples/autobahn.rs or examples/autobahn_raw.rs, release build) against it, and keeps
# the reports in target/autobahn/<agent>/ (index.json, one JSON and HTML file per case;
# open index.html in a browser), with the server's and the driver's output next to them
# (<agent>.kosoku.log, <agent>.driver.log). Then scripts/autobahn_counts.py summarises
# the reports. The exit status is non-zero when omnisocket failed a case or when a run
# produced no results.
#
# Environment: PYTHON (default: python3), CARGO (default: cargo).

set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
CARGO=${CARGO:-cargo}
OUT_ROOT=target/autobahn
# How long kosoku may take to start listening, and to write its reports at the end.
START_TIMEOUT=30
REPORT_TIMEOUT=120

usage() {
    echo "usage: $0 [omnisocket|raw|both]" >&2
    exit 2
}

[[ $# -le 1 ]] || usage
case "${1:-omnisocket}" in
    omnisocket) drivers=(omnisocket) ;;
    raw) drivers=(raw) ;;
    both) drivers=(omnisocket raw) ;;
    *) usage ;;
esac

# The example that drives each agent, and the agent name it reports as.
example_of() { if [[ $1 == raw ]]; then echo autobahn_raw; else echo autobahn; fi; }
agent_of() { if [[ $1 == raw ]]; then echo tokio-tungstenite; else echo omnisocket; fi; }

# kosoku (PyPI): the Autobahn test cases as a fuzzing server.
if ! command -v kosoku >/dev/null 2>&1 && ! "$PYTHON" -c 'import kosoku' 2>/dev/null; then
    echo "== installing kosoku with pip"
    "$PYTHON" -m pip install --quiet kosoku
fi
if command -v kosoku >/dev/null 2>&1; then
    kosoku=(kosoku)
else
    # Installed, but its script directory is not on PATH.
    kosoku=("$PYTHON" -c 'import sys; from kosoku._cli import main; sys.argv[0] = "kosoku"; main()')
fi

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

kosoku_pid=""
stop_kosoku() {
    if [[ -n $kosoku_pid ]] && kill -0 "$kosoku_pid" 2>/dev/null; then
        kill "$kosoku_pid" 2>/dev/null || true
    fi
    if [[ -n $kosoku_pid ]]; then
        wait "$kosoku_pid" 2>/dev/null || true
    fi
    kosoku_pid=""
}
trap stop_kosoku EXIT
trap 'exit 130' INT TERM

# Waits up to $2 seconds for process $1 to exit. Fails if it is still running.
wait_exit() {
    local pid=$1 deadline=$((SECONDS + $2))
    while kill -0 "$pid" 2>/dev/null; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

echo "== building the driver(s) (release)"
build_started=$SECONDS
build_args=()
for driver in "${drivers[@]}"; do
    build_args+=(--example "$(example_of "$driver")")
done
"$CARGO" build --release "${build_args[@]}"
timings=("build: $((SECONDS - build_started))s")

mkdir -p "$OUT_ROOT"
indexes=()
for driver in "${drivers[@]}"; do
    example=$(example_of "$driver")
    agent=$(agent_of "$driver")
    outdir="$OUT_ROOT/$agent"
    server_log="$OUT_ROOT/$agent.kosoku.log"
    driver_log="$OUT_ROOT/$agent.driver.log"
    rm -rf "$outdir"
    indexes+=("$outdir/index.json")

    port=$(free_port)
    echo "== $agent: kosoku fuzzing server on 127.0.0.1:$port, reports in $outdir/"
    started=$SECONDS
    "${kosoku[@]}" -m fuzzingserver -x '12.*' -x '13.*' -o "$outdir" "127.0.0.1:$port" \
        >"$server_log" 2>&1 &
    kosoku_pid=$!

    # It says so on stderr once it is bound.
    until grep -q "listening" "$server_log"; do
        if ! kill -0 "$kosoku_pid" 2>/dev/null || ((SECONDS - started > START_TIMEOUT)); then
            echo "kosoku did not start listening:" >&2
            cat "$server_log" >&2
            exit 1
        fi
        sleep 0.1
    done

    driver_status=0
    "$CARGO" run --quiet --release --example "$example" -- "$port" 2>&1 | tee "$driver_log" \
        || driver_status=$?

    # After /updateReports kosoku writes the reports and exits by itself, with status 1
    # when a case did not pass: autobahn_counts.py judges that instead.
    if ((driver_status != 0)); then
        echo "warning: the $agent driver exited with status $driver_status" >&2
        wait_exit "$kosoku_pid" 5 || true
    elif ! wait_exit "$kosoku_pid" "$REPORT_TIMEOUT"; then
        echo "warning: kosoku did not finish within ${REPORT_TIMEOUT}s; stopping it" >&2
    fi
    stop_kosoku
    grep -v "listening" "$server_log" || true
    timings+=("$agent: $((SECONDS - started))s")
done

echo "== wall time"
printf '  %s\n' "${timings[@]}"
echo "== results"
"$PYTHON" scripts/autobahn_counts.py "${indexes[@]}"
