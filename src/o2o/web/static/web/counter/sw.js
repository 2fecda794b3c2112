/* The counter's service worker, served at /counter/sw.js so its scope is /counter/.
 *
 * The shell (the counter page, its scripts, styles and icons) is cached so the page
 * loads with the network down. Pages: network first, the cached copy when offline.
 * Static files: the cached copy, refreshed in the background. API calls (bundle, sync,
 * device registration) always go to the network: their answers live in IndexedDB.
 */
const VERSION = "counter-v2";
const SHELL_HEADER = "X-Counter-Shell";
const SHELL = [
  "/counter/",
  "/static/web/app.css",
  "/static/web/htmx.min.js",
  "/static/web/counter/counter.css",
  "/static/web/counter/messages.js",
  "/static/web/counter/db.js",
  "/static/web/counter/verify.js",
  "/static/web/counter/offline.js",
  "/static/web/counter/manifest.webmanifest",
  "/static/web/counter/icon-192.png",
  "/static/web/counter/icon-512.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(VERSION);
    // One by one, so a page that redirects to the sign-in does not fail the install.
    for (const url of SHELL) {
      try {
        const res = await fetch(url, {credentials: "same-origin", cache: "no-cache"});
        if (res.ok && (url !== "/counter/" || res.headers.has(SHELL_HEADER))) await cache.put(url, res);
      } catch (err) { /* offline at install: the next visit fills it */ }
    }
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== VERSION) await caches.delete(name);
    await self.clients.claim();
  })());
});

async function page(request) {
  const cache = await caches.open(VERSION);
  try {
    const res = await fetch(request);
    // Only the redemption screen itself (the view marks it): never the sign-in page or
    // the store picker in its place.
    if (res.ok && res.headers.has(SHELL_HEADER)) {
      await cache.put("/counter/", res.clone());
    }
    return res;
  } catch (err) {
    const cached = await cache.match("/counter/");
    if (cached) return cached;
    throw err;
  }
}

async function asset(request, event) {
  const cache = await caches.open(VERSION);
  const cached = await cache.match(request, {ignoreSearch: true});
  const fresh = fetch(request).then(async (res) => {
    if (res.ok) await cache.put(request, res.clone());
    return res;
  });
  if (cached) {
    event.waitUntil(fresh.catch(() => null));
    return cached;
  }
  return fresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === "/counter/" && !url.search) {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(asset(request, event));
  }
});
