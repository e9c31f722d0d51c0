#!/usr/bin/env python3
"""Reference figures for docs/qr.md: zxing-cpp on tessera-qr's degraded corpus.

Writes the corpus with the Rust example (same fixed seed as the tests), then decodes every
frame with Python's zxing-cpp and prints the same table as `qr_corpus report`.

    pip install zxing-cpp pillow
    python3 scripts/qr_reference.py [PER_CELL] [--dir DIR] [--skip-write]

Success = the set of decoded texts equals the expected set exactly.
"""
import argparse
import os
import statistics
import subprocess
import sys
import time

import zxingcpp
from PIL import Image


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("per_cell", nargs="?", type=int, default=20)
    ap.add_argument("--dir", default="/tmp/tessera-qr-corpus")
    ap.add_argument("--skip-write", action="store_true")
    args = ap.parse_args()
    if not args.skip_write:
        env = dict(os.environ)
        env.setdefault("CARGO_TARGET_DIR", "/work/target-qr")
        subprocess.run(
            ["cargo", "run", "--release", "-q", "-p", "tessera-qr", "--example", "qr_corpus",
             "--", "write", args.dir, str(args.per_cell)],
            check=True, env=env)
    cells = {}
    order = []
    with open(os.path.join(args.dir, "manifest.tsv")) as f:
        for line in f:
            name, deg, strength, expected = line.rstrip("\n").split("\t")
            key = (deg, strength)
            if key not in cells:
                cells[key] = []
                order.append(key)
            cells[key].append((name, set(expected.split("|"))))
    print("| degradation | strength | read | median CPU ms |")
    print("|---|---|---|---|")
    totals = {}
    all_times = []
    for key in order:
        ok, times = 0, []
        for name, expected in cells[key]:
            img = Image.open(os.path.join(args.dir, name)).convert("L")
            start = time.thread_time()
            results = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode,
                                             try_rotate=True, try_downscale=True,
                                             try_invert=True)
            times.append((time.thread_time() - start) * 1e3)
            texts = [r.text for r in results if r.valid]
            if len(texts) == len(expected) and set(texts) == expected:
                ok += 1
        all_times += times
        n = len(cells[key])
        t = totals.setdefault(key[1], [0, 0])
        t[0] += ok
        t[1] += n
        print(f"| {key[0]} | {key[1]} | {ok}/{n} ({100 * ok / n:.0f} %) | {statistics.median(times):.1f} |")
    for strength, (ok, n) in totals.items():
        print(f"{strength}: {ok}/{n} ({100 * ok / n:.1f} %)")
    print(f"all frames: median {statistics.median(all_times):.1f} ms")
    print(f"zxing-cpp {zxingcpp.__version__ if hasattr(zxingcpp, '__version__') else '?'}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
