#!/usr/bin/env python3
"""Speed figures for docs/qr.md: tessera-qr against zxing-cpp on the same frames, same run.

Writes the speed benchmark's frames (codeless scenes at 1920x1080 and 1280x720, and 1080p
frames with one code; generated in code from a fixed seed) as PNG with the Rust example,
times zxing-cpp's `read_barcodes` on each file, then runs the example's `time` mode on the
same files, and prints per-frame and per-group medians of per-thread CPU time with ratios.
The `time` mode also reports the streaming `Scanner` on each frame (the frame pushed again
and again as a raw buffer; mean CPU per frame over whole cycles of its full-resolution
probe), the figure that matters for live video.

    pip install zxing-cpp pillow        # add --break-system-packages where pip asks for it
    python3 scripts/qr_speed_reference.py [--dir DIR] [--repeats N] [--skip-write]

zxing-cpp runs with its defaults for a phone scan (try_rotate, try_downscale, try_invert)
restricted to QR codes, as in scripts/qr_reference.py. A frame counts as read when the
decoded texts equal the expected ones (none for a codeless frame).
"""
import argparse
import os
import statistics
import subprocess

import zxingcpp
from PIL import Image

EXAMPLE = ["cargo", "run", "--release", "-q", "-p", "tessera-qr", "--example", "qr_corpus", "--"]


def zxing_times(path, expected, repeats):
    img = Image.open(path).convert("L")
    times, ok = [], False
    for _ in range(repeats):
        start = time_ns()
        results = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode,
                                         try_rotate=True, try_downscale=True, try_invert=True)
        times.append((time_ns() - start) / 1e6)
        texts = sorted(r.text for r in results if r.valid)
        ok = texts == sorted(expected)
    return statistics.median(times), ok


def time_ns():
    import time
    return time.thread_time_ns()


def group(name):
    if name.startswith("codeless_1080p"):
        return "codeless 1920x1080"
    if name.startswith("codeless_720p"):
        return "codeless 1280x720"
    return "1920x1080 with one code"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="/tmp/tessera-qr-speed")
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--skip-write", action="store_true")
    args = ap.parse_args()
    env = dict(os.environ)
    env.setdefault("CARGO_TARGET_DIR", "/work/target-qr")
    if not args.skip_write:
        subprocess.run(EXAMPLE + ["frames", args.dir], check=True, env=env)
    frames = []
    with open(os.path.join(args.dir, "frames.tsv")) as f:
        for line in f:
            name, expected = line.rstrip("\n").split("\t")
            frames.append((name, [t for t in expected.split("|") if t]))
    # Interleave: zxing-cpp, then tessera-qr, then zxing-cpp again, so that a change in
    # machine load during the run shows up as disagreement between the two zxing runs.
    zx1 = {name: zxing_times(os.path.join(args.dir, name), exp, args.repeats)
           for name, exp in frames}
    out = subprocess.run(EXAMPLE + ["time", args.dir, str(args.repeats)], check=True, env=env,
                         capture_output=True, text=True).stdout
    ours = {}
    for line in out.splitlines():
        name, ms, read, scanner_ms = line.split("\t")
        ours[name] = (float(ms), read == "true", float(scanner_ms))
    zx2 = {name: zxing_times(os.path.join(args.dir, name), exp, args.repeats)
           for name, exp in frames}
    print("| frame | tessera-qr ms | read | Scanner ms | zxing-cpp ms | read | ratio | Scanner ratio |")
    print("|---|---|---|---|---|---|---|---|")
    groups = {}
    for name, _ in frames:
        z = min(zx1[name][0], zx2[name][0])
        t, t_ok, sc = ours[name]
        z_ok = zx1[name][1]
        g = groups.setdefault(group(name), ([], [], []))
        g[0].append(t)
        g[1].append(z)
        g[2].append(sc)
        print(f"| {name[:-4]} | {t:.1f} | {'yes' if t_ok else 'no'} | {sc:.1f} | {z:.1f} | "
              f"{'yes' if z_ok else 'no'} | {t / z:.2f} | {sc / z:.2f} |")
    print()
    print("| frames | tessera-qr median ms | Scanner median ms | zxing-cpp median ms | ratio "
          "| Scanner ratio |")
    print("|---|---|---|---|---|---|")
    for name, (t, z, sc) in groups.items():
        mt, mz, ms = statistics.median(t), statistics.median(z), statistics.median(sc)
        print(f"| {name} ({len(t)}) | {mt:.1f} | {ms:.1f} | {mz:.1f} | {mt / mz:.2f} "
              f"| {ms / mz:.2f} |")


if __name__ == "__main__":
    main()
