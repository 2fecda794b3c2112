/* The counter's IndexedDB: what it needs to redeem with the network down.
 *
 *   kv     the device (id and token), the offline bundle and when it was fetched
 *   queue  offline redemptions in the order they were made (auto-increment key):
 *          {nonce, payload | code, voucher, store, uses, value_fen, at}
 *   done   what the server answered for each uploaded nonce (applied, duplicate, conflict…)
 */
const NAME = "o2o-counter";

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(NAME, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore("kv");
      db.createObjectStore("queue", {keyPath: "seq", autoIncrement: true});
      db.createObjectStore("done", {keyPath: "nonce"});
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

let dbPromise = null;
function db() { return (dbPromise ||= open()); }

async function run(store, mode, fn) {
  const conn = await db();
  return new Promise((resolve, reject) => {
    const tx = conn.transaction(store, mode);
    const req = fn(tx.objectStore(store));
    tx.oncomplete = () => resolve(req ? req.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export const get = (key) => run("kv", "readonly", (s) => s.get(key));
export const put = (key, value) => run("kv", "readwrite", (s) => s.put(value, key));
export const del = (key) => run("kv", "readwrite", (s) => s.delete(key));

export const queued = () => run("queue", "readonly", (s) => s.getAll());
export const enqueue = (item) => run("queue", "readwrite", (s) => s.add(item));
export const dequeue = (seq) => run("queue", "readwrite", (s) => s.delete(seq));

export const results = () => run("done", "readonly", (s) => s.getAll());
export const record = (result) => run("done", "readwrite", (s) => s.put(result));

/** Forget answers synced before `before` (ms): the screen shows the recent ones only. */
export const prune = (before) => run("done", "readwrite", (s) => {
  s.openCursor().onsuccess = (e) => {
    const cursor = e.target.result;
    if (!cursor) return;
    if (cursor.value.synced_at < before) cursor.delete();
    cursor.continue();
  };
});

/** A 128-bit nonce from the platform's CSPRNG, as 32 hex characters. */
export function nonce() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
