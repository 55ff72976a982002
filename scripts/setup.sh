#!/usr/bin/env bash
# Installs what the tests and the demo need on a fresh Debian machine, skipping what is
# already there: the wasm32 target, the toolchains CI checks with (nightly, and each
# publishable crate's rust-version), Debian's Chromium, ChromeDriver and Firefox ESR, Debian's
# tinyproxy (HTTP) and Dante (SOCKS5) proxies, geckodriver, wasm-pack and cargo-public-api
# from crates.io, wasm-bindgen-cli of exactly the version in Cargo.lock, kosoku (the Autobahn
# test cases) and pproxy (a SOCKS5 proxy that takes a password) from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

# Nightly builds the docs as docs.rs does and the rustdoc JSON of the recorded public API:
# one dated nightly (scripts/nightly-toolchain), so that a fresh machine records the API as
# this one does; each rust-version in the publishable crates' manifests is checked on both
# targets.
nightly=$(cat scripts/nightly-toolchain)
msrvs=$(sed -n 's/^rust-version = "\(.*\)"$/\1/p' \
    Cargo.toml omnisocket-leptos/Cargo.toml omnisocket-yew/Cargo.toml | sort -u)
for toolchain in "$nightly" $msrvs; do
    if ! rustup toolchain list | grep -q "^$toolchain-"; then
        say "installing the $toolchain toolchain"
        rustup toolchain install "$toolchain" --profile minimal
    fi
    if ! rustup target list --installed --toolchain "$toolchain" | grep -qx wasm32-unknown-unknown; then
        say "adding the wasm32-unknown-unknown target to $toolchain"
        rustup target add wasm32-unknown-unknown --toolchain "$toolchain"
    fi
done

# Debian's browsers (and ChromeDriver) for the wasm suite, and the proxies the native
# proxy tests start.
packages=()
command -v chromium >/dev/null || packages+=(chromium)
command -v chromedriver >/dev/null || packages+=(chromium-driver)
command -v firefox-esr >/dev/null || packages+=(firefox-esr)
command -v tinyproxy >/dev/null || packages+=(tinyproxy)
[ -x /usr/sbin/danted ] || packages+=(dante-server)
if [ ${#packages[@]} -gt 0 ]; then
    say "installing ${packages[*]}"
    sudo_cmd=""
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
    $sudo_cmd apt-get update -q
    $sudo_cmd apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends \
        "${packages[@]}"
fi

# Firefox's WebDriver and wasm-pack are not Debian packages here: built from crates.io, at
# pinned versions (each takes a few minutes on two cores).
cargo_install_pinned() { # NAME VERSION [ARGS]: skips the build when that version is installed
    local name=$1 version=$2
    if ! "$name" --version 2>/dev/null | grep -q " $version"; then
        say "installing $name $version"
        cargo install "$name" --version "$version" "${@:3}"
    fi
}
cargo_install_pinned geckodriver 0.37.1
cargo_install_pinned wasm-pack 0.15.1
# The version that reads the rustdoc JSON of current nightlies (scripts/public_api.sh).
cargo_install_pinned cargo-public-api 0.52.0 --locked

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

if ! command -v pproxy >/dev/null; then
    say "installing pproxy (SOCKS5 proxy with a password, for the proxy tests)"
    python3 -m pip install --quiet pproxy==2.7.9
fi
