#!/usr/bin/env python3
"""Browser tests of the web verifier (crates/tessera-web, docs/web.md).

A real headless Chromium, driven by Selenium through /usr/bin/chromedriver, opens the site
built by scripts/web.sh and served by python3's http.server on 127.0.0.1. Its camera is a
Y4M video made by ffmpeg from a QR image: a fresh presentation from the wallet CLI
(the demo ID), the same code with one character changed, or no code at all.

    python3 tests/web/test_web.py            # installs chromium, chromedriver, ffmpeg and
                                              # selenium when missing; ends with
                                              # "N passed, N failed"

Checks (the DOM contract of docs/web.md):
- camera: VALID with exactly the disclosed items within 3 s; the same code again: replayed;
- a code with one changed character, and a video with no code: never valid;
- torch: hidden with the fake camera (no torch on its track) and harmless if pressed; shown
  and switching for a track that reports one;
- upload: a PNG of a code gives tessera-verify's verdict; no code or no image: a message;
- portrait: decoded by the module (JPEG or WebP) and shown as its PNG, at the portrait's own
  pixel size, at the fixed display size, smoothly upscaled, beside the names; a portrait that
  does not decode: valid, no image, a line saying it could not be shown;
- paste: the same verdict (reason and disclosed items) as tessera-verify --json;
- counter code: a code made for another counter is wrong_counter_code;
- revocation: the site rebuilt with a newer status list that revokes the demo credentials
  is fetched by the open page (revoked); the older list offered afterwards is refused;
- offline: after one visit, with the server stopped, the page reloads and verifies.
"""

import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
PIN = "482913"
VERDICT_TIMEOUT = 3.0


def log(msg):
    print(f"[web] {msg}", flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def ensure_system():
    missing = [p for p, f in (("chromium", "/usr/bin/chromium"), ("chromium-driver", "/usr/bin/chromedriver"), ("ffmpeg", "/usr/bin/ffmpeg")) if not os.path.exists(f)]
    if missing:
        log(f"installing {' '.join(missing)}")
        as_root = [] if os.geteuid() == 0 else ["sudo"]
        apt = [*as_root, "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]
        subprocess.run([*apt, "update", "-q"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*apt, "install", "-y", "-q", "--no-install-recommends", *missing], check=True, stdout=subprocess.DEVNULL)
    try:
        import selenium  # noqa: F401
    except ImportError:
        log("installing selenium")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--break-system-packages", "selenium"], check=True)


class World:
    """Binaries, a wallet with the demo ID, the site, the server and the browser."""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="tessera-web-test-")
        self.site = os.path.join(self.tmp, "site")
        self.wallet_dir = os.path.join(self.tmp, "wallet")
        self.cam = os.path.join(self.tmp, "cam.y4m")
        self.server = None
        self.driver = None
        self.port = None
        self.timings = {}

    # --- tools ---------------------------------------------------------------------------
    def build(self):
        log("building the wallet, tessera-verify and the QR helper")
        run(["cargo", "build", "-q", "-p", "tessera-wallet", "-p", "tessera-verifier", "--bins"], cwd=ROOT)
        run(["cargo", "build", "-q", "-p", "tessera-web", "--example", "qr_png", "--example", "portrait_code"], cwd=ROOT)
        self.wallet_bin = os.path.join(TARGET, "debug", "tessera-wallet")
        self.verify_bin = os.path.join(TARGET, "debug", "tessera-verify")
        self.qr_bin = os.path.join(TARGET, "debug", "examples", "qr_png")
        self.portrait_bin = os.path.join(TARGET, "debug", "examples", "portrait_code")
        log("building the site")
        self.build_site()
        env = dict(os.environ, TESSERA_PIN=PIN)
        run([self.wallet_bin, "--data-dir", self.wallet_dir, "add-demo"], env=env)

    def build_site(self, data=None):
        cmd = [os.path.join(ROOT, "scripts", "web.sh"), "build", "--out", self.site]
        if data:
            cmd += ["--data", data]
        out = run(cmd, cwd=ROOT)
        log(out.stdout.strip().splitlines()[-1])

    def present(self, preset="age18", counter=None, png=None, items=None):
        cmd = [self.wallet_bin, "--data-dir", self.wallet_dir, "present"]
        cmd += ["--items", items] if items else ["--preset", preset]
        if counter:
            cmd += ["--counter-code", counter]
        if png:
            cmd += ["--png", png]
        out = run(cmd, env=dict(os.environ, TESSERA_PIN=PIN)).stdout
        return next(line.strip() for line in out.splitlines() if line.strip().startswith("TS1:"))

    def tessera_verify(self, text, counter=None):
        cmd = [self.verify_bin, "--json", "--trust", os.path.join(ROOT, "assets/demo/trust-list.cbor"), "--root", os.path.join(ROOT, "assets/demo/root.pub")]
        if counter:
            cmd += ["--counter-code", counter]
        p = subprocess.run(cmd, input=text + "\n", text=True, capture_output=True)
        return json.loads(p.stdout.strip().splitlines()[-1])

    def video_of(self, text=None, png=None):
        """Makes the fake camera's video: a QR code of text (or png), or a blank frame."""
        if png is None:
            png = os.path.join(self.tmp, "frame.png")
            if text is None:
                run(["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i", "color=white:s=480x480", "-frames:v", "1", png])
            else:
                run([self.qr_bin, text, png])
        tmp = self.cam + ".tmp.y4m"
        run(["ffmpeg", "-y", "-loglevel", "error", "-loop", "1", "-i", png, "-vf", "scale=-2:480,pad=854:480:(ow-iw)/2:0:white,format=yuv420p", "-t", "3", "-r", "10", tmp])
        os.replace(tmp, self.cam)

    # --- server and browser --------------------------------------------------------------
    def start_server(self):
        if self.port is None:
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
            s.close()
        self.server = subprocess.Popen([sys.executable, "-m", "http.server", str(self.port), "--bind", "127.0.0.1", "--directory", self.site], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("http.server did not start")

    def stop_server(self):
        if self.server:
            self.server.terminate()
            self.server.wait(timeout=10)
            self.server = None

    def start_browser(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={self.cam}", f"--user-data-dir={os.path.join(self.tmp, 'profile')}", "--window-size=800,1000"):
            opts.add_argument(a)
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        self.driver.set_page_load_timeout(30)

    def url(self):
        return f"http://127.0.0.1:{self.port}/"

    def open(self):
        t0 = time.monotonic()
        self.driver.get(self.url())
        self.wait_ready()
        return time.monotonic() - t0

    def wait_ready(self, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            state = self.driver.execute_script("return document.body && document.body.dataset.ready")
            if state == "true":
                return
            if state == "error":
                raise AssertionError("page failed: " + self.driver.find_element("id", "data-status").text)
            time.sleep(0.05)
        raise AssertionError("page not ready in time")

    def verdict(self):
        return self.driver.execute_script(
            "const v = document.getElementById('verdict');"
            "const items = {};"
            "for (const e of document.querySelectorAll('[data-item]')) items[e.dataset.item] = e.textContent;"
            "return [v.dataset.verdict, v.dataset.reason, items];"
        )

    def reset_verdict(self):
        self.driver.execute_script("const v = document.getElementById('verdict'); v.dataset.verdict = 'none'; v.dataset.reason = '';")

    def scan(self, timeout=VERDICT_TIMEOUT):
        """Clicks the camera button; returns (seconds to a verdict or None, verdict)."""
        self.reset_verdict()
        t0 = time.monotonic()
        self.driver.find_element("id", "camera").click()
        end = t0 + timeout
        while time.monotonic() < end:
            v = self.verdict()
            if v[0] != "none":
                return time.monotonic() - t0, v
            time.sleep(0.02)
        # Stop the camera that found nothing.
        if self.driver.execute_script("return !document.getElementById('viewfinder').hidden"):
            self.driver.find_element("id", "camera").click()
        return None, self.verdict()

    def set_counter(self, counter):
        d = self.driver
        c = d.find_element("id", "counter")
        c.clear()
        if counter:
            c.send_keys(counter)
        d.execute_script("document.getElementById('counter').dispatchEvent(new Event('change'))")

    def paste(self, text, counter=""):
        d = self.driver
        self.set_counter(counter)
        box = d.find_element("id", "code")
        box.clear()
        d.execute_script("arguments[0].value = arguments[1]", box, text)
        self.reset_verdict()
        d.find_element("id", "check").click()
        end = time.monotonic() + 10
        while time.monotonic() < end:
            v = self.verdict()
            if v[0] != "none":
                return v
            time.sleep(0.02)
        raise AssertionError("no verdict after check")

    def upload(self, path, refused=False):
        """Gives the page an image file; returns (verdict, status line) once there is a
        verdict, or with `refused`, once the page said why the image gave none (the verdict
        shown before is left in place for the page to clear)."""
        d = self.driver
        d.execute_script("document.getElementById('camera-status').textContent = ''")
        if not refused:
            self.reset_verdict()
        d.find_element("id", "upload").send_keys(path)
        end = time.monotonic() + 10
        while time.monotonic() < end:
            v = self.verdict()
            status = d.find_element("id", "camera-status").text
            if (status if refused else v[0] != "none"):
                return v, status
            time.sleep(0.02)
        raise AssertionError(f"no verdict and no message after uploading {path}")

    def wait_camera_running(self, timeout=5):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.driver.execute_script("const v = document.getElementById('video'); return !document.getElementById('viewfinder').hidden && v.readyState >= 2 && !!v.srcObject"):
                return
            time.sleep(0.02)
        raise AssertionError("the camera did not start")

    def watch_errors(self):
        """Collects the page's uncaught errors and rejected promises from now on."""
        self.driver.execute_script(
            "window.__errors = [];"
            "window.addEventListener('error', (e) => window.__errors.push(String(e.message)));"
            "window.addEventListener('unhandledrejection', (e) => window.__errors.push(String(e.reason)));"
        )

    def errors(self):
        return self.driver.execute_script("return window.__errors || []")

    def close(self):
        if self.driver:
            self.driver.quit()
        self.stop_server()
        shutil.rmtree(self.tmp, ignore_errors=True)


def expect_same(page, cli):
    want = ("valid" if cli["verdict"] == "valid" else "invalid", cli["reason"] or "", sorted(cli["disclosed"]))
    got = (page[0], page[1], sorted(page[2]))
    assert got == want, f"page {got} != tessera-verify {want}"


def changed(text):
    """The text with one payload character changed (to another base45 character)."""
    i = len(text) // 2
    c = "A" if text[i] != "A" else "B"
    return text[:i] + c + text[i + 1 :]


def test_camera_valid_then_replayed(w):
    text = w.present("age18")
    w.video_of(text)
    cli = w.tessera_verify(text)
    took, v = w.scan()
    assert took is not None, f"no verdict within {VERDICT_TIMEOUT} s"
    w.timings["camera_to_verdict_s"] = round(took, 2)
    assert v[0] == "valid", v
    assert sorted(v[2]) == sorted(cli["disclosed"]), (v, cli["disclosed"])
    assert sorted(v[2]) == ["age_over_18"], v
    took, v = w.scan()
    assert took is not None and v[0] == "invalid" and v[1] == "replayed", v
    w.timings["wasm_frames"] = w.driver.execute_script("return window.tesseraScanStats")


def test_changed_character_never_valid(w):
    text = changed(w.present("delivery"))
    w.video_of(text)
    _, v = w.scan(timeout=4)
    assert v[0] != "valid", v
    assert v[2] == {}, v


def test_no_code_never_valid(w):
    w.video_of(None)
    before = w.driver.execute_script("return Object.assign({}, window.tesseraScanStats)")
    took, v = w.scan(timeout=3)
    assert took is None and v[0] == "none", v
    after = w.driver.execute_script("return window.tesseraScanStats")
    frames = after["frames"] - before["frames"]
    if frames:
        w.timings["no_code_frames"] = {"frames": frames, "mean_ms": round((after["ms"] - before["ms"]) / frames, 1)}


def test_torch_absent_with_fake_camera(w):
    # The fake camera's track has no torch: the button stays hidden, pressing it anyway
    # changes nothing, and the camera scan still works.
    w.video_of(None)
    w.watch_errors()
    d = w.driver
    d.find_element("id", "camera").click()
    w.wait_camera_running()
    caps = d.execute_script("return Object.keys(document.getElementById('video').srcObject.getVideoTracks()[0].getCapabilities())")
    assert "torch" not in caps, caps
    torch = d.find_element("id", "torch")
    assert not torch.is_displayed()
    d.execute_script("document.getElementById('torch').click()")
    time.sleep(0.3)
    assert not torch.is_displayed()
    running = d.execute_script("const s = document.getElementById('video').srcObject; return !!s && s.getVideoTracks()[0].readyState === 'live' && !document.getElementById('viewfinder').hidden")
    assert running, "the camera stopped after the torch button was pressed"
    assert w.errors() == [], w.errors()
    d.find_element("id", "camera").click()
    text = w.present("age18")
    w.video_of(text)
    took, v = w.scan()
    assert took is not None and v[0] == "valid", v
    assert not torch.is_displayed()
    assert w.errors() == [], w.errors()


def test_torch_shown_when_the_track_has_one(w):
    # A track that reports a torch (as phone rear cameras do; the fake camera cannot): the
    # button is shown while the camera runs, switches the torch on and off, and is hidden
    # when the camera stops.
    d = w.driver
    d.execute_script(
        "const p = MediaStreamTrack.prototype;"
        "window.__torch = []; window.__caps = p.getCapabilities; window.__apply = p.applyConstraints;"
        "p.getCapabilities = function () { return Object.assign({}, window.__caps.call(this), { torch: true }); };"
        "p.applyConstraints = function (c) { window.__torch.push(JSON.stringify(c)); return Promise.resolve(); };"
    )
    try:
        w.video_of(None)
        d.find_element("id", "camera").click()
        w.wait_camera_running()
        torch = d.find_element("id", "torch")
        assert torch.is_displayed()
        torch.click()
        torch.click()
        time.sleep(0.2)
        calls = d.execute_script("return window.__torch")
        assert calls == ['{"advanced":[{"torch":true}]}', '{"advanced":[{"torch":false}]}'], calls
        d.find_element("id", "camera").click()
        assert not torch.is_displayed()
    finally:
        d.execute_script("const p = MediaStreamTrack.prototype; p.getCapabilities = window.__caps; p.applyConstraints = window.__apply;")


def test_upload_same_as_tessera_verify(w):
    png = os.path.join(w.tmp, "upload.png")
    text = w.present("delivery", png=png)
    v, status = w.upload(png)
    expect_same(v, w.tessera_verify(text))
    assert v[0] == "valid" and sorted(v[2]) == ["family_name", "given_name"], (v, status)
    # The same image again: replayed, as tessera-verify would say the second time.
    v, _ = w.upload(png)
    assert v[0] == "invalid" and v[1] == "replayed", v
    # An image without a code, and a file that is no image: no verdict, a clear message.
    blank = os.path.join(w.tmp, "blank.png")
    run(["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i", "color=white:s=320x240", "-frames:v", "1", blank])
    v, status = w.upload(blank, refused=True)
    # The replayed verdict above is cleared: it is not this image's.
    assert v[0] == "none" and v[2] == {}, v
    assert status.startswith("No code found in the image") and "no readable qr code" in status, status
    notes = os.path.join(w.tmp, "notes.png")
    with open(notes, "w") as f:
        f.write("not an image\n")
    v, status = w.upload(notes, refused=True)
    assert v[0] == "none" and "not a png or jpeg" in status, (v, status)


def check_portrait(w, text):
    """Pastes a code that discloses the names and the portrait; checks the portrait is shown
    decoded, at the fixed size, smoothly, beside the names. Returns what was shown."""
    cli = w.tessera_verify(text)
    v = w.paste(text)
    expect_same(v, cli)
    assert v[0] == "valid" and sorted(v[2]) == ["family_name", "given_name", "portrait"], v
    d = w.driver
    end = time.monotonic() + 5
    while not d.execute_script("const i = document.querySelector('img[data-item=portrait]'); return !!i && i.complete && i.naturalWidth > 0"):
        assert time.monotonic() < end, "the portrait was not decoded"
        time.sleep(0.05)
    img = d.execute_script(
        "const i = document.querySelector('img[data-item=portrait]');"
        "const r = i.getBoundingClientRect();"
        "const n = document.querySelector('[data-item=family_name]').getBoundingClientRect();"
        "return { src: i.src.slice(0, 23), natural: [i.naturalWidth, i.naturalHeight], shown: [r.width, r.height],"
        " rendering: getComputedStyle(i).imageRendering, right: r.right, left_names: n.left, top: r.top, bottom: r.bottom, names_top: n.top };"
    )
    signed = base64.b64decode(cli["disclosed"]["portrait"])
    kind = "webp" if signed[:4] == b"RIFF" and signed[8:12] == b"WEBP" else "jpeg"
    # A PNG the WebAssembly module wrote from the pixels it decoded, not the signed bytes.
    assert img["src"].startswith("data:image/png;base64"), img
    if kind == "webp":
        # At the QR portrait's own size (the frame header's 14-bit width and height).
        size = [int.from_bytes(signed[26:28], "little") & 0x3FFF, int.from_bytes(signed[28:30], "little") & 0x3FFF]
        assert img["natural"] == size, (img, size)
    # Fixed display size whatever the image's own size, upscaled smoothly.
    assert img["shown"] == [144, 192], img
    assert img["rendering"] == "auto", img
    # Beside the names: to their left, level with them.
    assert img["right"] <= img["left_names"], img
    assert img["top"] <= img["names_top"] < img["bottom"], img
    return {"type": kind, "bytes": len(base64.b64decode(cli["disclosed"]["portrait"])), "natural": img["natural"]}


def test_portrait_beside_the_names(w):
    # The wallet's demo ID (its portrait: a legacy JPEG or the WebP QR portrait, whichever
    # the demo issuer puts in), then the WebP QR portrait of assets/demo in a code the demo
    # issuer signs for this test.
    w.timings["portrait"] = [check_portrait(w, w.present(items="family_name,given_name,portrait"))]
    webp = run([w.portrait_bin, os.path.join(ROOT, "assets", "demo", "portrait.webp")]).stdout.strip()
    shown = check_portrait(w, webp)
    assert shown["type"] == "webp", shown
    w.timings["portrait"].append(shown)
    d = w.driver
    # The next verdict without a portrait removes it.
    w.paste(w.present("delivery"))
    assert d.execute_script("return document.querySelector('img[data-item=portrait]') === null")
    assert not d.find_element("id", "portrait-box").is_displayed()


def test_portrait_that_does_not_decode(w):
    # A QR portrait cut short, its RIFF and VP8 sizes made to match: within the format's rules,
    # so the code is valid (it was signed), but the module's decoder cannot read it.
    with open(os.path.join(ROOT, "assets", "demo", "portrait.webp"), "rb") as f:
        whole = f.read()
    frame = whole[20:60]
    cut = b"RIFF" + (4 + 8 + len(frame)).to_bytes(4, "little") + b"WEBPVP8 " + len(frame).to_bytes(4, "little") + frame
    path = os.path.join(w.tmp, "cut.webp")
    with open(path, "wb") as f:
        f.write(cut)
    text = run([w.portrait_bin, path]).stdout.strip()
    cli = w.tessera_verify(text)
    v = w.paste(text)
    expect_same(v, cli)
    assert v[0] == "valid" and sorted(v[2]) == ["family_name", "given_name", "portrait"], v
    d = w.driver
    # No image; a line in the items saying the portrait could not be shown.
    assert d.execute_script("return document.querySelector('img[data-item=portrait]') === null")
    assert not d.find_element("id", "portrait-box").is_displayed()
    line = d.find_element("css selector", "#items [data-item=portrait]")
    assert line.is_displayed() and "could not be shown" in line.text, line.text


def test_paste_same_as_tessera_verify(w):
    text = w.present("checkin")
    expect_same(w.paste(text), w.tessera_verify(text))
    bad = changed(w.present("checkin"))
    expect_same(w.paste(bad), w.tessera_verify(bad))
    expect_same(w.paste(text.lower() + "\n"), {"verdict": "invalid", "reason": "replayed", "disclosed": {}})


def test_counter_code_mismatch(w):
    text = w.present("age18", counter="X9")
    v = w.paste(text, counter="K7")
    assert v[0] == "invalid" and v[1] == "wrong_counter_code", v
    expect_same(v, w.tessera_verify(text, counter="K7"))
    ok = w.present("age18", counter="K7")
    v = w.paste(ok, counter="k-7")
    assert v[0] == "valid", v
    w.set_counter("")


def test_revocation_fetched_and_older_refused(w):
    status = os.path.join(w.tmp, "published")
    os.makedirs(os.path.join(status, "status"), exist_ok=True)
    shutil.copy(os.path.join(ROOT, "assets/demo/trust-list.cbor"), status)
    run(["cargo", "run", "-q", "-p", "tessera-web", "--example", "demo_status", "--", "--revoke-all", "--out", os.path.join(status, "status", "0.cbor")], cwd=ROOT)
    w.build_site(data=status)
    text = w.present("age18")
    v = w.paste(text)
    assert v[0] == "invalid" and v[1] == "revoked", v
    # The older list (all valid) is offered again: refused, still revoked.
    w.build_site()
    v = w.paste(w.present("age18"))
    assert v[0] == "invalid" and v[1] == "revoked", v
    refused = w.driver.find_element("id", "data-status").text
    assert "status list" in refused and "before the installed list" in refused, refused


def test_offline_reload(w):
    text = w.present("delivery")
    w.stop_server()
    t0 = time.monotonic()
    w.driver.refresh()
    w.wait_ready()
    w.timings["offline_reload_s"] = round(time.monotonic() - t0, 2)
    v = w.paste(text)
    assert v[0] == "valid" and sorted(v[2]) == ["family_name", "given_name"], v
    w.start_server()


TESTS = [
    test_camera_valid_then_replayed,
    test_changed_character_never_valid,
    test_no_code_never_valid,
    test_torch_absent_with_fake_camera,
    test_torch_shown_when_the_track_has_one,
    test_upload_same_as_tessera_verify,
    test_portrait_beside_the_names,
    test_portrait_that_does_not_decode,
    test_paste_same_as_tessera_verify,
    test_counter_code_mismatch,
    test_offline_reload,
    test_revocation_fetched_and_older_refused,
]


def main():
    only = sys.argv[1:]
    ensure_system()
    w = World()
    passed = failed = 0
    t_build = time.monotonic()
    try:
        w.build()
        t_tests = time.monotonic()
        w.timings["build_s"] = round(t_tests - t_build, 1)
        w.video_of(None)
        w.start_server()
        w.start_browser()
        w.timings["first_load_s"] = round(w.open(), 2)
        # A second load, from the service worker's cache.
        w.timings["warm_load_s"] = round(w.open(), 2)
        for test in TESTS:
            if only and test.__name__ not in only:
                continue
            t0 = time.monotonic()
            try:
                test(w)
                passed += 1
                log(f"ok   {test.__name__} ({time.monotonic() - t0:.1f} s)")
            except Exception:
                failed += 1
                log(f"FAIL {test.__name__}")
                traceback.print_exc()
        w.timings["tests_s"] = round(time.monotonic() - t_tests, 1)
        log("timings: " + json.dumps(w.timings))
    finally:
        w.close()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
