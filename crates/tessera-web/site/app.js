// Tessera Verify in the browser: the page around the WebAssembly verifier (tessera-web).
// Every verification rule runs in the WebAssembly module; this file moves bytes between the
// network, the browser's storage, the camera and the page, and writes text with
// textContent only.
import init, { Web, decodeImage } from "./pkg/tessera_web.js";

const KEY = {
  trust: "tessera.trust",
  status: "tessera.status",
  replay: "tessera.replay",
  history: "tessera.history",
  lang: "tessera.lang",
  counter: "tessera.counter",
};
const HISTORY_MAX = 20;
const REFRESH_MS = 60_000;
const FETCH_TIMEOUT_MS = 2_000;

const T = {
  en: {
    title: "Tessera Verify", language: "Language", scan: "Scan",
    start_camera: "Scan with camera", stop_camera: "Stop camera", torch: "Torch",
    counter_code: "Counter code",
    counter_none: "No counter code: codes made for a counter are refused.",
    counter_active: "Codes must be made for counter code {code}.",
    counter_invalid: "Not a counter code: use 1 to 16 letters or digits. The previous one is kept.",
    paste: "Paste or type a TS1: code", check: "Check", upload: "Image of a code",
    no_verdict: "No code checked yet", valid: "VALID", invalid: "NOT VALID",
    disclosed: "Shown by the holder", nothing_else: "Nothing else was shared.",
    detail: "Technical detail", trust_data: "Trust data", history: "Recent checks",
    history_note: "Only the time, the verdict and the reason are kept on this device.",
    clear_history: "Clear history", purpose: "Purpose", issuer: "Issuer",
    trust_age: "Trust list age", status_age: "Revocation data age", not_checked: "not checked",
    loading: "Loading…", camera_on: "Hold the code inside the frame.",
    camera_denied: "The camera cannot be used: {e}",
    camera_insecure: "The camera needs HTTPS (or localhost).",
    no_code: "No code found in the image: {e}",
    trust_line: "Trust list {seq}, {age} old{stale}.",
    status_line: "Status list {issuer}/{list}, {age} old{stale}.",
    no_status: "No status list: revocation is not checked.",
    stale: " (out of date: connect to update)",
    refused: "Refused update: {what}: {detail}",
    offline: "Offline: using the copies kept on this device.",
    setup_failed: "The verifier could not start: {e}",
    yes: "yes", no: "no", portrait_not_shown: "The portrait could not be shown: its image does not decode.",
    items: {
      family_name: "Family name", given_name: "Given name",
      family_name_latin: "Family name (Latin)", given_name_latin: "Given name (Latin)",
      sex: "Sex", ethnicity: "Ethnicity", birth_date: "Birth date", address: "Address",
      id_number: "ID number", issuing_authority: "Issuing authority", portrait: "Portrait",
      age_over_16: "Age 16 or over", age_over_18: "Age 18 or over", age_over_60: "Age 60 or over",
    },
    purposes: { custom: "Items chosen by the holder", age18: "Age check", delivery: "Delivery", checkin: "Check-in", full: "Full ID" },
    reasons: {},
  },
  zh: {
    title: "Tessera 核验", language: "语言", scan: "扫描",
    start_camera: "用摄像头扫描", stop_camera: "关闭摄像头", torch: "手电筒",
    counter_code: "柜台代码",
    counter_none: "未设柜台代码：为柜台生成的码将被拒绝。",
    counter_active: "码必须是为柜台代码 {code} 生成的。",
    counter_invalid: "不是柜台代码：请用 1 到 16 个字母或数字。保留原代码。",
    paste: "粘贴或输入 TS1: 码", check: "核验", upload: "二维码图像",
    no_verdict: "尚未核验任何码", valid: "有效", invalid: "无效",
    disclosed: "持证人出示的信息", nothing_else: "未出示其他信息。",
    detail: "技术细节", trust_data: "信任数据", history: "最近核验",
    history_note: "本设备只保存时间、结果和原因。",
    clear_history: "清除记录", purpose: "用途", issuer: "签发方",
    trust_age: "信任列表时长", status_age: "吊销数据时长", not_checked: "未检查",
    loading: "正在加载……", camera_on: "请将二维码置于框内。",
    camera_denied: "无法使用摄像头：{e}",
    camera_insecure: "摄像头需要 HTTPS（或 localhost）。",
    no_code: "图像中未找到二维码：{e}",
    trust_line: "信任列表 {seq}，已 {age}{stale}。",
    status_line: "状态列表 {issuer}/{list}，已 {age}{stale}。",
    no_status: "没有状态列表：未检查吊销。",
    stale: "（已过期：请联网更新）",
    refused: "拒绝的更新：{what}：{detail}",
    offline: "离线：使用本设备保存的副本。",
    setup_failed: "核验程序无法启动：{e}",
    yes: "是", no: "否", portrait_not_shown: "无法显示照片：其图像无法解码。",
    items: {
      family_name: "姓", given_name: "名",
      family_name_latin: "姓（拼音）", given_name_latin: "名（拼音）",
      sex: "性别", ethnicity: "民族", birth_date: "出生日期", address: "住址",
      id_number: "证件号码", issuing_authority: "签发机关", portrait: "照片",
      age_over_16: "已满 16 岁", age_over_18: "已满 18 岁", age_over_60: "已满 60 岁",
    },
    purposes: { custom: "持证人自选信息", age18: "年龄核验", delivery: "快递", checkin: "入住登记", full: "完整证件" },
    reasons: {
      malformed: "这不是可读取的 Tessera 证件码",
      unknown_issuer: "证件的签发机关不受本设备信任",
      bad_issuer_signature: "证件数据与签发方的签名不符（被篡改或伪造）",
      bad_holder_signature: "此码不是由证件所属的手机生成的",
      wrong_counter_code: "此码是为其他柜台代码生成的",
      issuer_key_not_valid: "签发方的密钥对此证件无效",
      not_yet_valid: "证件尚未生效",
      expired: "证件已过期",
      revoked: "证件已被签发方吊销",
      suspended: "证件已被签发方暂停使用",
      too_old: "此码已过期：请对方出示新码",
      from_future: "此码的时间超前于本设备的时钟",
      replayed: "此码已被使用过：请对方出示新码",
      trust_data_stale: "本设备的信任数据过旧：请更新",
      clock_wrong: "本设备的时钟有误：请设置日期和时间",
    },
  },
};

const $ = (id) => document.getElementById(id);
let lang = localStorage.getItem(KEY.lang) === "zh" ? "zh" : (navigator.language || "").startsWith("zh") && !localStorage.getItem(KEY.lang) ? "zh" : "en";
let web = null;
let scanStats = { frames: 0, ms: 0, max: 0 };
window.tesseraScanStats = scanStats;
let lastVerdict = null;
let refusedUpdates = [];
let offline = false;

function t(key, vars = {}) {
  const s = T[lang][key] ?? T.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ""));
}
const nowUnix = () => Date.now() / 1000;

function ageText(secs) {
  if (secs < 60) return `${secs} s`;
  if (secs < 3600) return `${Math.floor(secs / 60)} min`;
  if (secs < 86400) return `${Math.floor(secs / 3600)} h ${Math.floor((secs % 3600) / 60)} min`;
  return `${Math.floor(secs / 86400)} d ${Math.floor((secs % 86400) / 3600)} h`;
}

// --- bytes in storage -------------------------------------------------------------------
function b64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
function unb64(text) {
  if (!text) return null;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}
function store(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Storage full or disabled: the page still works, without memory across reloads.
  }
}
function saveData() {
  store(KEY.trust, b64(web.trustBytes()));
  const lists = [];
  for (let i = 0; i < web.statusCount(); i++) lists.push(b64(web.statusBytes(i)));
  store(KEY.status, JSON.stringify(lists));
}
function saveReplay() {
  store(KEY.replay, b64(web.replayBytes()));
}

// --- trust data from the site -------------------------------------------------------------
async function fetchBytes(path) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), FETCH_TIMEOUT_MS);
  try {
    const r = await fetch(path, { cache: "no-store", signal: ctl.signal });
    if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  } finally {
    clearTimeout(timer);
  }
}

function noteOutcome(json) {
  const o = JSON.parse(json);
  if (o.outcome === "refused") refusedUpdates.push(t("refused", { what: o.what ?? "?", detail: o.detail }));
  return o;
}

// Fetches the site's trust list and status lists and offers them to the verifier, which
// keeps them only when they check out and are newer. Offline, the copies already held stay.
async function refreshData() {
  if (!web) return;
  refusedUpdates = [];
  try {
    noteOutcome(web.offerTrust(await fetchBytes("trust/trust-list.cbor")));
    const index = JSON.parse(new TextDecoder().decode(await fetchBytes("trust/status/index.json")));
    for (const name of index) {
      if (typeof name !== "string" || !/^[A-Za-z0-9._~-]+\.cbor$/.test(name)) continue;
      try {
        noteOutcome(web.offerStatus(await fetchBytes(`trust/status/${name}`)));
      } catch {
        // One missing file keeps the copy held.
      }
    }
    offline = false;
  } catch {
    offline = true;
  }
  saveData();
  showData();
}

async function start() {
  await init();
  const rootText = new TextDecoder().decode(await fetchBytes("trust/root.pub"));
  const replay = unb64(localStorage.getItem(KEY.replay)) ?? new Uint8Array();
  const stored = unb64(localStorage.getItem(KEY.trust));
  let fetched = null;
  try {
    fetched = await fetchBytes("trust/trust-list.cbor");
  } catch {
    offline = true;
  }
  let firstError = null;
  for (const trust of [stored, fetched]) {
    if (!trust || web) continue;
    try {
      web = new Web(rootText, trust, replay);
    } catch (e) {
      firstError ??= e;
    }
  }
  if (!web) throw firstError ?? new Error("no trust list: connect once to load one");
  for (const s of JSON.parse(localStorage.getItem(KEY.status) || "[]")) {
    const bytes = unb64(s);
    if (bytes) web.offerStatus(bytes);
  }
  const counter = localStorage.getItem(KEY.counter) || "";
  $("counter").value = counter;
  setCounter(counter);
  await refreshData();
  setInterval(refreshData, REFRESH_MS);
  window.addEventListener("online", refreshData);
}

// --- verdicts -----------------------------------------------------------------------------
function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
}
function addRow(dl, label, value, item) {
  const dt = document.createElement("dt");
  dt.textContent = label;
  const dd = document.createElement("dd");
  if (item) dd.dataset.item = item;
  if (value instanceof Node) dd.appendChild(value);
  else dd.textContent = value;
  dl.append(dt, dd);
}

function itemText(name, value, shown) {
  if (value === true) return t("yes");
  if (value === false) return t("no");
  return shown ?? String(value);
}

function showVerdict(v) {
  lastVerdict = v;
  const box = $("verdict");
  box.dataset.verdict = v.verdict;
  box.dataset.reason = v.reason ?? "";
  if (v.verdict === "none") {
    $("verdict-title").textContent = t("no_verdict");
    $("verdict-reason").textContent = "";
  } else {
    $("verdict-title").textContent = v.verdict === "valid" ? t("valid") : t("invalid");
    $("verdict-reason").textContent = v.reason ? (T[lang].reasons[v.reason] ?? v.description ?? v.reason) : "";
  }
  const about = $("about");
  clear(about);
  if (v.purpose) addRow(about, t("purpose"), T[lang].purposes[v.purpose] ?? v.purpose);
  if (v.issuer) addRow(about, t("issuer"), `${v.issuer} (${v.issuer_id ?? ""})`);
  if (v.trust_age != null) addRow(about, t("trust_age"), ageText(v.trust_age));
  if (v.verdict !== "none") addRow(about, t("status_age"), v.status_age != null ? ageText(v.status_age) : t("not_checked"));
  const items = $("items");
  clear(items);
  const portraitBox = $("portrait-box");
  clear(portraitBox);
  portraitBox.hidden = true;
  const names = Object.keys(v.disclosed ?? {});
  for (const name of names) {
    const value = v.disclosed[name];
    const label = T[lang].items[name] ?? name;
    if (name === "portrait" && v.portrait_png) {
      // Shown large beside the names: a PNG the WebAssembly module wrote from the pixels it
      // decoded under its limits. The holder's bytes never reach the browser's decoders.
      const img = document.createElement("img");
      img.alt = label;
      img.src = `data:image/png;base64,${v.portrait_png}`;
      img.dataset.item = name;
      portraitBox.appendChild(img);
      portraitBox.hidden = false;
    } else if (name === "portrait") {
      // Signed, but not an image the module could decode: said in words, the verdict stands.
      addRow(items, label, t("portrait_not_shown"), name);
      if (v.portrait_error) console.warn(`portrait not shown: ${v.portrait_error}`);
    } else {
      addRow(items, label, itemText(name, value, v.shown?.[name]), name);
    }
  }
  $("items-h").hidden = v.verdict !== "valid";
  $("nothing-else").hidden = v.verdict !== "valid";
  const warnings = $("warnings");
  clear(warnings);
  for (const w of v.warnings ?? []) {
    const li = document.createElement("li");
    li.textContent = w;
    warnings.appendChild(li);
  }
  $("detail-box").hidden = !v.detail;
  $("detail").textContent = v.detail ?? "";
  if (v.verdict !== "none") box.focus();
}

function record(v) {
  if (v.verdict === "none") return;
  saveReplay();
  let h = [];
  try {
    h = JSON.parse(localStorage.getItem(KEY.history) || "[]");
  } catch {
    h = [];
  }
  h.unshift({ at: Math.floor(nowUnix()), verdict: v.verdict, reason: v.reason ?? null });
  store(KEY.history, JSON.stringify(h.slice(0, HISTORY_MAX)));
  showHistory();
}

function showHistory() {
  const ol = $("history");
  clear(ol);
  let h = [];
  try {
    h = JSON.parse(localStorage.getItem(KEY.history) || "[]");
  } catch {
    h = [];
  }
  for (const e of h) {
    const li = document.createElement("li");
    const when = new Date(e.at * 1000).toLocaleTimeString(lang === "zh" ? "zh-CN" : "en");
    const what = e.verdict === "valid" ? t("valid") : `${t("invalid")}: ${T[lang].reasons[e.reason] ?? e.reason}`;
    li.textContent = `${when} ${what}`;
    ol.appendChild(li);
  }
}

function showData() {
  if (!web) return;
  const info = JSON.parse(web.dataInfo(nowUnix()));
  const lines = [t("trust_line", { seq: info.trust.sequence, age: ageText(info.trust.age), stale: info.trust.stale ? t("stale") : "" })];
  if (info.status.length === 0) lines.push(t("no_status"));
  for (const s of info.status) lines.push(t("status_line", { issuer: s.issuer, list: s.list, age: ageText(s.age), stale: s.stale ? t("stale") : "" }));
  if (offline) lines.push(t("offline"));
  lines.push(...refusedUpdates);
  $("data-status").textContent = lines.join("\n");
}

function judged(json) {
  const v = JSON.parse(json);
  showVerdict(v);
  record(v);
  return v;
}

async function checkPasted() {
  await refreshData();
  judged(web.checkText($("code").value, nowUnix()));
}

async function checkUpload(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let texts;
  try {
    texts = JSON.parse(decodeImage(bytes));
  } catch (e) {
    // The verdict shown was for another code: it must not read as this image's.
    showVerdict({ verdict: "none", reason: null, disclosed: {} });
    $("camera-status").textContent = t("no_code", { e: e.message ?? e });
    return;
  }
  $("camera-status").textContent = "";
  await refreshData();
  judged(web.checkText(texts[0] ?? "", nowUnix()));
}

function setCounter(typed) {
  try {
    web.setCounterCode(typed);
    store(KEY.counter, typed);
    const code = typed.replace(/[ -]/g, "").toUpperCase();
    $("counter-status").textContent = code ? t("counter_active", { code }) : t("counter_none");
  } catch {
    $("counter-status").textContent = t("counter_invalid");
  }
}

// --- camera -------------------------------------------------------------------------------
const MAX_SIDE = 960;
let stream = null;
let torchOn = false;
let detector = null;

async function startCamera() {
  if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
    $("camera-status").textContent = t("camera_insecure");
    return;
  }
  await refreshData();
  web.restartScan();
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false });
  } catch (e) {
    $("camera-status").textContent = t("camera_denied", { e: e.message ?? e.name });
    return;
  }
  const video = $("video");
  video.srcObject = stream;
  await video.play();
  $("viewfinder").hidden = false;
  $("camera").textContent = t("stop_camera");
  $("camera-status").textContent = t("camera_on");
  const track = stream.getVideoTracks()[0];
  const caps = track.getCapabilities?.() ?? {};
  $("torch").hidden = !caps.torch;
  if ("BarcodeDetector" in window && !detector) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.includes("qr_code")) detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch {
      detector = null;
    }
  }
  scanLoop();
}

function stopCamera() {
  if (stream) for (const tr of stream.getTracks()) tr.stop();
  stream = null;
  torchOn = false;
  $("viewfinder").hidden = true;
  $("torch").hidden = true;
  $("camera").textContent = t("start_camera");
  $("camera-status").textContent = "";
}

async function scanOnce() {
  const video = $("video");
  if (video.readyState < 2 || !video.videoWidth) return null;
  if (detector) {
    const codes = await detector.detect(video);
    for (const c of codes) {
      const out = web.checkScanned(c.rawValue, nowUnix());
      if (out) return out;
    }
    return null;
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
  const w = Math.round(video.videoWidth * scale);
  const h = Math.round(video.videoHeight * scale);
  const canvas = $("canvas");
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(video, 0, 0, w, h);
  const frame = ctx.getImageData(0, 0, w, h);
  const t0 = performance.now();
  const out = web.pushRgba(new Uint8Array(frame.data.buffer), w, h, nowUnix()) || null;
  const ms = performance.now() - t0;
  scanStats.frames += 1;
  scanStats.ms += ms;
  scanStats.max = Math.max(scanStats.max, ms);
  return out;
}

async function scanLoop() {
  while (stream) {
    let out = null;
    try {
      out = await scanOnce();
    } catch (e) {
      console.error(e);
      $("camera-status").textContent = String(e.message ?? e);
      stopCamera();
      return;
    }
    if (out) {
      stopCamera();
      judged(out);
      return;
    }
    await new Promise((r) => requestAnimationFrame(r));
  }
}

// --- language and wiring ------------------------------------------------------------------
function applyLang() {
  document.documentElement.lang = lang === "zh" ? "zh-Hans" : "en";
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  $("lang").value = lang;
  if (stream) $("camera").textContent = t("stop_camera");
  if (lastVerdict) showVerdict(lastVerdict);
  setCounterStatusText();
  showHistory();
  showData();
}
function setCounterStatusText() {
  if (web) setCounter($("counter").value);
}

function wire() {
  $("lang").addEventListener("change", (e) => {
    lang = e.target.value === "zh" ? "zh" : "en";
    store(KEY.lang, lang);
    applyLang();
  });
  $("camera").addEventListener("click", () => (stream ? stopCamera() : startCamera()));
  $("torch").addEventListener("click", async () => {
    const track = stream?.getVideoTracks()[0];
    if (!track) return;
    torchOn = !torchOn;
    try {
      await track.applyConstraints({ advanced: [{ torch: torchOn }] });
    } catch {
      torchOn = false;
    }
  });
  $("check").addEventListener("click", checkPasted);
  $("counter").addEventListener("change", (e) => setCounter(e.target.value));
  $("upload").addEventListener("change", (e) => {
    if (e.target.files?.[0]) checkUpload(e.target.files[0]);
    e.target.value = "";
  });
  $("clear-history").addEventListener("click", () => {
    localStorage.removeItem(KEY.history);
    showHistory();
  });
}

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("sw.js").catch(() => {});
}
wire();
applyLang();
start()
  .then(() => {
    document.body.dataset.ready = "true";
    applyLang();
  })
  .catch((e) => {
    document.body.dataset.ready = "error";
    $("data-status").textContent = t("setup_failed", { e: e.message ?? e });
  });
