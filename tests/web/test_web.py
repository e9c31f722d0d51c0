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
- paste: the same verdict (reason and disclosed items) as tessera-verify --json;
- counter code: a code made for another counter is wrong_counter_code;
- revocation: the site rebuilt with a newer status list that revokes the demo credentials
  is fetched by the open page (revoked); the older list offered afterwards is refused;
- offline: after one visit, with the server stopped, the page reloads and verifies.
"""

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
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-q", *missing], check=True, env=env, stdout=subprocess.DEVNULL)
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
        run(["cargo", "build", "-q", "-p", "tessera-web", "--example", "qr_png"], cwd=ROOT)
        self.wallet_bin = os.path.join(TARGET, "debug", "tessera-wallet")
        self.verify_bin = os.path.join(TARGET, "debug", "tessera-verify")
        self.qr_bin = os.path.join(TARGET, "debug", "examples", "qr_png")
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

    def present(self, preset="age18", counter=None, png=None):
        cmd = [self.wallet_bin, "--data-dir", self.wallet_dir, "present", "--preset", preset]
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
    try:
        w.build()
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
        log("timings: " + json.dumps(w.timings))
    finally:
        w.close()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
