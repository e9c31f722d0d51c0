#!/usr/bin/env bash
# Screenshots of every wallet screen, for the README: docs/screenshots/*.png.
#
# Builds the wallet (release, with the `screenshots` feature), runs it under Xvfb with a fresh --data-dir and
# TESSERA_WALLET_SCRIPT=screenshots, which makes the app walk its own screens with a test PIN
# and save eframe's screenshot of each rendered frame. The app checks that the QR code in each
# QR screenshot decodes (tessera-qr) and verifies against the demo trust list, fresh; this
# script then reads the same PNGs with zbar (an independent decoder) and checks it gets the
# same text. It also prints the app's own timings (first frame, QR renewal).
#
# Usage: scripts/screenshots.sh [OUT_DIR]     (default docs/screenshots)
# Needs: apt packages xvfb, libgl1-mesa-dri, zbar-tools, imagemagick (installed if missing).
set -euo pipefail

cd "$(dirname "$0")/.."
out=${1:-docs/screenshots}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target}

packages=()
command -v Xvfb >/dev/null || packages+=(xvfb)
command -v zbarimg >/dev/null || packages+=(zbar-tools)
dpkg -s imagemagick >/dev/null 2>&1 || packages+=(imagemagick)
for p in libgl1-mesa-dri libgl1 libglx-mesa0 libx11-6 libx11-xcb1 libxcursor1 libxi6 \
    libxkbcommon-x11-0 libxrandr2; do
    dpkg -s "$p" >/dev/null 2>&1 || packages+=("$p")
done
if ((${#packages[@]})); then
    echo "installing: ${packages[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi

# The screenshot walker is built only with the `screenshots` feature (the shipped app has none).
cargo build --release -p tessera-wallet --features screenshots
bin="$CARGO_TARGET_DIR/release/tessera-wallet"

data=$(mktemp -d)
log=$(mktemp)
display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 1280x1024x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
cleanup() { kill "$xvfb" 2>/dev/null || true; rm -rf "$data" "$log"; }
trap cleanup EXIT
sleep 1

mkdir -p "$out"
rm -f "$out"/*.png
status=0
env -u WAYLAND_DISPLAY DISPLAY="$display" TESSERA_WALLET_SCRIPT=screenshots \
    TESSERA_WALLET_SCREENSHOT_DIR="$out" timeout 300 "$bin" --data-dir "$data" | tee "$log" \
    || status=$?
if ((status != 0)); then
    echo "the app's screenshot walk failed (exit $status)" >&2
    exit 1
fi

# An independent decoder must read the same payload the app verified, in every QR screenshot.
qr_shots=(06-present-qr 10-present-qr-zh 12-present-qr-checkin-photo)
for shot in "${qr_shots[@]}"; do
    want=$(sed -n "s/^qr-text $shot: //p" "$log")
    got=$(zbarimg -q --raw "$out/$shot.png" 2>/dev/null | tr -d '\n')
    if [[ -z "$want" || "$got" != "$want" ]]; then
        echo "zbarimg read a different or no payload from $out/$shot.png" >&2
        exit 1
    fi
    echo "zbarimg $shot: same payload as the app verified (${#got} characters)"
done
checked=$(grep -c '^qr-text ' "$log" || true)
if ((checked != ${#qr_shots[@]})); then
    echo "the app verified $checked QR screenshots, this script reads ${#qr_shots[@]}: update qr_shots" >&2
    exit 1
fi

# Keep the PNGs small: strip metadata, maximum compression (lossless).
for f in "$out"/*.png; do
    convert "$f" -strip -define png:compression-level=9 "$f"
done
du -ch "$out"/*.png | tail -1
