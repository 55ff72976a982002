#!/usr/bin/env bash
# The recorded public API: api/*.txt, one line per public item, written by cargo-public-api
# from rustdoc's JSON (nightly). CI regenerates the files and fails on any difference, so that
# every change of the surface shows in review (and in CHANGELOG.md). The text depends a little
# on the nightly's rustdoc too (it lists the auto traits that nightly knows): after moving
# scripts/nightly-toolchain to a newer nightly, a difference in `impl ... for` lines alone is
# that, and a --bless records it.
#
#   bash scripts/public_api.sh           # check: regenerate into a temporary directory, diff
#   bash scripts/public_api.sh --bless   # rewrite api/*.txt after an intended change
#
# Blanket implementations (`impl<T> From<T> for T`, ...) are left out; auto traits (`Send`,
# `Sync`, `Unpin`, ...) stay: losing one is a breaking change.
set -euo pipefail
cd "$(dirname "$0")/.."

version=0.52.0 # understands the rustdoc JSON of nightly-2025-08-02 and later; see scripts/setup.sh
nightly=$(cat scripts/nightly-toolchain) # the dated nightly whose rustdoc JSON is recorded
if ! cargo public-api --version 2>/dev/null | grep -q " $version\$"; then
    echo "cargo-public-api $version is needed (bash scripts/setup.sh installs it)" >&2
    exit 1
fi

bless=false
case "${1:-}" in
--bless) bless=true ;;
"") ;;
*) echo "usage: $0 [--bless]" >&2; exit 2 ;;
esac

out=api
if $bless; then
    trap 'rm -f api/*.tmp' EXIT # a failed build leaves the recorded file as it was
else
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
fi

# FILE PACKAGE [TARGET]: the API of PACKAGE with all its features, natively or for TARGET
# (natively without --target, so that the dependencies checked by the docs step are reused).
record() {
    local file=$1 package=$2 target=${3:-}
    echo "==> $file: $package, all features, ${target:-native}"
    {
        echo "# The public API of $package (all features, ${target:-native}), written by"
        echo "# scripts/public_api.sh --bless (cargo-public-api $version, blanket impls left out)."
        cargo "+$nightly" public-api -p "$package" --all-features ${target:+--target "$target"} \
            --simplified --color never
    } >"$out/$file.tmp"
    mv "$out/$file.tmp" "$out/$file"
}

record omnisocket.txt omnisocket
record omnisocket.wasm32.txt omnisocket wasm32-unknown-unknown
# The hooks have one API for both targets (no per-target code): recorded where they run.
record omnisocket-leptos.txt omnisocket-leptos wasm32-unknown-unknown
record omnisocket-yew.txt omnisocket-yew wasm32-unknown-unknown

if ! $bless; then
    if ! diff -ru api "$out"; then
        echo "The public API differs from api/ (above: - recorded, + now). If the change is" >&2
        echo "intended, run \`bash scripts/public_api.sh --bless\` and note it in CHANGELOG.md." >&2
        exit 1
    fi
    echo "public API: as recorded in api/"
fi
