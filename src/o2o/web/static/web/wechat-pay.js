/* JSAPI payment inside WeChat: hand the server-signed parameters to the wallet and go to
   the order page once it says ok (the payment notification settles the order). */
(function () {
  "use strict";
  var box = document.getElementById("wx-pay");
  var params = JSON.parse(document.getElementById("wx-invoke").textContent);
  var retry = document.getElementById("wx-retry");
  // style.display, not the hidden attribute: the site's button and banner rules set display.
  function show(id, on) { document.getElementById(id).style.display = on ? "" : "none"; }
  function pay() {
    show("wx-cancelled", false); show("wx-failed", false); show("wx-retry", false); show("wx-waiting", true);
    window.WeixinJSBridge.invoke("getBrandWCPayRequest", params, function (res) {
      var msg = (res && res.err_msg) || "";
      if (msg === "get_brand_wcpay_request:ok") { window.location.href = box.getAttribute("data-done"); return; }
      show("wx-waiting", false);
      if (msg === "get_brand_wcpay_request:cancel") { show("wx-cancelled", true); }
      else { document.getElementById("wx-failed-why").textContent = res.err_desc || msg; show("wx-failed", true); }
      show("wx-retry", true);
    });
  }
  retry.addEventListener("click", pay);
  if (window.WeixinJSBridge) { pay(); } else { document.addEventListener("WeixinJSBridgeReady", pay, false); }
})();
