#!/usr/bin/env python3
"""WebP against AVIF and JPEG at equal bytes, for the QR portrait (docs/portrait.md).

Usage: cargo run -p tessera-issuer --example portrait_sizes -- OUT
       python3 scripts/portrait_formats.py OUT

For each `ref-FACE-WxH.png` (the issuer's resized reference) and the issuer's QR portrait
`qr-FACE-WxH-500.webp` in OUT, encodes the reference with Pillow as AVIF (libavif, speed 0)
and as JPEG (libjpeg-turbo, optimised Huffman tables, 4:2:0), each at the highest quality
whose file is no larger than the WebP, and prints PSNR (RGB) and SSIM (luma, 7x7 windows,
as the Rust example computes it) of all three against the reference. Needs Pillow with AVIF
(Pillow 11.3 or later wheels).
"""
import io
import math
import os
import sys

from PIL import Image, features


def psnr(a, b):
    pa, pb = a.tobytes(), b.tobytes()
    se = sum((x - y) ** 2 for x, y in zip(pa, pb))
    return 99.0 if se == 0 else 10 * math.log10(255 ** 2 / (se / len(pa)))


def luma(img):
    pixels = img.get_flattened_data() if hasattr(img, "get_flattened_data") else img.getdata()
    return [0.299 * r + 0.587 * g + 0.114 * b for r, g, b in pixels]


def ssim(a, b, k=7):
    x, y = luma(a), luma(b)
    w, h = a.size
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    total, count, n = 0.0, 0, k * k
    for top in range(h - k + 1):
        for left in range(w - k + 1):
            idx = [r * w + c for r in range(top, top + k) for c in range(left, left + k)]
            mx = sum(x[i] for i in idx) / n
            my = sum(y[i] for i in idx) / n
            vx = sum((x[i] - mx) ** 2 for i in idx) / (n - 1)
            vy = sum((y[i] - my) ** 2 for i in idx) / (n - 1)
            cov = sum((x[i] - mx) * (y[i] - my) for i in idx) / (n - 1)
            total += ((2 * mx * my + c1) * (2 * cov + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
            count += 1
    return total / count


def best_under(ref, budget, fmt, **opts):
    """The highest quality (0-100) whose encoding is at most `budget` bytes: (q, bytes)."""
    best = None
    lo, hi = 0, 100
    while lo <= hi:
        q = (lo + hi) // 2
        buf = io.BytesIO()
        ref.save(buf, fmt, quality=q, **opts)
        data = buf.getvalue()
        if len(data) <= budget:
            best, lo = (q, data), q + 1
        else:
            hi = q - 1
    return best


def row(name, data, ref, q=""):
    if data is None:
        return f"| {name} | does not fit | | | |"
    img = Image.open(io.BytesIO(data)).convert("RGB")
    return f"| {name} | {len(data)} B | {q} | {psnr(ref, img):.1f} dB | {ssim(ref, img):.3f} |"


def main(out):
    if not features.check("avif"):
        sys.exit("this Pillow has no AVIF support")
    print(f"Pillow {Image.__version__}, libwebp {features.version('webp')}, "
          f"libavif {features.version('avif')}, libjpeg-turbo {features.version('libjpeg_turbo')}")
    for f in sorted(os.listdir(out)):
        if not (f.startswith("ref-") and f.endswith(".png")):
            continue
        stem = f[4:-4]
        webp_path = os.path.join(out, f"qr-{stem}-500.webp")
        if not os.path.exists(webp_path):
            continue
        ref = Image.open(os.path.join(out, f)).convert("RGB")
        webp = open(webp_path, "rb").read()
        budget = len(webp)
        print(f"\n{stem}, budget {budget} bytes (the issuer's WebP)")
        print("| format | bytes | quality | PSNR | SSIM |\n|---|---|---|---|---|")
        print(row("WebP (issuer, libwebp)", webp, ref))
        avif = best_under(ref, budget, "AVIF", speed=0)
        print(row("AVIF (libavif)", avif and avif[1], ref, avif and avif[0]))
        jpeg = best_under(ref, budget, "JPEG", optimize=True)
        print(row("JPEG (libjpeg-turbo)", jpeg and jpeg[1], ref, jpeg and jpeg[0]))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/portrait")
