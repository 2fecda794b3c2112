"""The sandbox's stand-in for the WeChat pay sheet (JSAPI): what the wallet does with the
parameters of `WeixinJSBridge.invoke('getBrandWCPayRequest', ...)`.

The storefront loads static/sandbox/wechat-bridge.js when the payment sandbox is on and
the real WeixinJSBridge is missing; the shim posts the parameters here. As the wallet
does, the sandbox checks paySign (RSA-SHA256 over appId, timeStamp, nonceStr, package,
each followed by a newline) with the merchant's public key, that appId is the prepay's,
and that the WeChat user of this browser (sandbox.oauth_views.device_user) is the payer
whose OpenID the prepay carries. /jsapi/sheet shows what is paid; /jsapi/pay pays
(sandbox.services.pay, which owes the TRANSACTION.SUCCESS notification).

Answers {"err_msg": "get_brand_wcpay_request:ok"} or {"err_msg":
"get_brand_wcpay_request:fail", "err_desc": ...}. Writes through sandbox.services.
"""

from __future__ import annotations

import base64
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from o2o.sandbox import oauth, services
from o2o.sandbox.models import SandboxTransaction, TradeState
from o2o.sandbox.oauth_views import device_user
from o2o.sandbox.protocol import ProtocolError

FIELDS = ("appId", "timeStamp", "nonceStr", "package", "signType", "paySign")


class SheetRefused(Exception):
    pass


def _verified(request: HttpRequest) -> SandboxTransaction:
    try:
        params = json.loads(request.body or b"{}")
    except ValueError:
        raise SheetRefused("参数错误 / the parameters are not JSON") from None
    if not isinstance(params, dict) or any(not isinstance(params.get(f), str) for f in FIELDS):
        raise SheetRefused("缺少参数 / appId, timeStamp, nonceStr, package, signType and paySign are required")
    if params["signType"] != "RSA" or not params["package"].startswith("prepay_id="):
        raise SheetRefused("参数错误 / signType must be RSA and package prepay_id=...")
    txn = (SandboxTransaction.objects.select_related("merchant")
           .filter(prepay_id=params["package"][len("prepay_id="):], trade_type="JSAPI").first())
    if txn is None:
        raise SheetRefused("订单不存在 / no such JSAPI prepay")
    if params["appId"] != txn.appid:
        raise SheetRefused("appId 与下单时不一致 / appId is not the prepay's")
    message = "".join(params[f] + "\n" for f in ("appId", "timeStamp", "nonceStr", "package")).encode()
    try:
        key = serialization.load_pem_public_key(txn.merchant.public_key_pem.encode())
        key.verify(base64.b64decode(params["paySign"]), message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError) as exc:
        raise SheetRefused("支付验证签名失败 / paySign does not verify") from exc
    who = device_user(request)
    if who and oauth.openid(who, txn.appid) != txn.payer_openid:
        raise SheetRefused("当前微信用户不是下单用户 / this WeChat user is not the payer of this order")
    return txn


def _answer(ok: bool, desc: str = "", **extra) -> JsonResponse:
    body = {"err_msg": "get_brand_wcpay_request:" + ("ok" if ok else "fail"), **extra}
    if desc:
        body["err_desc"] = desc
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_POST
def sheet(request: HttpRequest) -> JsonResponse:
    """What the pay sheet shows, once the parameters check out."""
    try:
        txn = _verified(request)
    except SheetRefused as exc:
        return _answer(False, str(exc))
    return _answer(True, description=txn.description, amount=services._yuan(txn.amount_fen),
                   mchid=txn.merchant.mchid, paid=txn.trade_state != TradeState.NOTPAY)


@csrf_exempt
@require_POST
def pay(request: HttpRequest) -> JsonResponse:
    try:
        txn = _verified(request)
        services.pay(txn.prepay_id, openid=txn.payer_openid)
    except SheetRefused as exc:
        return _answer(False, str(exc))
    except ProtocolError as exc:
        return _answer(False, exc.message)
    return _answer(True)
