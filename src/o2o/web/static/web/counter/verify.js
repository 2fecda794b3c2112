/* Local verification of a scan or a typed code against the offline bundle.
 *
 * A QR holds O2O1.<base64url(JSON payload)>.<base64url(Ed25519 signature)>, signed by the
 * merchant's key (docs/offline-counter.md). Offline, the counter checks, in this order:
 * the signature with the cached public key, the merchant, the store, the validity
 * window and the booked slot, the revocation list (refunded, expired, fully used) with
 * the uses the server last knew, the uses already redeemed on this device and still
 * queued, and the device's offline cap. A typed code is accepted only when the bundle
 * lists it (today's bookings or the revocation-checked snapshot).
 *
 * decide() returns {ok: true, voucher} or {ok: false, reason, params}; `reason` is a
 * key of messages.js.
 */
export const PREFIX = "O2O1.";
const CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export function b64urlDecode(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const bin = atob(b64);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** The typed code as the server reads it: no spaces or dashes, upper case, O→0, I/L→1. */
export function normalizeCode(raw) {
  return raw.replace(/[\s-]/g, "").toUpperCase().replace(/O/g, "0").replace(/[IL]/g, "1");
}

/** The Damm check over GF(32) of vouchers/codes.py: a valid code leaves residue 0. */
export function codeIsValid(code) {
  if (code.length !== 16) return false;
  let r = 0;
  for (const ch of code) {
    const v = CODE_ALPHABET.indexOf(ch);
    if (v < 0) return false;
    r <<= 1;
    if (r & 0b100000) r ^= 0b100101;
    r ^= v;
  }
  return r === 0;
}

const keyCache = new Map();
async function publicKey(raw) {
  if (!keyCache.has(raw)) {
    keyCache.set(raw, crypto.subtle.importKey("raw", b64urlDecode(raw), {name: "Ed25519"}, false, ["verify"]));
  }
  return keyCache.get(raw);
}

/** The payload of a signed QR, or null when the text is not one. Throws nothing. */
export function parsePayload(text) {
  if (!text.startsWith(PREFIX)) return null;
  const parts = text.slice(PREFIX.length).split(".");
  if (parts.length !== 2) return {malformed: true};
  try {
    const claims = JSON.parse(new TextDecoder("utf-8", {fatal: true}).decode(b64urlDecode(parts[0])));
    if (!claims || typeof claims !== "object") return {malformed: true};
    // The signature covers the ASCII bytes of "O2O1.<payload>", not the decoded JSON.
    const signed = new TextEncoder().encode(PREFIX + parts[0]);
    return {signed, signature: b64urlDecode(parts[1]), claims};
  } catch (err) {
    return {malformed: true};
  }
}

/** True when the payload's signature verifies with the bundle's key of the same id. */
export async function signatureOk(parsed, bundle, now) {
  const key = (bundle.keys || []).find((k) => k.kid === parsed.claims.k);
  if (!key) return "unknown_key";
  if (key.not_after && Date.parse(key.not_after) <= now) return "unknown_key";
  try {
    const ok = await crypto.subtle.verify("Ed25519", await publicKey(key.key), parsed.signature, parsed.signed);
    return ok ? null : "bad_signature";
  } catch (err) {
    return "bad_signature";
  }
}

const when = (value) => (typeof value === "number" ? value * 1000 : Date.parse(value));

function refuse(reason, params = {}) { return {ok: false, reason, params}; }

/** The value of `uses` of `total` uses of a voucher priced `price` fen, as the server
 *  counts it against the cap: ceil(p × k / u). */
export const valueFen = (price, uses, total) => Math.ceil((price || 0) * uses / (total || 1));

const USABLE = ["active", "partially_used"];

/** Checks common to a verified payload and a listed code. `v` is the voucher's facts:
 *  {voucher, stores, uses_total, price_fen, valid_from, valid_until, window, uses_left?}.
 *  `pending` is what this device redeemed offline and has not had counted by the server
 *  yet: the queue, for the uses of a voucher and for the caps. */
function checkVoucher(v, ctx) {
  const {bundle, store, now, uses, pending} = ctx;
  if (v.merchant !== bundle.merchant) return refuse("wrong_merchant");
  if (v.stores !== "*" && !(Array.isArray(v.stores) && v.stores.includes(store))) return refuse("wrong_store");
  if (now < v.valid_from) return refuse("not_yet_valid");
  if (now >= v.valid_until) return refuse("expired");
  if (v.window && (now < v.window[0] || now >= v.window[1])) return refuse("slot_not_today");
  let left = v.uses_left ?? v.uses_total;
  const revoked = (bundle.revoked || []).find((r) => r.v === v.voucher);
  if (revoked) {
    if (!USABLE.includes(revoked.status) || revoked.uses_left <= 0) {
      const reason = {used: "fully_used", expired_refunded: "refunded"}[revoked.status] || revoked.status;
      return refuse(["refunded", "expired", "fully_used"].includes(reason) ? reason : "fully_used");
    }
    left = Math.min(left, revoked.uses_left);
  }
  const mine = pending.filter((q) => q.voucher === v.voucher).reduce((sum, q) => sum + q.uses, 0);
  if (left - mine < uses) return refuse(mine > 0 ? "used_offline" : "fully_used");
  const caps = (bundle.device && bundle.device.caps) || {};
  const value = valueFen(v.price_fen, uses, v.uses_total);
  const usedUses = pending.reduce((sum, q) => sum + q.uses, 0);
  const usedValue = pending.reduce((sum, q) => sum + (q.value_fen || 0), 0);
  if (typeof caps.max_offline_uses === "number" && usedUses + uses > caps.max_offline_uses) {
    return refuse("cap_uses", {cap: caps.max_offline_uses});
  }
  if (typeof caps.max_offline_value_fen === "number" && usedValue + value > caps.max_offline_value_fen) {
    return refuse("cap_value", {cap: (caps.max_offline_value_fen / 100).toFixed(2)});
  }
  return {ok: true, voucher: {...v, uses_left: left - mine, value_fen: value}};
}

/** The verdict on `text` (a scanned payload or a typed code) for `uses` uses now, at
 *  `store`, with `pending` the device's offline redemptions not yet counted. */
export async function decide(text, {bundle, store, uses = 1, pending = [], now = Date.now()}) {
  const ctx = {bundle, store, uses, pending, now};
  const raw = text.trim();
  const parsed = parsePayload(raw);
  if (parsed) {
    if (parsed.malformed) return refuse("bad_signature");
    const bad = await signatureOk(parsed, bundle, now);
    if (bad) return refuse(bad);
    const c = parsed.claims;
    const listed = (bundle.bookings || []).find((b) => b.v === c.v) || {};
    return checkVoucher({
      voucher: c.v, merchant: c.m, stores: c.s, uses_total: c.u, price_fen: c.p,
      valid_from: when(c.n), valid_until: when(c.x),
      window: Array.isArray(c.w) ? [when(c.w[0]), when(c.w[1])] : null,
      slot: Array.isArray(c.sl) ? when(c.sl[0]) : (listed.slot ? when(listed.slot.starts_at) : null),
      uses_left: listed.uses_left, title: listed.title, customer: listed.customer, payload: raw,
    }, ctx);
  }
  const code = normalizeCode(raw);
  if (!codeIsValid(code)) return refuse("invalid_code");
  // Offline, a typed code proves nothing by itself: only today's bookings are known.
  const listed = (bundle.bookings || []).find((b) => b.code === code);
  if (!listed) return refuse("not_in_bundle");
  return checkVoucher({
    voucher: listed.v, merchant: bundle.merchant, stores: [bundle.store.id],
    uses_total: listed.uses_total, price_fen: listed.price_fen,
    valid_from: when(listed.valid_from), valid_until: when(listed.valid_until), window: null,
    slot: listed.slot ? when(listed.slot.starts_at) : null,
    uses_left: listed.uses_left, title: listed.title, customer: listed.customer, code,
  }, ctx);
}
