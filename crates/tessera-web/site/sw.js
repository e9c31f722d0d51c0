// Tessera Verify's service worker: the app shell and the WebAssembly module come from the
// cache (a rebuilt site is a new cache version); the trust list and status lists come from
// the network when it answers, else from the cache, so the page keeps verifying offline.
// Whatever comes from either is checked by the verifier before use.
const VERSION = "__BUILD__";
const CACHE = `tessera-verify-${VERSION}`;
const SHELL = [
  "./",
  "index.html",
  "app.js",
  "style.css",
  "manifest.webmanifest",
  "icon.svg",
  "pkg/tessera_web.js",
  "pkg/tessera_web_bg.wasm",
  "trust/root.pub",
  "trust/trust-list.cbor",
  "trust/status/index.json",
];

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(SHELL);
      const index = await (await cache.match("trust/status/index.json")).json();
      await cache.addAll(index.filter((n) => typeof n === "string").map((n) => `trust/status/${n}`));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith("tessera-verify-") && key !== CACHE) await caches.delete(key);
      }
      await self.clients.claim();
    })(),
  );
});

function isTrustData(url) {
  return url.pathname.endsWith("/trust/trust-list.cbor") || url.pathname.includes("/trust/status/");
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request, { cache: "no-store" });
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (e) {
    const cached = await cache.match(request, { ignoreSearch: true });
    if (cached) return cached;
    throw e;
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { ignoreSearch: true });
  return cached ?? fetch(request);
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  event.respondWith(isTrustData(url) ? networkFirst(event.request) : cacheFirst(event.request));
});
