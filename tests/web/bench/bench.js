// The decoder comparison of docs/web.md: tessera-qr in WebAssembly (the page's camera
// scanner and its one-shot decoder) against zxing-wasm and jsQR, on the same frames in the
// same browser. Run by tests/web/compare_decoders.py, which writes frames/index.json
// ([{name, group}], group "approach" or "still") and the frames, and reads window.benchResult.
import init, { FrameScanner, decodeRgba } from "./pkg/tessera_web.js";
import { prepareZXingModule, readBarcodes } from "./zxing/es/reader/index.js";

const ROUNDS = 3;
const HOLD = 8; // frames the camera scanner gets of a still (a code held in view)

async function loadFrame(name) {
  const img = new Image();
  img.src = `frames/${name}`;
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(img, 0, 0);
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}

const bytes = (f) => new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength);

// One-shot decoders: a frame in, the texts read out.
const ONE_SHOT = {
  "tessera-qr one-shot": async (f) => JSON.parse(decodeRgba(bytes(f), f.width, f.height)),
  "zxing-wasm": async (f) => (await readBarcodes(f, { formats: ["QRCode"] })).filter((r) => r.isValid).map((r) => r.text),
  jsQR: async (f) => {
    const r = window.jsQR(f.data, f.width, f.height);
    return r ? [r.data] : [];
  },
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function timed(fn) {
  const t0 = performance.now();
  const texts = await fn();
  return [performance.now() - t0, texts];
}

// Per-frame result of one decoder: the median time and what it read (first round).
function summary(name, frames, perFrame, expected) {
  const approach = frames.map((f, i) => [f, perFrame[i]]).filter(([f]) => f.group === "approach");
  const stills = frames.map((f, i) => [f, perFrame[i]]).filter(([f]) => f.group === "still");
  const ok = (r) => r.texts.includes(expected);
  const wrong = perFrame.filter((r) => r.texts.some((t) => t !== expected)).length;
  let firstRead = null;
  let untilRead = 0;
  for (let i = 0; i < approach.length; i++) {
    untilRead += approach[i][1].ms;
    if (ok(approach[i][1])) {
      firstRead = i;
      break;
    }
  }
  const approachMs = approach.map(([, r]) => r.ms);
  const mean = approachMs.reduce((a, b) => a + b, 0) / approachMs.length;
  return {
    decoder: name,
    median_ms: +median(perFrame.map((r) => r.ms)).toFixed(1),
    approach_mean_ms: +mean.toFixed(1),
    fps: +(1000 / mean).toFixed(1),
    approach_reads: approach.filter(([, r]) => ok(r)).length,
    approach_frames: approach.length,
    first_read_frame: firstRead,
    time_to_first_read_ms: firstRead === null ? null : +untilRead.toFixed(0),
    still_reads: stills.filter(([, r]) => ok(r)).length,
    still_frames: stills.length,
    stills_read: stills.filter(([, r]) => ok(r)).map(([f]) => f.name),
    wrong_reads: wrong,
  };
}

async function run() {
  await init();
  prepareZXingModule({
    overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? `zxing/reader/${path}` : prefix + path) },
  });
  const index = await (await fetch("frames/index.json")).json();
  const expected = index.text;
  const frames = index.frames;
  const images = [];
  for (const f of frames) images.push(await loadFrame(f.name));
  const results = [];
  for (const [name, fn] of Object.entries(ONE_SHOT)) {
    await fn(images[0]); // warm-up: module instantiation and first-call costs
    const times = images.map(() => []);
    const texts = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < images.length; i++) {
        const [ms, t] = await timed(() => fn(images[i]));
        times[i].push(ms);
        if (round === 0) texts.push(t);
      }
    }
    results.push(summary(name, frames, times.map((ts, i) => ({ ms: median(ts), texts: texts[i] })), expected));
  }
  // The page's camera path: one FrameScanner over the approach in order (its state carries
  // from frame to frame), and a fresh one per still given the still HOLD times.
  {
    const perFrame = [];
    let scanner = new FrameScanner();
    scanner.pushRgba(bytes(images[0]), images[0].width, images[0].height);
    scanner = new FrameScanner();
    for (let i = 0; i < images.length; i++) {
      if (frames[i].group === "approach") {
        const [ms, t] = await timed(async () => JSON.parse(scanner.pushRgba(bytes(images[i]), images[i].width, images[i].height)));
        perFrame.push({ ms, texts: t });
      } else {
        const still = new FrameScanner();
        let total = 0;
        let read = [];
        for (let k = 0; k < HOLD && read.length === 0; k++) {
          const [ms, t] = await timed(async () => JSON.parse(still.pushRgba(bytes(images[i]), images[i].width, images[i].height)));
          total += ms;
          read = t;
        }
        perFrame.push({ ms: total, texts: read });
      }
    }
    const s = summary("tessera-qr Scanner (the page)", frames, perFrame, expected);
    s.note = `stills: up to ${HOLD} frames of the same still; median_ms over stills is the time to read or give up`;
    results.unshift(s);
  }
  return { user_agent: navigator.userAgent, frames: frames.length, rounds: ROUNDS, results };
}

run()
  .then((r) => {
    window.benchResult = r;
    document.getElementById("out").textContent = JSON.stringify(r, null, 2);
    document.body.dataset.state = "done";
  })
  .catch((e) => {
    window.benchResult = { error: String(e && e.stack ? e.stack : e) };
    document.body.dataset.state = "error";
  });
