#!/usr/bin/env bash
# Installs what the tests and the demo need on a fresh Debian machine, skipping what is
# already there: the wasm32 target, Debian's Chromium and ChromeDriver, wasm-bindgen-cli of
# exactly the version in Cargo.lock, and kosoku (the Autobahn test cases) from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing chromium and chromium-driver"
    sudo_cmd=""
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
    $sudo_cmd apt-get update -q
    $sudo_cmd apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends \
        chromium chromium-driver
fi

# wasm-bindgen-test-runner must match the wasm-bindgen in Cargo.lock exactly.
cargo metadata --format-version 1 >/dev/null # makes sure Cargo.lock exists
wanted=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$wanted" ]; then
    say "installing wasm-bindgen-cli $wanted (had: ${have:-none})"
    # Not --locked: one of its pinned dependencies is no longer in the registry.
    cargo install wasm-bindgen-cli --version "$wanted"
fi

if ! command -v kosoku >/dev/null; then
    say "installing kosoku (Autobahn test cases)"
    python3 -m pip install --quiet kosoku
fi
