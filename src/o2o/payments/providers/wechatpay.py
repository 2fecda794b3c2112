"""WeChat Pay API v3 through the maintained `wechatpayv3` SDK.

The SDK holds the gateway's base URL in `WeChatPay._core._gate_way` (fixed to
https://api.mch.weixin.qq.com in its constructor); `WeChatPayV3Provider` sets it from
WECHATPAY_GATEWAY_URL after construction, which is all it takes to point the real SDK
at the sandbox. The SDK signs the path without the base URL, so a sandbox mounted
under a prefix (/sandbox/wechatpay) verifies the path that follows the prefix.

Platform key, two modes: public-key mode (WECHATPAY_PUBLIC_KEY_PATH and
WECHATPAY_PUBLIC_KEY_ID; what the sandbox uses) needs no network at start-up;
certificate mode (WECHATPAY_CERT_DIR) lets the SDK download platform certificates from
the gateway it was constructed with, so use it only against the real gateway or with
the certificates already in the folder.

Sandbox in the same server: when WECHATPAY_GATEWAY_URL is PUBLIC_URL/sandbox/wechatpay,
the client's calls are dispatched in-process (providers/inprocess.py), so a payment never
waits for a free request thread of its own server. Any other gateway is called over HTTP
with a connect timeout of at most 3 s and a read timeout of WECHATPAY_TIMEOUT_SECONDS; a
call that cannot connect or times out raises GatewayError("NETWORK").
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from wechatpayv3 import WeChatPay, WeChatPayType
from wechatpayv3.utils import aes_decrypt

from o2o.core import clock
from o2o.payments.keys import demo_keys
from o2o.payments.providers.base import (
    Bill,
    GatewayError,
    Notification,
    NotificationRejected,
    PrepayRequest,
    PrepayResult,
    RefundRequest,
)
from o2o.payments.providers.inprocess import route_in_process

SHANGHAI = ZoneInfo("Asia/Shanghai")
REAL_GATEWAY = "https://api.mch.weixin.qq.com"
_PAY_TYPES = {"jsapi": WeChatPayType.JSAPI, "native": WeChatPayType.NATIVE, "h5": WeChatPayType.H5}


@dataclass(frozen=True)
class WeChatPayConfig:
    mchid: str
    appid: str
    cert_serial_no: str
    private_key_pem: str
    apiv3_key: str
    notify_url: str
    gateway_url: str = REAL_GATEWAY
    public_key_pem: str = ""
    public_key_id: str = ""
    cert_dir: str = ""
    timeout_seconds: int = 5
    notify_tolerance_seconds: int = 300
    sandbox: bool = False
    in_process: bool = False  # the gateway is the sandbox mounted in this server


def own_sandbox_url() -> str:
    """Where this server mounts the sandbox gateway."""
    return f"{settings.PUBLIC_URL}/sandbox/wechatpay"


def config_from_settings() -> WeChatPayConfig:
    conf = settings.PAYMENTS
    w = conf["WECHATPAY"]
    read = lambda path: Path(path).read_text() if path else ""  # noqa: E731
    gateway_url = (w["GATEWAY_URL"] or REAL_GATEWAY).rstrip("/")
    common = {"notify_url": w["NOTIFY_URL"], "gateway_url": gateway_url,
              "timeout_seconds": w["TIMEOUT_SECONDS"], "sandbox": conf["SANDBOX"],
              "notify_tolerance_seconds": conf["NOTIFY_TOLERANCE_SECONDS"],
              "in_process": conf["SANDBOX"] and gateway_url == own_sandbox_url()}
    if conf["SANDBOX"] and not w["MCHID"]:
        k = demo_keys()
        return WeChatPayConfig(mchid=k.mchid, appid=k.appid, cert_serial_no=k.cert_serial_no,
                               private_key_pem=k.merchant_private_pem, apiv3_key=k.apiv3_key,
                               public_key_pem=k.platform_public_pem, public_key_id=k.public_key_id,
                               **common)
    return WeChatPayConfig(mchid=w["MCHID"], appid=w["APPID"], cert_serial_no=w["CERT_SERIAL_NO"],
                           private_key_pem=read(w["PRIVATE_KEY_PATH"]), apiv3_key=w["APIV3_KEY"],
                           public_key_pem=read(w["PUBLIC_KEY_PATH"]), public_key_id=w["PUBLIC_KEY_ID"],
                           cert_dir=w["CERT_DIR"], **common)


def provider_from_settings() -> WeChatPayV3Provider:
    return _cached(config_from_settings())


@lru_cache(maxsize=8)
def _cached(config: WeChatPayConfig) -> WeChatPayV3Provider:
    return WeChatPayV3Provider(config)


def rfc3339(moment: dt.datetime) -> str:
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


class WeChatPayV3Provider:
    name = "wechatpay"

    def __init__(self, config: WeChatPayConfig) -> None:
        self.config = config
        self.client = WeChatPay(
            wechatpay_type=WeChatPayType.NATIVE, mchid=config.mchid,
            private_key=config.private_key_pem, cert_serial_no=config.cert_serial_no,
            appid=config.appid, apiv3_key=config.apiv3_key, notify_url=config.notify_url,
            cert_dir=config.cert_dir or None,
            timeout=(min(3, config.timeout_seconds), config.timeout_seconds),
            public_key=config.public_key_pem or None, public_key_id=config.public_key_id or None,
        )
        # The SDK has no base-URL parameter; every request goes to _core._gate_way + path.
        self.client._core._gate_way = config.gateway_url
        if config.in_process:
            route_in_process(self.client._core, config.gateway_url)

    # --- calls -------------------------------------------------------------------

    def _call(self, fn, *args, ok=(200,), **kwargs) -> tuple[int, Any]:
        try:
            status, body = fn(*args, **kwargs)
        except GatewayError:
            raise
        except requests.RequestException as exc:  # unreachable, too slow, or cut off
            raise GatewayError("NETWORK", str(exc)[:300]) from exc
        except Exception as exc:  # other requests errors, and the SDK's failed signature check
            text = str(exc)
            code = "BAD_SIGNATURE" if "signature" in text else "BAD_RESPONSE"
            raise GatewayError(code, text[:300]) from exc
        if status not in ok:
            try:
                err = json.loads(body)
                raise GatewayError(str(err.get("code", "ERROR")), str(err.get("message", "")), status=status)
            except (ValueError, TypeError, AttributeError):
                raise GatewayError("BAD_RESPONSE", f"HTTP {status}", status=status) from None
        if isinstance(body, str) and body:
            try:
                return status, json.loads(body)
            except ValueError as exc:
                raise GatewayError("BAD_RESPONSE", "the gateway answered with invalid JSON") from exc
        return status, body

    def create_prepay(self, request: PrepayRequest) -> PrepayResult:
        pay_type = _PAY_TYPES.get(request.channel)
        if pay_type is None:
            raise GatewayError("PARAM_ERROR", f"unknown channel {request.channel!r}")
        kwargs: dict[str, Any] = {
            "description": request.description, "out_trade_no": request.out_trade_no,
            "amount": {"total": request.amount_fen, "currency": request.currency},
            "time_expire": rfc3339(request.time_expire), "pay_type": pay_type,
        }
        if request.attach:
            kwargs["attach"] = request.attach
        if request.channel == "jsapi":
            kwargs["payer"] = {"openid": request.payer_openid}
        if request.channel == "h5":
            kwargs["scene_info"] = {"payer_client_ip": request.client_ip or "127.0.0.1",
                                    "h5_info": {"type": "Wap"}}
        _, data = self._call(self.client.pay, **kwargs)
        if request.channel == "jsapi":
            return PrepayResult(prepay_id=data["prepay_id"], invoke=self.jsapi_invoke(data["prepay_id"]))
        if request.channel == "native":
            return PrepayResult(code_url=data["code_url"])
        return PrepayResult(h5_url=data["h5_url"])

    def jsapi_invoke(self, prepay_id: str) -> dict[str, str]:
        """The signed parameters for the wallet's requestPayment (wx.requestPayment)."""
        timestamp, nonce, package = str(int(time.time())), secrets.token_hex(16), f"prepay_id={prepay_id}"
        sign = self.client.sign([self.config.appid, timestamp, nonce, package])
        return {"appId": self.config.appid, "timeStamp": timestamp, "nonceStr": nonce,
                "package": package, "signType": "RSA", "paySign": sign}

    def query(self, out_trade_no: str) -> dict[str, Any]:
        return self._call(self.client.query, out_trade_no=out_trade_no)[1]

    def close(self, out_trade_no: str) -> None:
        self._call(self.client.close, out_trade_no=out_trade_no, ok=(200, 204))

    def refund(self, request: RefundRequest) -> dict[str, Any]:
        return self._call(
            self.client.refund, out_refund_no=request.out_refund_no, out_trade_no=request.out_trade_no,
            amount={"refund": request.amount_fen, "total": request.total_fen, "currency": request.currency},
            reason=request.reason or None,
        )[1]

    def query_refund(self, out_refund_no: str) -> dict[str, Any]:
        return self._call(self.client.query_refund, out_refund_no=out_refund_no)[1]

    def trade_bill(self, bill_date: dt.date, bill_type: str = "ALL") -> Bill:
        _, info = self._call(self.client.trade_bill, bill_date=bill_date.isoformat(),
                             bill_type=bill_type, tar_type="GZIP")
        _, content = self._call(self.client.download_bill, info["download_url"])
        if isinstance(content, str):
            content = content.encode()
        if content[:2] == b"\x1f\x8b":
            content = gzip.decompress(content)
        if info.get("hash_type") == "SHA1" and hashlib.sha1(content).hexdigest() != info.get("hash_value"):  # noqa: S324 - the gateway's choice
            raise GatewayError("BILL_HASH_MISMATCH", "the downloaded bill does not match its hash")
        return Bill(content=content, hash_type=info.get("hash_type", ""), hash_value=info.get("hash_value", ""))

    # --- notifications -----------------------------------------------------------

    def parse_and_verify_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        h = {k.lower(): v for k, v in headers.items()}
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        stamp = h.get("wechatpay-timestamp", "")
        if not stamp.isdigit():
            raise NotificationRejected("missing_signature", "Wechatpay-Timestamp is missing")
        age = abs(clock.now().timestamp() - int(stamp))
        if age >= self.config.notify_tolerance_seconds:
            raise NotificationRejected("stale_timestamp", f"the timestamp is {int(age)} s away from now")
        signed = {"Wechatpay-Signature": h.get("wechatpay-signature", ""),
                  "Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": h.get("wechatpay-nonce", ""),
                  "Wechatpay-Serial": h.get("wechatpay-serial", ""),
                  "Wechatpay-Signature-Type": h.get("wechatpay-signature-type",
                                                    "WECHATPAY2-SHA256-RSA2048")}
        try:
            # The SDK's own check: the platform public key (or certificate) named by the
            # serial, over TIMESTAMP\nNONCE\nRAW_BODY\n.
            good = self.client._core._verify_signature(signed, text)
        except Exception as exc:
            raise NotificationRejected("bad_signature", str(exc)[:200]) from exc
        if not good:
            raise NotificationRejected("bad_signature", "the signature does not verify")
        try:
            data = json.loads(text)
            resource = data["resource"]
            if data.get("resource_type") != "encrypt-resource" or resource.get("algorithm") != "AEAD_AES_256_GCM":
                raise NotificationRejected("unsupported", "not an AEAD_AES_256_GCM resource")
            plain = aes_decrypt(nonce=resource["nonce"], ciphertext=resource["ciphertext"],
                                associated_data=resource.get("associated_data") or "",
                                apiv3_key=self.config.apiv3_key)
        except NotificationRejected:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise NotificationRejected("malformed", "the notification is not well formed") from exc
        if plain is None:
            raise NotificationRejected("decrypt_failed", "the resource does not decrypt under the APIv3 key")
        try:
            decrypted = json.loads(plain)
        except ValueError as exc:
            raise NotificationRejected("malformed", "the decrypted resource is not JSON") from exc
        return Notification(id=str(data.get("id", "")), event_type=str(data.get("event_type", "")),
                            create_time=str(data.get("create_time", "")), resource=decrypted, raw=data)
