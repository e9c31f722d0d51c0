#!/usr/bin/env python3
"""zxing-cpp on the phone-screen frames of docs/qr.md ("A code on a phone screen").

Runs the Rust example's `screen` mode (which renders a check-in-with-photo code for two
phone screens, photographs each screen with the degraded-camera corpus generator, decodes
every frame with tessera-qr and writes the frames with `screen.tsv`), then reads the same
PNG files with zxing-cpp and prints both decoders' reads per screen, degradation and
strength. A frame counts as read when the decoded texts equal the expected one exactly.

    pip install zxing-cpp pillow        # add --break-system-packages where pip asks for it
    python3 scripts/qr_screen_reference.py PORTRAIT.webp [--per-cell N] [--dir DIR]

PORTRAIT.webp: a QR portrait as the issuer derives it, for example from
`cargo run -p tessera-issuer --example portrait_sizes -- /tmp/qrp` (qr-astronaut-48x64-650.webp,
640 bytes). zxing-cpp runs as in scripts/qr_reference.py (QR only, try_rotate,
try_downscale, try_invert).
"""
import argparse
import collections
import os
import subprocess

import zxingcpp
from PIL import Image

EXAMPLE = ["cargo", "run", "--release", "-q", "-p", "tessera-qr", "--example", "qr_corpus", "--"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("portrait")
    ap.add_argument("--per-cell", type=int, default=20)
    ap.add_argument("--dir", default="/tmp/tessera-qr-screen")
    args = ap.parse_args()
    env = dict(os.environ)
    env.setdefault("CARGO_TARGET_DIR", "/work/target-qr")
    out = subprocess.run(EXAMPLE + ["screen", os.path.abspath(args.portrait), str(args.per_cell),
                                    args.dir], check=True, env=env, capture_output=True,
                         text=True).stdout
    print(out)
    ours = collections.Counter()
    theirs = collections.Counter()
    total = collections.Counter()
    with open(os.path.join(args.dir, "screen.tsv")) as f:
        for line in f:
            file, screen, degradation, strength, read, text = line.rstrip("\n").split("\t")
            key = (screen, degradation, strength)
            img = Image.open(os.path.join(args.dir, file)).convert("L")
            results = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode,
                                             try_rotate=True, try_downscale=True,
                                             try_invert=True)
            texts = [r.text for r in results if r.valid]
            total[key] += 1
            ours[key] += read == "true"
            theirs[key] += texts == [text]
    screens = sorted({k[0] for k in total}, reverse=True)
    for screen in screens:
        print(f"\n{screen}: reads, tessera-qr / zxing-cpp")
        print("| degradation | mild | medium |\n|---|---|---|")
        sums = collections.Counter()
        for degradation in dict.fromkeys(k[1] for k in total if k[0] == screen):
            cells = []
            for strength in ("mild", "medium"):
                key = (screen, degradation, strength)
                cells.append(f"{ours[key]} / {theirs[key]} of {total[key]}")
                sums[(strength, "ours")] += ours[key]
                sums[(strength, "theirs")] += theirs[key]
                sums[(strength, "n")] += total[key]
            print(f"| {degradation} | {cells[0]} | {cells[1]} |")
        row = []
        for strength in ("mild", "medium"):
            n = sums[(strength, "n")]
            o, t = sums[(strength, "ours")], sums[(strength, "theirs")]
            row.append(f"{o} ({100 * o / n:.1f} %) / {t} ({100 * t / n:.1f} %) of {n}")
        print(f"| all | {row[0]} | {row[1]} |")


if __name__ == "__main__":
    main()
