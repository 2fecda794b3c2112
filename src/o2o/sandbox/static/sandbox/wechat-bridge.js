/* Sandbox stand-in for WeChat's WeixinJSBridge (only the pay sheet: getBrandWCPayRequest).
   Loaded by the storefront while the payment sandbox is on; it installs itself only when the
   real bridge is missing, and posts the signed parameters to the sandbox gateway
   (data-gateway of this script tag), which checks paySign and the payer as the wallet does. */
(function () {
  "use strict";
  if (window.WeixinJSBridge) { return; }
  var script = document.currentScript;
  var gateway = (script && script.getAttribute("data-gateway")) || "/sandbox/wechatpay";

  function post(path, params) {
    return fetch(gateway + path, {
      method: "POST", credentials: "include", headers: {"Content-Type": "application/json"},
      body: JSON.stringify(params)
    }).then(function (r) { return r.json(); });
  }

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) { e.textContent = text; }
    return e;
  }

  function sheet(info, params, done) {
    var shade = el("div", {id: "wx-sheet", role: "dialog", "aria-modal": "true", "aria-label": "微信支付",
      style: "position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;align-items:flex-end;z-index:9999"});
    var box = el("div", {style: "background:#fff;width:100%;border-radius:12px 12px 0 0;padding:1.2rem;" +
      "font-family:system-ui,sans-serif;text-align:center"});
    box.appendChild(el("p", {style: "color:#888;font-size:.8rem;margin:0"}, "沙箱微信支付 · Sandbox WeChat Pay"));
    box.appendChild(el("p", {style: "margin:.6rem 0 0"}, info.description));
    box.appendChild(el("p", {id: "wx-sheet-amount", style: "font-size:2rem;font-weight:600;margin:.4rem 0 1rem"},
      "¥" + info.amount));
    var pay = el("button", {id: "wx-sheet-pay", type: "button", style: "display:block;width:100%;padding:.8rem;" +
      "font-size:1rem;border:0;border-radius:6px;background:#07c160;color:#fff"}, "确认支付 · Pay");
    var cancel = el("button", {id: "wx-sheet-cancel", type: "button", style: "display:block;width:100%;" +
      "padding:.8rem;margin-top:.5rem;font-size:1rem;border:1px solid #ccc;border-radius:6px;background:#f6f6f6;color:#222"},
      "取消 · Cancel");
    box.appendChild(pay);
    box.appendChild(cancel);
    shade.appendChild(box);
    document.body.appendChild(shade);
    pay.focus();
    function close(result) { shade.remove(); done(result); }
    cancel.addEventListener("click", function () { close({err_msg: "get_brand_wcpay_request:cancel"}); });
    pay.addEventListener("click", function () {
      pay.disabled = true;
      post("/jsapi/pay", params).then(close, function () {
        close({err_msg: "get_brand_wcpay_request:fail", err_desc: "network"});
      });
    });
  }

  window.WeixinJSBridge = {
    sandbox: true,
    invoke: function (api, params, callback) {
      callback = callback || function () {};
      if (api !== "getBrandWCPayRequest") {
        callback({err_msg: api + ":fail", err_desc: "the sandbox bridge plays the pay sheet only"});
        return;
      }
      post("/jsapi/sheet", params).then(function (info) {
        if (info.err_msg !== "get_brand_wcpay_request:ok") { callback(info); return; }
        sheet(info, params, callback);
      }, function () { callback({err_msg: "get_brand_wcpay_request:fail", err_desc: "network"}); });
    }
  };
  document.dispatchEvent(new Event("WeixinJSBridgeReady"));
})();
