#!/usr/bin/env bash
# The courier's verifier as a static web site (crates/tessera-web; docs/web.md).
#
#   scripts/web.sh build --out DIR [--root ROOT.pub] [--data PUBLISHED_DIR]
#       Writes the site into DIR: the page, the WebAssembly verifier, a service worker and
#       the trust data (ROOT.pub and what `tessera-issuer publish --out` wrote into
#       PUBLISHED_DIR: trust-list.cbor and status/*.cbor). Default: the demo issuer in
#       assets/demo.
#   scripts/web.sh serve [--port N] [--out DIR] [--root ROOT.pub] [--data PUBLISHED_DIR]
#       Builds (into target/web-site unless --out) and serves it on http://127.0.0.1:N/
#       (default 8080) with python3's http.server. Any static file server can host DIR;
#       other hosts than localhost need HTTPS for the camera.
#
# Installs what it needs: the wasm32-unknown-unknown target and wasm-bindgen-cli at the
# version of the wasm-bindgen crate in Cargo.lock.
#
# TESSERA_WEB_PROFILE picks the WebAssembly module's build profile: "release" (the default;
# the size target in docs/web.md applies to it) or "ci": unoptimised and without debug info
# except opt-level 1 for the crates that decode frames and images and check signatures, a
# shorter cold build for the browser tests in .ci/run (same verdicts; see docs/web.md).
set -euo pipefail

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT_DIR/target}"

die() {
    echo "web.sh: $*" >&2
    exit 2
}

usage() {
    sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
}

wasm_bindgen_version() {
    awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT_DIR/Cargo.lock"
}

ensure_tools() {
    if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
        rustup target add wasm32-unknown-unknown
    fi
    local want have
    want="$(wasm_bindgen_version)"
    [ -n "$want" ] || die "Cargo.lock has no wasm-bindgen entry"
    have="$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)"
    if [ "$have" != "$want" ]; then
        echo "web.sh: installing wasm-bindgen-cli $want (found: ${have:-none})" >&2
        # Only the wasm-bindgen binary, without the test runner's TLS stack. --locked first;
        # its lock file can name a dependency version the registry no longer serves
        # (webpki-roots 1.0.11 for 0.2.130), and then the unlocked resolution.
        local args=(wasm-bindgen-cli --version "$want" --no-default-features --bin wasm-bindgen --force)
        cargo install --locked "${args[@]}" ||
            { echo "web.sh: cargo install --locked failed: installing without --locked" >&2;
              cargo install "${args[@]}"; }
    fi
}

build() {
    local out="" root="$ROOT_DIR/assets/demo/root.pub" data="$ROOT_DIR/assets/demo"
    while [ $# -gt 0 ]; do
        case "$1" in
            --out) out="${2:?--out needs a folder}"; shift 2 ;;
            --root) root="${2:?--root needs a file}"; shift 2 ;;
            --data) data="${2:?--data needs a folder}"; shift 2 ;;
            -h|--help) usage ;;
            *) die "build: unknown argument $1" ;;
        esac
    done
    [ -n "$out" ] || die "build: --out DIR is required"
    [ -f "$root" ] || die "build: root key $root: no such file"
    [ -f "$data/trust-list.cbor" ] || die "build: $data/trust-list.cbor: no such file (--data takes the folder tessera-issuer publish --out wrote)"
    ensure_tools

    local profile="${TESSERA_WEB_PROFILE:-release}" profile_args
    case "$profile" in
        release) profile_args=(--release) ;;
        # Defined here, not in the workspace's Cargo.toml: only this script builds with it.
        ci)
            profile="web-ci"
            profile_args=(--profile web-ci --config 'profile.web-ci.inherits="release"'
                --config 'profile.web-ci.opt-level=0' --config 'profile.web-ci.debug=false')
            local hot
            for hot in tessera-web tessera-qr rxing image png miniz_oxide zune-jpeg curve25519-dalek sha2; do
                profile_args+=(--config "profile.web-ci.package.$hot.opt-level=1")
            done
            ;;
        *) die "build: TESSERA_WEB_PROFILE=$profile: use release or ci" ;;
    esac
    (cd "$ROOT_DIR" && cargo build -q -p tessera-web --lib --target wasm32-unknown-unknown "${profile_args[@]}")
    local wasm="$TARGET_DIR/wasm32-unknown-unknown/$profile/tessera_web.wasm"
    [ -f "$wasm" ] || die "build: $wasm was not built"

    mkdir -p "$out"
    local tmp
    tmp="$(mktemp -d "$out/.build-XXXXXX")"
    trap 'rm -rf "$tmp"' RETURN
    wasm-bindgen --target web --no-typescript --out-dir "$tmp/pkg" "$wasm"
    cp "$ROOT_DIR"/crates/tessera-web/site/{index.html,app.js,style.css,manifest.webmanifest,icon.svg} "$tmp/"
    mkdir -p "$tmp/trust/status"
    cp "$root" "$tmp/trust/root.pub"
    cp "$data/trust-list.cbor" "$tmp/trust/trust-list.cbor"
    local names=()
    if [ -d "$data/status" ]; then
        for f in "$data"/status/*.cbor; do
            [ -f "$f" ] || continue
            cp "$f" "$tmp/trust/status/"
            names+=("$(basename "$f")")
        done
    fi
    python3 -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "${names[@]}" > "$tmp/trust/status/index.json"
    # The service worker's cache version: a digest of everything it caches.
    local version
    version="$(cd "$tmp" && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
    sed "s/__BUILD__/$version/" "$ROOT_DIR/crates/tessera-web/site/sw.js" > "$tmp/sw.js"

    # Replace the previous site's files (status lists no longer published are removed).
    rm -rf "$out/pkg" "$out/trust"
    cp -r "$tmp"/. "$out/"
    local size gz
    size="$(stat -c %s "$out/pkg/tessera_web_bg.wasm")"
    gz="$(gzip -9 -c "$out/pkg/tessera_web_bg.wasm" | wc -c)"
    echo "web.sh: site in $out ($profile profile: wasm $size bytes, $gz gzipped; cache version $version)"
}

serve() {
    local port=8080 out="$TARGET_DIR/web-site" args=()
    while [ $# -gt 0 ]; do
        case "$1" in
            --port) port="${2:?--port needs a number}"; shift 2 ;;
            --out) out="${2:?--out needs a folder}"; shift 2 ;;
            --root|--data) args+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
            -h|--help) usage ;;
            *) die "serve: unknown argument $1" ;;
        esac
    done
    [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1 ] && [ "$port" -le 65535 ] || die "serve: --port $port is not a port number (1-65535)"
    build --out "$out" "${args[@]}"
    echo "web.sh: serving $out on http://127.0.0.1:$port/ (ctrl-c stops)"
    exec python3 -m http.server "$port" --bind 127.0.0.1 --directory "$out"
}

case "${1:-}" in
    build) shift; build "$@" ;;
    serve) shift; serve "$@" ;;
    *) usage ;;
esac
