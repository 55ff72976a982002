#!/usr/bin/env bash
# The browser benchmarks of omnisocket, in one command (see the Browser part of BENCHMARKS.md):
#
#   1. rtt       round trips per second in headless Chromium and Firefox (BENCH_BROWSERS):
#                omnisocket's WebClient, gloo-net, web-sys by hand and a plain JavaScript
#                WebSocket loop, in interleaved runs in one page per browser, against one
#                tokio-tungstenite echo server (bench-browser/echo-server);
#   2. size      the wasm of a minimal client (connect, send, receive, close) on omnisocket,
#                gloo-net and web-sys alone: size-optimised release, wasm-bindgen --target
#                web, raw and gzip -9, and after wasm-opt -Oz when binaryen is available;
#                and what the Leptos and Yew hooks add to a minimal app (gzip -9);
#   3. autobahn  the Autobahn client cases (kosoku, 12.* and 13.* excluded) driven from
#                headless Chromium by omnisocket (agent omnisocket-web) and by the raw
#                WebSocket (agent chromium-raw).
#
# usage: scripts/bench_browser.sh [rtt] [size] [autobahn]      (default: all three)
#
# Everything is built in bench-browser/ (its own workspace and target directory); the
# logs, the Autobahn reports and summary.md go to bench-browser/target/bench-results/.
# Environment: BENCH_RTT_N (round trips per run, default 2000), BENCH_RTT_ROUNDS (timed
# rounds, default 21), BENCH_BROWSERS (default "chromium firefox"), KOSOKU (default
# kosoku), PYTHON (default python3).
# Exit status: non-zero when a step fails, or when omnisocket-web fails an Autobahn case that
# chromium-raw passes.

set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BENCH=$ROOT/bench-browser
export CARGO_TARGET_DIR=$BENCH/target
OUT=$CARGO_TARGET_DIR/bench-results
PYTHON=${PYTHON:-python3}
KOSOKU=${KOSOKU:-kosoku}
WASM_BINDGEN_VERSION=0.2.130 # = the pin in bench-browser/Cargo.toml
export BENCH_RTT_N=${BENCH_RTT_N:-2000}
export BENCH_RTT_ROUNDS=${BENCH_RTT_ROUNDS:-21}

say() { printf '\n==> %s\n' "$*"; }
die() {
    echo "error: $*" >&2
    exit 1
}

parts=("$@")
[[ ${#parts[@]} -gt 0 ]] || parts=(rtt size autobahn)
for part in "${parts[@]}"; do
    case $part in rtt | size | autobahn) ;; *) die "unknown part '$part' (rtt, size, autobahn)" ;; esac
done
wants() { [[ " ${parts[*]} " == *" $1 "* ]]; }

started_all=$SECONDS
mkdir -p "$OUT"

# --- what it needs -------------------------------------------------------------------------
GECKODRIVER_CHECK=${GECKODRIVER_PATH:-geckodriver}
have_runner=$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}' || true)
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown ||
    ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null ||
    ! command -v firefox-esr >/dev/null || ! command -v "$GECKODRIVER_CHECK" >/dev/null ||
    [[ $have_runner != "$WASM_BINDGEN_VERSION" ]] || ! command -v "$KOSOKU" >/dev/null; then
    say "installing what is missing (scripts/setup.sh)"
    bash scripts/setup.sh
fi
if wants size && ! command -v wasm-opt >/dev/null && [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    say "trying to install binaryen (wasm-opt); the sizes after wasm-opt are skipped without it"
    apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends binaryen >/dev/null 2>&1 || true
fi

# --- the machine ---------------------------------------------------------------------------
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
chromium_version=$(chromium --version 2>/dev/null | grep -o 'Chromium [0-9.]*' || echo unknown)
firefox_version=$(firefox-esr --version 2>/dev/null | grep -o 'Firefox [0-9.a-z]*' || echo "no Firefox")
machine="$(nproc) CPUs ($cpu), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, \
$(. /etc/os-release && echo "$PRETTY_NAME"), $chromium_version, $firefox_version, $(rustc --version | cut -d' ' -f1-2), \
wasm-bindgen $WASM_BINDGEN_VERSION"
command -v wasm-opt >/dev/null && machine+=", binaryen $(wasm-opt --version | awk '{print $3}')"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "machine: $machine"
echo "load average before: $load_before"

# --- processes started here, stopped on exit -------------------------------------------------
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# --- 2. sizes ------------------------------------------------------------------------------
size_table=$OUT/sizes.md
if wants size; then
    say "size: building the minimal clients (profile size) and running wasm-bindgen --target web"
    t0=$SECONDS
    pkg_dir=$OUT/size
    rm -rf "$pkg_dir"
    mkdir -p "$pkg_dir"
    clients=(omnisocket gloo websys)
    for c in "${clients[@]}"; do
        (cd "$BENCH" && cargo build --quiet --profile size --target wasm32-unknown-unknown -p "min-$c")
        wasm="$CARGO_TARGET_DIR/wasm32-unknown-unknown/size/min_$c.wasm"
        wasm-bindgen --target web --remove-name-section --remove-producers-section \
            --out-dir "$pkg_dir/$c" "$wasm"
        # The same with symbol names, for the breakdown by crate.
        wasm-bindgen --target web --out-dir "$pkg_dir/$c-names" "$wasm"
        if command -v wasm-opt >/dev/null; then
            wasm-opt -Oz "$pkg_dir/$c/min_${c}_bg.wasm" -o "$pkg_dir/$c/min_${c}_bg.opt.wasm"
            # The optimised module must still be valid wasm.
            node -e 'const fs = require("fs"); if (!WebAssembly.validate(fs.readFileSync(process.argv[1]))) { console.error("invalid wasm after wasm-opt: " + process.argv[1]); process.exit(1); }' \
                "$pkg_dir/$c/min_${c}_bg.opt.wasm"
        fi
    done
    size_of() { [[ -f $1 ]] && stat -c %s "$1" || echo -; }
    gz_of() { [[ -f $1 ]] && gzip -9c "$1" | wc -c || echo -; }
    kib() { [[ $1 == - ]] && echo - || awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }
    declare -A gz_wasm
    {
        echo "| minimal client | .wasm | .wasm gzip -9 | after wasm-opt -Oz | wasm-opt + gzip -9 | JS glue | JS glue gzip -9 |"
        echo "|---|---:|---:|---:|---:|---:|---:|"
        for c in "${clients[@]}"; do
            d=$pkg_dir/$c
            w=$(size_of "$d/min_${c}_bg.wasm")
            wg=$(gz_of "$d/min_${c}_bg.wasm")
            o=$(size_of "$d/min_${c}_bg.opt.wasm")
            og=$(gz_of "$d/min_${c}_bg.opt.wasm")
            j=$(size_of "$d/min_$c.js")
            jg=$(gz_of "$d/min_$c.js")
            gz_wasm[$c]=$wg
            case $c in
                omnisocket) name="omnisocket (min-omnisocket)" ;;
                gloo) name="gloo-net 0.7, websocket only (min-gloo)" ;;
                websys) name="web-sys alone (min-websys)" ;;
            esac
            echo "| $name | $w B ($(kib "$w") KiB) | $wg B ($(kib "$wg") KiB) | $o B | $og B | $j B | $jg B |"
        done
    } >"$size_table"
    {
        echo
        echo "omnisocket / gloo-net, gzipped .wasm: $(awk -v a="${gz_wasm[omnisocket]}" -v b="${gz_wasm[gloo]}" 'BEGIN { printf "%.2f×", a / b }')" \
            "($(((gz_wasm[omnisocket] - gz_wasm[gloo]) / 1024)) KiB more);" \
            "omnisocket / web-sys alone: $(awk -v a="${gz_wasm[omnisocket]}" -v b="${gz_wasm[websys]}" 'BEGIN { printf "%.2f×", a / b }')."
    } >>"$size_table"
    {
        echo "Code bytes by crate (wasm-bindgen output with names, before wasm-opt):"
        for c in "${clients[@]}"; do
            "$PYTHON" "$BENCH/tools/wasm_breakdown.py" "$pkg_dir/$c-names/min_${c}_bg.wasm" 10 |
                sed "s|$pkg_dir/||"
        done
    } >"$OUT/size-breakdown.txt"
    cat "$size_table"
    echo
    cat "$OUT/size-breakdown.txt"

    # What each framework hook adds to a minimal CSR app (a paragraph and a button mounted to
    # the body): min-leptos against min-leptos-hook (the text is use_websocket's state, the
    # button sends), the same for Yew. The same build and wasm-bindgen steps; gzip -9 of the
    # final _bg.wasm. The difference includes omnisocket itself.
    say "size: the Leptos and Yew hooks (baseline app against the same app with use_websocket)"
    hook_table=$OUT/hook-sizes.md
    {
        echo "| framework | baseline app, .wasm gzip -9 | with use_websocket, .wasm gzip -9 | added by the hook (omnisocket included) |"
        echo "|---|---:|---:|---:|"
    } >"$hook_table"
    for fw in leptos yew; do
        for app in "min-$fw" "min-$fw-hook"; do
            (cd "$BENCH" && cargo build --quiet --profile size --target wasm32-unknown-unknown -p "$app")
            wasm-bindgen --target web --remove-name-section --remove-producers-section \
                --out-dir "$pkg_dir/$app" "$CARGO_TARGET_DIR/wasm32-unknown-unknown/size/${app//-/_}.wasm"
        done
        base=$(gz_of "$pkg_dir/min-$fw/min_${fw}_bg.wasm")
        hook=$(gz_of "$pkg_dir/min-$fw-hook/min_${fw}_hook_bg.wasm")
        case $fw in leptos) name="Leptos 0.8 (omnisocket-leptos)" ;; yew) name="Yew 0.23 (omnisocket-yew)" ;; esac
        echo "| $name | $base B ($(kib "$base") KiB) | $hook B ($(kib "$hook") KiB) | +$((hook - base)) B ($(kib $((hook - base))) KiB) |" >>"$hook_table"
    done
    cat "$hook_table"
    echo "(size: $((SECONDS - t0)) s)"
fi

# --- the servers -------------------------------------------------------------------------
echo_port=""
if wants rtt; then
    say "building and starting the echo server (bench-browser/echo-server, release)"
    (cd "$BENCH" && cargo build --quiet --release -p bench-echo-server)
    echo_out=$OUT/echo-server.out
    "$CARGO_TARGET_DIR/release/bench-echo-server" >"$echo_out" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do grep -q '^PORT=' "$echo_out" && break; sleep 0.1; done
    echo_port=$(sed -n 's/^PORT=//p' "$echo_out")
    [[ -n $echo_port ]] || die "the echo server did not start: $(cat "$echo_out")"
    echo "echo server on 127.0.0.1:$echo_port"
fi

agents=(omnisocket-web chromium-raw)
declare -A kosoku_port kosoku_pid
if wants autobahn; then
    say "starting one kosoku fuzzing server per agent (it exits after writing its reports)"
    for agent in "${agents[@]}"; do
        dir=$OUT/autobahn/$agent
        rm -rf "$dir"
        mkdir -p "$OUT/autobahn"
        port=$(free_port)
        log=$OUT/autobahn/$agent.kosoku.log
        "$KOSOKU" -m fuzzingserver -x '12.*' -x '13.*' -o "$dir" "127.0.0.1:$port" >"$log" 2>&1 &
        kosoku_pid[$agent]=$!
        pids+=($!)
        kosoku_port[$agent]=$port
        for _ in $(seq 300); do grep -q listening "$log" && break; sleep 0.1; done
        grep -q listening "$log" || die "kosoku did not start: $(cat "$log")"
        echo "$agent: kosoku on 127.0.0.1:$port, reports in ${dir#"$ROOT"/}/"
    done
fi

# --- the wasm tests: built once (the ports are compile-time settings) ----------------------
export BENCH_ECHO_PORT=$echo_port
export BENCH_AUTOBAHN_PORT_OMNISOCKET=${kosoku_port[omnisocket-web]:-}
export BENCH_AUTOBAHN_PORT_RAW=${kosoku_port[chromium-raw]:-}
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver}
export WASM_BINDGEN_TEST_TIMEOUT=900
GECKODRIVER_PATH=${GECKODRIVER_PATH:-$(command -v geckodriver || echo "$HOME/.cargo/bin/geckodriver")}
browser_test() { # TEST [FILTER]: runs one test file of bench-browser/browser in $BROWSER
    if [[ ${BROWSER:-chromium} == firefox ]]; then
        (cd "$BENCH" && env -u CHROMEDRIVER GECKODRIVER="$GECKODRIVER_PATH" cargo test --release \
            --target wasm32-unknown-unknown -p bench-browser --test "$1" -- --nocapture ${2:+"$2"})
    else
        (cd "$BENCH" && cargo test --release --target wasm32-unknown-unknown -p bench-browser \
            --test "$1" -- --nocapture ${2:+"$2"})
    fi
}
if wants rtt || wants autobahn; then
    say "building the browser tests (release, wasm32)"
    (cd "$BENCH" && cargo test --quiet --release --target wasm32-unknown-unknown -p bench-browser --no-run)
fi

# --- 1. round trips ------------------------------------------------------------------------
# In each browser of BENCH_BROWSERS (default: chromium firefox); the table of Chromium is
# rtt.md, the others rtt-<browser>.md.
rtt_tables=()
if wants rtt; then
    for BROWSER in ${BENCH_BROWSERS:-chromium firefox}; do
        suffix=""
        [[ $BROWSER == chromium ]] || suffix="-$BROWSER"
        say "rtt ($BROWSER): the minimal clients against the echo server (what size measures works)"
        browser_test minimal >"$OUT/minimal$suffix.log" 2>&1 || { cat "$OUT/minimal$suffix.log"; die "a minimal client failed"; }
        grep -o 'BENCH|minimal|.*' "$OUT/minimal$suffix.log" | cut -d'|' -f3- | tr '\n' ' '
        echo
        say "rtt ($BROWSER): $BENCH_RTT_N round trips per run, $BENCH_RTT_ROUNDS rounds + 1 warm-up, headless"
        t0=$SECONDS
        browser_test rtt >"$OUT/rtt$suffix.log" 2>&1 || { cat "$OUT/rtt$suffix.log"; die "the round-trip benchmark failed"; }
        grep -E '^(round|round trips)' "$OUT/rtt$suffix.log" || true
        rtt_table=$OUT/rtt$suffix.md
        grep -o 'BENCH|rtt||.*' "$OUT/rtt$suffix.log" | sed 's/^BENCH|rtt||/|/' >"$rtt_table"
        rtt_tables+=("$BROWSER:$rtt_table")
        echo
        cat "$rtt_table"
        echo "(rtt $BROWSER: $((SECONDS - t0)) s)"
    done
fi

# --- 3. Autobahn -----------------------------------------------------------------------------
ab_table=$OUT/autobahn.txt
ab_status=0
if wants autobahn; then
    indexes=()
    for agent in "${agents[@]}"; do
        say "autobahn: $agent"
        t0=$SECONDS
        log=$OUT/autobahn/$agent.log
        browser_test autobahn "autobahn_${agent//-/_}" >"$log" 2>&1 ||
            { tail -n 40 "$log"; die "the $agent driver failed (log: $log)"; }
        grep -E "^$agent: [0-9]+ cases in" "$log" || true
        # After /updateReports kosoku writes the reports and exits by itself.
        pid=${kosoku_pid[$agent]}
        for _ in $(seq 1200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && echo "warning: kosoku ($agent) still running after 120 s; stopping it" >&2
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        tail -n 1 "$OUT/autobahn/$agent.kosoku.log"
        indexes+=("$OUT/autobahn/$agent/index.json")
        echo "(autobahn $agent: $((SECONDS - t0)) s)"
    done

    say "autobahn: results"
    counts=$ROOT/scripts/autobahn_counts.py
    if [[ -f $counts ]]; then
        # Exits 2 when a run produced no results (its exit 1 is for the native agent only).
        counts_status=0
        "$PYTHON" "$counts" "${indexes[@]}" >"$ab_table" || counts_status=$?
        [[ $counts_status -ne 2 ]] || { cat "$ab_table"; die "an Autobahn run produced no results"; }
    else
        "$PYTHON" - "${indexes[@]}" >"$ab_table" <<'EOF'
import json, sys
from collections import Counter
for path in sys.argv[1:]:
    for agent, cases in json.load(open(path)).items():
        print(agent, dict(Counter(c["behavior"] for c in cases.values())),
              "close:", dict(Counter(c["behaviorClose"] for c in cases.values())))
EOF
    fi
    cat "$ab_table"

    # Where the two agents differ, case by case. omnisocket-web failing a case that
    # chromium-raw passes is a bug of the browser backend.
    "$PYTHON" - "${indexes[@]}" >"$OUT/autobahn-diff.txt" <<'EOF' || ab_status=1
import json, sys
PASSING = {"OK", "NON-STRICT", "INFORMATIONAL", "UNIMPLEMENTED"}
def failed(e):
    return e["behavior"] not in PASSING or e["behaviorClose"] in ("FAILED", "UNCLEAN")
def key(cid):
    return tuple(int(p) for p in cid.split("."))
ours, raw = (next(iter(json.load(open(p)).values())) for p in sys.argv[1:3])
diff = [c for c in sorted(ours, key=key) if c in raw and
        (ours[c]["behavior"], ours[c]["behaviorClose"]) != (raw[c]["behavior"], raw[c]["behaviorClose"])]
worse = [c for c in diff if failed(ours[c]) and not failed(raw[c])]
print(f"cases where omnisocket-web and chromium-raw differ ({len(diff)}):",
      " ".join(f'{c}[{ours[c]["behavior"]}/{ours[c]["behaviorClose"]} vs '
               f'{raw[c]["behavior"]}/{raw[c]["behaviorClose"]}]' for c in diff) or "-")
print(f"cases omnisocket-web fails and chromium-raw passes ({len(worse)}):", " ".join(worse) or "-")
for name, cases in (("omnisocket-web", ours), ("chromium-raw", raw)):
    total = sum(e["duration"] for e in cases.values()) / 1000
    nine = sum(e["duration"] for c, e in cases.items() if c.startswith("9.")) / 1000
    print(f"{name}: {total:.1f} s in the cases (server-side durations), {nine:.1f} s of it in 9.* (large messages)")
sys.exit(1 if worse else 0)
EOF
    cat "$OUT/autobahn-diff.txt"
fi

# --- summary -------------------------------------------------------------------------------
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
total=$((SECONDS - started_all))
{
    echo "# Browser benchmarks: summary of the last run"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%MZ), \`bash scripts/bench_browser.sh ${*:-}\` in $total s."
    echo "Machine: $machine. Load average before: $load_before; after: $load_after."
    for entry in "${rtt_tables[@]}"; do
        echo
        echo "## Round trips per second in headless ${entry%%:*} (32-byte text, $BENCH_RTT_N per run, median of $BENCH_RTT_ROUNDS interleaved runs)"
        echo
        cat "${entry#*:}"
    done
    if wants size; then
        echo
        echo "## Minimal client size (opt-level z, LTO, 1 codegen unit, panic abort; wasm-bindgen --target web)"
        echo
        cat "$size_table"
        echo
        echo "## What the Leptos and Yew hooks add to a minimal app (same profile and steps)"
        echo
        cat "$hook_table"
    fi
    if wants autobahn; then
        echo
        echo "## Autobahn client cases from headless Chromium (12.* and 13.* excluded)"
        echo
        echo '```'
        # The tables and the failed and non-strict cases; the full listing is in autobahn.txt.
        grep -v 'close not OK' "$ab_table"
        cat "$OUT/autobahn-diff.txt"
        echo '```'
    fi
} >"$OUT/summary.md"
say "summary (also in ${OUT#"$ROOT"/}/summary.md)"
cat "$OUT/summary.md"
exit "$ab_status"
