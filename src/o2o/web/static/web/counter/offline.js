/* The counter keeps redeeming when the network drops (docs/offline-counter.md).
 *
 * Online, the screen works as before (htmx posts to the counter views); in the
 * background this script keeps the device's offline bundle fresh (every minute) and
 * uploads what was redeemed offline. Offline (navigator.onLine false, or a lookup that
 * cannot reach the server), a scan is verified here against the bundle, confirmed by
 * the staff member and queued in IndexedDB with a 128-bit nonce; the banner says
 * "offline — will sync" with the pending count. Back online, the queue uploads in
 * order and each item's answer (applied, duplicate, conflict, refused) is shown.
 */
import * as db from "./db.js";
import {decide} from "./verify.js";
import {t, hasWords} from "./messages.js";

const BUNDLE_EVERY_MS = 60_000;
const RETRY_EVERY_MS = 15_000;
const BATCH = 200;  // the most the server takes in one upload
const KEEP_ANSWERS_MS = 2 * 24 * 3600_000;

const root = document.querySelector("[data-counter-offline]");
const cfg = root ? root.dataset : {};
const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
};

let syncing = false;
let confirming = false;

// navigator.onLine only knows the link: Wi-Fi can be up with the uplink down. A request
// that cannot reach the server marks it unreachable until one gets through again.
let reachable = true;
const online = () => navigator.onLine && reachable;
const money = (fen) => `¥${(fen / 100).toFixed(2)}`;
const localTime = (ms) => new Date(ms).toLocaleString(document.documentElement.lang || "zh-CN",
  {month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit"});

async function api(path, {method = "GET", body, device = true, headers = {}} = {}) {
  const h = {Accept: "application/json", ...headers};
  if (device) {
    const dev = await db.get("device");
    if (!dev) throw new Error("no_device");
    h.Authorization = `Bearer ${dev.token}`;
  } else {
    h["X-CSRFToken"] = cfg.csrf;
  }
  if (body !== undefined) h["Content-Type"] = "application/json";
  try {
    const res = await fetch(path, {method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
                                   credentials: "same-origin", cache: "no-store"});
    if (!reachable) { reachable = true; render(); }
    return res;
  } catch (err) {
    if (reachable) { reachable = false; render(); }
    throw err;
  }
}

async function errorOf(res) {
  try { return (await res.json()).error || {code: String(res.status), message: res.statusText}; }
  catch (err) { return {code: String(res.status), message: res.statusText}; }
}

// --- what the server told us: the device and the bundle --------------------------

/** Uploaded items still counted against this device's cap and uses (the bundle we hold
 *  predates them), plus the queue. */
async function pending() {
  const [queue, done, fetched] = await Promise.all([db.queued(), db.results(), db.get("bundle_at")]);
  const since = fetched || 0;
  const counted = done.filter((d) => d.synced_at > since && ["applied", "conflict"].includes(d.result));
  return queue.concat(counted);
}

async function refreshBundle() {
  const device = await db.get("device");
  if (!device || device.store !== cfg.store || !navigator.onLine) return;
  const etag = await db.get("bundle_etag");
  let res;
  try {
    res = await api(`${cfg.bundleUrl}?store=${encodeURIComponent(cfg.store)}`,
                    {headers: etag ? {"If-None-Match": etag} : {}});
  } catch (err) { return; }
  if (res.status === 304) {
    await db.put("bundle_at", Date.now());
  } else if (res.ok) {
    await db.put("bundle", await res.json());
    await db.put("bundle_etag", res.headers.get("ETag"));
    await db.put("bundle_at", Date.now());
    await db.del("device_problem");
  } else {
    // 401: the server forgot the token; 403: revoked or another store. Say so, keep the queue.
    await db.put("device_problem", (await errorOf(res)).code);
  }
  await render();
}

// --- the queue and its upload ----------------------------------------------------

async function upload() {
  if (syncing || !navigator.onLine || !(await db.get("device"))) return;
  const queue = (await db.queued()).sort((a, b) => a.seq - b.seq);
  if (!queue.length) return;
  syncing = true;
  const counts = {applied: 0, duplicate: 0, conflict: 0, refused: 0};
  await render();
  try {
    for (let i = 0; i < queue.length; i += BATCH) {
      const batch = queue.slice(i, i + BATCH);
      const items = batch.map((q) => ({nonce: q.nonce, ...(q.payload ? {payload: q.payload} : {code: q.code}),
                                       store: q.store, uses: q.uses, redeemed_at: q.redeemed_at}));
      let res;
      try { res = await api(cfg.syncUrl, {method: "POST", body: {items}}); } catch (err) { return; }
      if (!res.ok) {
        await db.put("device_problem", (await errorOf(res)).code);
        return;
      }
      const answer = await res.json();
      const now = Date.now();
      for (const [n, result] of answer.results.entries()) {
        const item = batch[n];
        if (!item || item.nonce !== result.nonce) continue;
        await db.record({...item, ...result, synced_at: now});
        await db.dequeue(item.seq);
        counts[result.result] = (counts[result.result] || 0) + 1;
      }
    }
  } finally {
    syncing = false;
    await db.prune(Date.now() - KEEP_ANSWERS_MS);
    await render();
  }
  synced(counts);
  // What was just applied changes the revocation list: fetch it before the next scan.
  await refreshBundle();
}

/** After an upload: say what happened in place of a stale offline verdict, and reload the
 *  day's list, which now holds the applied redemptions. */
function synced(counts) {
  const current = $("ct-result").firstElementChild;
  if (!current || current.dataset.offline) {
    const bad = counts.conflict + counts.refused > 0;
    $("ct-result").replaceChildren(el("div", {class: `banner ${bad ? "bad" : "ok"} ct-banner`, role: "alert",
                                              id: "ct-verdict", "data-verdict": "synced", "data-offline": "1"},
      el("div", {}, t("sync_done", counts))));
  }
  if (window.htmx && $("ct-recent")) window.htmx.ajax("GET", cfg.recentUrl, {target: "#ct-recent", swap: "innerHTML"});
}

async function tick() {
  await upload();
  await refreshBundle();
}

// --- the screen --------------------------------------------------------------------

function resultWords(r) {
  const head = t(`r_${r.result}`);
  const why = (r.reason || "").replace(/^(applied|conflict|refused):/, "");
  return why && hasWords(why) ? `${head} · ${t(why)}` : why ? `${head} · ${why}` : head;
}

async function render() {
  if (!root) return;
  const [device, bundle, fetched, queue, done, problem] = await Promise.all([
    db.get("device"), db.get("bundle"), db.get("bundle_at"), db.queued(), db.results(), db.get("device_problem")]);
  const net = $("ct-net");
  const state = syncing ? "syncing" : online() ? "online" : "offline";
  net.dataset.state = state;
  net.dataset.pending = String(queue.length);
  net.className = `ct-net ct-net-${state}`;
  const head = state === "offline" ? t("offline_banner") : state === "syncing" ? t("syncing")
    : queue.length ? t("online_banner") : t("synced");
  net.replaceChildren(
    el("strong", {}, head),
    el("span", {id: "ct-pending", "data-count": String(queue.length)}, t("pending", {n: queue.length})),
    el("span", {class: "ct-net-small"}, bundle ? t("bundle_age", {t: localTime(fetched)}) : t("no_bundle")));

  const box = $("ct-device");
  box.replaceChildren();
  const elsewhere = device && device.store !== cfg.store;
  if (!device || elsewhere) {
    box.append(el("p", {}, t(elsewhere ? "other_store_device" : "device_none")),
      el("button", {type: "button", id: "ct-register", class: "secondary", onclick: register,
                    ...(online() && !queue.length ? {} : {disabled: ""})}, t("device_register")));
  } else {
    box.append(el("p", {}, t("device_ok", {name: device.name})));
    if (problem === "device_revoked") box.append(el("p", {class: "ct-warn", role: "alert"}, t("device_revoked")));
    else if (problem) box.append(el("p", {class: "ct-warn"}, t("device_failed", {why: problem})));
    const caps = bundle && bundle.device && bundle.device.caps;
    if (caps) {
      const used = await pending();
      const uses = caps.max_offline_uses - used.reduce((s, q) => s + q.uses, 0);
      const value = caps.max_offline_value_fen - used.reduce((s, q) => s + (q.value_fen || 0), 0);
      box.append(el("p", {class: "muted", id: "ct-cap"}, t("cap_left", {uses: Math.max(uses, 0),
                                                                         value: (Math.max(value, 0) / 100).toFixed(2)})));
    }
  }

  const list = $("ct-sync");
  const rows = queue.slice().reverse().map((q) => el("tr", {"data-result": "pending"},
      el("td", {}, localTime(Date.parse(q.redeemed_at))), el("td", {}, label(q)),
      el("td", {}, String(q.uses)), el("td", {}, t("pending_row"))))
    .concat(done.sort((a, b) => b.synced_at - a.synced_at || b.seq - a.seq).slice(0, 20).map((r) =>
      el("tr", {"data-result": r.result, "data-nonce": r.nonce},
        el("td", {}, localTime(Date.parse(r.redeemed_at))), el("td", {}, label(r)),
        el("td", {}, String(r.uses)), el("td", {class: `ct-r-${r.result}`}, resultWords(r)))));
  list.hidden = rows.length === 0;
  list.querySelector("tbody").replaceChildren(...rows);
}

async function register() {
  const button = $("ct-register");
  button.disabled = true;
  try {
    const res = await api(cfg.devicesUrl, {method: "POST", device: false,
                                           body: {name: `${cfg.deviceName} ${localTime(Date.now())}`.slice(0, 60),
                                                  store: cfg.store}});
    if (!res.ok) {
      const err = await errorOf(res);
      $("ct-device").append(el("p", {class: "ct-warn", role: "alert"}, t("device_failed", {why: err.message})));
      button.disabled = false;
      return;
    }
    const device = await res.json();
    await db.put("device", {id: device.id, name: device.name, store: device.store.id, token: device.token});
    await db.del("bundle_etag");
    await db.del("device_problem");
  } catch (err) {
    button.disabled = false;
    return;
  }
  await refreshBundle();
  await render();
}

// --- an offline scan ------------------------------------------------------------------

function verdictBanner(kind, big, ...lines) {
  return el("div", {class: `banner ${kind === "queued" ? "ok" : "bad"} ct-banner`, role: "alert", id: "ct-verdict",
                    "data-verdict": kind, "data-offline": "1"},
    el("div", {class: "ct-big"}, big), ...lines.map((line) => el("div", {}, line)));
}

const codeLabel = (text) => (text.startsWith("O2O1.") ? "QR" : text.trim());
const label = (v) => v.title || `${t("voucher")} ${v.voucher}`;

function show(node) {
  $("ct-result").replaceChildren(node);
  const input = $("ct-code");
  const confirm = $("ct-confirm");
  if (confirm) confirm.focus(); else { input.value = ""; input.focus(); }
}

async function verdict(text, uses) {
  const [device, bundle] = await Promise.all([db.get("device"), db.get("bundle")]);
  if (!device) return {ok: false, reason: "no_device", params: {}};
  if (device.store !== cfg.store) return {ok: false, reason: "other_store_device", params: {}};
  if (!bundle) return {ok: false, reason: "no_offline_data", params: {}};
  if ((await db.get("device_problem")) === "device_revoked") return {ok: false, reason: "device_revoked", params: {}};
  return decide(text, {bundle, store: cfg.store, uses, pending: await pending()});
}

async function offlineLookup(text) {
  $("ct-result").replaceChildren();  // the last verdict must not stand for this scan
  const v = await verdict(text, 1);
  if (!v.ok) {
    show(verdictBanner("refused", t("refused"), t(v.reason, v.params), `${t("code")}: ${codeLabel(text)}`));
    return;
  }
  const voucher = v.voucher;
  const select = voucher.uses_left > 1
    ? el("select", {id: "ct-uses", class: "ct-uses"},
         ...Array.from({length: voucher.uses_left}, (_, i) => el("option", {value: String(i + 1)}, String(i + 1))))
    : null;
  const facts = el("dl", {class: "ct-facts"},
    voucher.customer ? el("dt", {}, t("customer")) : null, voucher.customer ? el("dd", {}, voucher.customer) : null,
    el("dt", {}, t("uses_left")), el("dd", {}, `${voucher.uses_left} / ${voucher.uses_total}`),
    el("dt", {}, t("valid_until")), el("dd", {}, localTime(voucher.valid_until)),
    voucher.slot ? el("dt", {}, t("booked")) : null, voucher.slot ? el("dd", {}, localTime(voucher.slot)) : null);
  const confirm = el("button", {type: "button", id: "ct-confirm", class: "ct-confirm",
                                onclick: () => offlineRedeem(text, select ? Number(select.value) : 1)},
                     t("confirm_offline"));
  const cancel = el("button", {type: "button", class: "secondary", onclick: () => show(el("div"))}, t("cancel"));
  show(el("div", {class: "card ct-check", "data-offline": "1"},
    el("h2", {class: "ct-title"}, label(voucher)), facts,
    select ? el("label", {for: "ct-uses"}, t("uses_left")) : null, select,
    el("div", {class: "ct-actions"}, confirm, cancel)));
}

async function offlineRedeem(text, uses) {
  if (confirming) return;  // a double tap queues once
  confirming = true;
  try {
    // Checked again: the queue may have grown since the lookup (another tab, a double scan).
    const v = await verdict(text, uses);
    if (!v.ok) {
      show(verdictBanner("refused", t("refused"), t(v.reason, v.params), `${t("code")}: ${codeLabel(text)}`));
      return;
    }
    const voucher = v.voucher;
    await db.enqueue({
      nonce: db.nonce(), ...(voucher.payload ? {payload: voucher.payload} : {code: voucher.code}),
      voucher: voucher.voucher, title: voucher.title || "", store: cfg.store, uses,
      value_fen: voucher.value_fen, redeemed_at: new Date().toISOString(),
    });
    show(verdictBanner("queued", t("queued"), `${label(voucher)}${voucher.customer ? ` · ${voucher.customer}` : ""}`,
                       t("queued_note")));
  } finally {
    confirming = false;
    await render();
  }
  if (online()) upload();
}

// --- wiring ------------------------------------------------------------------------------

function wire() {
  const form = $("ct-lookup");
  // Capture runs before htmx's own submit handler on the form: offline, it never posts.
  document.addEventListener("submit", (e) => {
    if (e.target !== form) return;
    $("ct-result").replaceChildren();  // a new scan: the last verdict must not stand for it
    if (online()) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    offlineLookup($("ct-code").value);
  }, true);
  // Online but the server cannot be reached (Wi-Fi up, uplink down): the same local check.
  document.body.addEventListener("htmx:sendError", (e) => {
    if (e.detail.elt !== form) return;
    reachable = false;
    render();
    offlineLookup($("ct-code").value);
  });
  window.addEventListener("online", () => { render(); tick(); });
  window.addEventListener("offline", () => render());
  setInterval(() => refreshBundle(), BUNDLE_EVERY_MS);
  // While unreachable or with uploads waiting, try again sooner than the bundle's minute.
  setInterval(async () => { if (!reachable || (await db.queued()).length) tick(); }, RETRY_EVERY_MS);
}

if (root) {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(cfg.swUrl, {scope: cfg.scope}).catch(() => null);
  }
  wire();
  render().then(tick);
}

export {render, tick, upload, refreshBundle};
