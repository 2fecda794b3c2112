/* The offline counter's words, in the page's language (zh-Hans or English).
 * Kept beside the scripts so they are in the service worker's cache with them. */
const WORDS = {
  offline_banner: ["离线 — 将同步", "Offline — will sync"],
  pending: ["待同步 {n} 笔", "{n} pending"],
  online_banner: ["在线", "Online"],
  syncing: ["正在同步…", "Syncing…"],
  synced: ["已同步", "All synced"],
  bundle_age: ["离线数据更新于 {t}", "Offline data from {t}"],
  no_bundle: ["尚无离线数据：联网时会自动下载", "No offline data yet: it downloads while online"],
  device_none: ["本机尚未登记为核销设备，离线时不能核销。", "This device is not registered: it cannot redeem offline."],
  device_register: ["登记本设备", "Register this device"],
  device_ok: ["本机已登记：{name}", "Registered device: {name}"],
  device_failed: ["登记失败：{why}", "Registration failed: {why}"],
  cap_left: ["离线额度：还可核销 {uses} 次 / ¥{value}", "Offline cap: {uses} uses / ¥{value} left"],
  confirm_offline: ["离线确认核销", "Confirm redemption offline"],
  cancel: ["取消", "Cancel"],
  uses_left: ["剩余次数", "Uses left"],
  valid_until: ["有效期至", "Valid until"],
  booked: ["预约时间", "Booked time"],
  customer: ["顾客", "Customer"],
  code: ["券码", "Code"],
  queued: ["✓ 已离线核销", "✓ Redeemed offline"],
  queued_note: ["联网后自动同步", "It syncs when the network is back"],
  refused: ["✕ 未核销", "✕ Not redeemed"],
  pending_row: ["待同步", "pending"],
  voucher: ["券", "Voucher"],
  sync_done: ["同步完成：已入账 {applied} 笔，重复 {duplicate} 笔，冲突 {conflict} 笔，拒绝 {refused} 笔",
              "Synced: {applied} applied, {duplicate} duplicate, {conflict} in conflict, {refused} refused"],
  r_applied: ["已入账", "applied"],
  r_duplicate: ["重复上传，未重复计", "duplicate, counted once"],
  r_conflict: ["冲突：已交商家处理", "conflict: sent to the merchant"],
  r_refused: ["被拒绝", "refused"],
  // Refusals: why the counter will not redeem offline.
  bad_signature: ["券码签名无效：可能被篡改，请联网核验。", "The QR signature does not verify: it may be forged. Check online."],
  unknown_key: ["无法识别此券的签名密钥，请联网核验。", "This QR was signed with a key this device does not know. Check online."],
  wrong_merchant: ["这不是本商户的券。", "This voucher is not for this merchant."],
  wrong_store: ["此券不能在本门店使用。", "This voucher cannot be used at this store."],
  not_yet_valid: ["此券尚未到可用时间。", "This voucher cannot be used yet."],
  expired: ["此券已过期。", "This voucher has expired."],
  slot_not_today: ["此券预约的是其他时间，不是现在。", "This voucher is booked for another time, not now."],
  refunded: ["此券已退款。", "This voucher was refunded."],
  fully_used: ["此券已用完。", "This voucher has no uses left."],
  used_offline: ["此券的次数已在本机离线核销完，待同步。", "This voucher's uses were already redeemed offline on this device (pending sync)."],
  revoked: ["此券已失效（{why}）。", "This voucher is no longer valid ({why})."],
  not_in_bundle: ["离线时只能核销今日预约或离线名单中的券码；请扫描二维码或联网后再试。",
                  "Offline, a typed code is accepted only for today's bookings or the offline list; scan the QR or try again online."],
  invalid_code: ["这不是券码，请检查是否输错。", "This is not a voucher code. Check for a typo."],
  cap_uses: ["已达本设备离线核销次数上限（{cap} 次），请联网后再核销。", "This device reached its offline cap of {cap} uses: redeem again once online."],
  cap_value: ["已达本设备离线核销金额上限（¥{cap}），请联网后再核销。", "This device reached its offline cap of ¥{cap}: redeem again once online."],
  no_device: ["本机未登记为核销设备，离线时不能核销。请联网后登记。", "This device is not registered, so it cannot redeem offline. Register it while online."],
  no_offline_data: ["本机没有离线数据，离线时不能核销。", "This device has no offline data, so it cannot redeem offline."],
  stale_bundle: ["离线数据已过期（超过 {hours} 小时），请联网更新。", "The offline data is older than {hours} hours: go online to refresh it."],
  other_store_device: ["本机登记在另一家门店，离线时不能在这里核销；待同步清空后可重新登记。",
                       "This device is registered at another store: it cannot redeem offline here. Register it again once nothing is pending."],
  device_revoked: ["本设备已被停用，离线核销不再有效。", "This device was revoked: offline redemptions are refused."],
};

const ZH = (document.documentElement.lang || "zh-hans").toLowerCase().startsWith("zh");

/** The words for `key` with {placeholders} filled in. */
export function t(key, params = {}) {
  const pair = WORDS[key];
  let text = pair ? pair[ZH ? 0 : 1] : key;
  for (const [k, v] of Object.entries(params)) text = text.replaceAll(`{${k}}`, String(v));
  return text;
}

export const hasWords = (key) => key in WORDS;
