#!/usr/bin/env python3
"""The decoder comparison of docs/web.md: tessera-qr in WebAssembly against zxing-wasm and
jsQR from npm, on the same frames in the same headless Chromium.

    python3 tests/web/compare_decoders.py [--out RESULT.json]

Builds what tests/web/test_web.py builds (the wallet, the QR helper, the site with
scripts/web.sh: the release profile unless TESSERA_WEB_PROFILE says otherwise), installs
jsqr and zxing-wasm at the versions below into target/web-bench with npm, makes the
frames with ffmpeg from a fresh wallet presentation's QR code (854x480, the camera test's
size), and runs tests/web/bench/bench.js on them. The frames:

- approach: 30 frames of a phone coming closer, the code from 20% to 90% of the frame's
  height while the blur falls from sigma 3 to 0, light noise on all (time to first read);
- still: 11 frames at 70% height: clean, rotated 10/30/45 degrees, low contrast, dark,
  strong noise, blur sigma 2 and 3, small (about 2 pixels a module), keystone.

Prints one line per decoder and writes the whole result as JSON.
"""

import json
import os
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ beside the tests
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_web as tw  # noqa: E402

JSQR = "1.4.0"
ZXING_WASM = "3.1.4"
BENCH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench")
W, H = 854, 480


def npm_packages():
    """jsqr and zxing-wasm, installed once into target/web-bench."""
    root = os.path.join(tw.TARGET, "web-bench")
    marker = os.path.join(root, f"installed-jsqr-{JSQR}-zxing-wasm-{ZXING_WASM}")
    if not os.path.exists(marker):
        tw.log(f"installing jsqr {JSQR} and zxing-wasm {ZXING_WASM} with npm")
        os.makedirs(root, exist_ok=True)
        tw.run(["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", root, f"jsqr@{JSQR}", f"zxing-wasm@{ZXING_WASM}"])
        open(marker, "w").close()
    return os.path.join(root, "node_modules")


def frame(src, out, height, pre="", post=""):
    chain = [f"scale=-2:{height}:flags=area"]
    if pre:
        chain.append(pre)
    chain.append(f"pad={W}:{H}:(ow-iw)/2:(oh-ih)/2:white")
    if post:
        chain.append(post)
    chain.append("format=rgb24")
    tw.run(["ffmpeg", "-y", "-loglevel", "error", "-i", src, "-vf", ",".join(chain), "-frames:v", "1", out])


def make_frames(qr_png, folder, text):
    os.makedirs(folder, exist_ok=True)
    frames = []
    n = 30
    for i in range(n):
        t = i / (n - 1)
        height = int(H * (0.2 + 0.7 * t)) // 2 * 2
        sigma = 3.0 * (1 - t)
        post = (f"gblur=sigma={sigma:.2f}," if sigma > 0.05 else "") + "noise=alls=10:allf=u"
        name = f"approach-{i:02}.png"
        frame(qr_png, os.path.join(folder, name), height, post=post)
        frames.append({"name": name, "group": "approach"})
    still = int(H * 0.7) // 2 * 2
    rot = "rotate={a}*PI/180:c=white:ow=rotw({a}*PI/180):oh=roth({a}*PI/180)"
    stills = [
        ("clean", still, "", ""),
        ("rotated-10", still, rot.format(a=10), ""),
        ("rotated-30", still, rot.format(a=30), ""),
        ("rotated-45", still, rot.format(a=45), ""),
        ("low-contrast", still, "", "eq=contrast=0.25"),
        ("dark", still, "", "eq=brightness=-0.35:contrast=0.5"),
        ("noise-40", still, "", "noise=alls=40:allf=u"),
        ("blur-2", still, "", "gblur=sigma=2"),
        ("blur-3", still, "", "gblur=sigma=3"),
        ("small", 170, "", ""),
        ("keystone", still, "", f"perspective=x0=60:y0=0:x1={W - 60}:y1=50:x2=0:y2={H}:x3={W}:y3={H - 50}:sense=destination"),
    ]
    for name, height, pre, post in stills:
        frame(qr_png, os.path.join(folder, name + ".png"), height, pre=pre, post=post)
        frames.append({"name": name + ".png", "group": "still"})
    with open(os.path.join(folder, "index.json"), "w") as f:
        json.dump({"text": text, "frames": frames}, f)
    return frames


def main():
    out_json = os.path.join(tw.TARGET, "web-bench", "result.json")
    args = sys.argv[1:]
    if args[:1] == ["--out"] and len(args) == 2:
        out_json = args[1]
    elif args:
        print("usage: compare_decoders.py [--out RESULT.json]", file=sys.stderr)
        return 2
    tw.ensure_system()
    modules = npm_packages()
    w = tw.World()
    try:
        w.build()
        text = w.present("checkin")
        qr_png = os.path.join(w.tmp, "qr.png")
        tw.run([w.qr_bin, text, qr_png])
        frames = make_frames(qr_png, os.path.join(w.site, "frames"), text)
        for f in ("bench.html", "bench.js"):
            shutil.copy(os.path.join(BENCH, f), w.site)
        shutil.copy(os.path.join(modules, "jsqr", "dist", "jsQR.js"), w.site)
        zx = os.path.join(modules, "zxing-wasm", "dist")
        os.makedirs(os.path.join(w.site, "zxing", "es", "reader"), exist_ok=True)
        os.makedirs(os.path.join(w.site, "zxing", "reader"), exist_ok=True)
        shutil.copy(os.path.join(zx, "es", "reader", "index.js"), os.path.join(w.site, "zxing", "es", "reader"))
        shutil.copy(os.path.join(zx, "es", "share.js"), os.path.join(w.site, "zxing", "es"))
        shutil.copy(os.path.join(zx, "reader", "zxing_reader.wasm"), os.path.join(w.site, "zxing", "reader"))
        tw.log(f"{len(frames)} frames of a {len(text)}-character code; running the decoders")
        w.start_server()
        w.start_browser()
        w.driver.get(w.url() + "bench.html")
        end = time.monotonic() + 900
        while True:
            state = w.driver.execute_script("return document.body.dataset.state")
            if state != "loading":
                break
            if time.monotonic() > end:
                raise RuntimeError("the comparison did not finish in 15 minutes")
            time.sleep(0.5)
        result = w.driver.execute_script("return window.benchResult")
        if state != "done":
            raise RuntimeError(f"the comparison failed in the page: {result.get('error')}")
        result["text_chars"] = len(text)
        result["versions"] = {"jsqr": JSQR, "zxing-wasm": ZXING_WASM}
        os.makedirs(os.path.dirname(os.path.abspath(out_json)), exist_ok=True)
        with open(out_json, "w") as f:
            json.dump(result, f, indent=2)
        for r in result["results"]:
            first = "never" if r["first_read_frame"] is None else f"frame {r['first_read_frame']}, {r['time_to_first_read_ms']} ms"
            print(
                f"{r['decoder']:32} {r['approach_mean_ms']:7.1f} ms/frame ({r['fps']:5.1f} fps)  "
                f"approach {r['approach_reads']:2}/{r['approach_frames']}  first read: {first:18}  "
                f"stills {r['still_reads']:2}/{r['still_frames']}  wrong {r['wrong_reads']}"
            )
        print(f"result: {out_json}")
    finally:
        w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
