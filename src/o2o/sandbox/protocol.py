"""The v3 wire protocol, gateway side: check the caller's Authorization signature,
sign responses and notifications with the platform key, encrypt notification resources."""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse

from o2o.core import clock
from o2o.payments.keys import demo_keys
from o2o.sandbox.models import SandboxMerchant

SCHEME = "WECHATPAY2-SHA256-RSA2048"
_AUTH_RE = re.compile(r'(\w+)="([^"]*)"')
TOLERANCE_SECONDS = 300


class ProtocolError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@lru_cache(maxsize=4)
def _load_private(pem: str):
    return serialization.load_pem_private_key(pem.encode(), password=None)


@lru_cache(maxsize=64)
def _load_public(pem: str):
    return serialization.load_pem_public_key(pem.encode())


def platform_key_id() -> str:
    return demo_keys().public_key_id


def sign(message: str) -> str:
    key = _load_private(demo_keys().platform_private_pem)
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def signature_headers(body: str, *, timestamp: int | None = None, nonce: str | None = None) -> dict[str, str]:
    """Wechatpay-* headers over TIMESTAMP\\nNONCE\\nBODY\\n."""
    ts = str(int(clock.now().timestamp()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_hex(16).upper()
    return {"Wechatpay-Timestamp": ts, "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": sign(f"{ts}\n{nonce}\n{body}\n"),
            "Wechatpay-Serial": platform_key_id(), "Wechatpay-Signature-Type": SCHEME,
            "Request-ID": secrets.token_hex(16)}


def respond(status: int, data: dict[str, Any] | None = None) -> HttpResponse:
    body = "" if data is None else json.dumps(data, ensure_ascii=False)
    response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    for name, value in signature_headers(body).items():
        response[name] = value
    return response


def error(status: int, code: str, message: str) -> HttpResponse:
    return respond(status, {"code": code, "message": message})


def encrypt_resource(apiv3_key: str, plain: dict[str, Any], original_type: str,
                     associated_data: str) -> dict[str, str]:
    nonce = secrets.token_urlsafe(9)[:12]
    data = json.dumps(plain, ensure_ascii=False).encode()
    ciphertext = AESGCM(apiv3_key.encode()).encrypt(nonce.encode(), data, associated_data.encode())
    return {"original_type": original_type, "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": base64.b64encode(ciphertext).decode(), "associated_data": associated_data,
            "nonce": nonce}


def merchant(mchid: str) -> SandboxMerchant | None:
    """A registered merchant; the demo merchant registers itself on first use."""
    found = SandboxMerchant.objects.filter(mchid=mchid).first()
    if found is not None:
        return found
    keys = demo_keys()
    if mchid != keys.mchid:
        return None
    try:
        return SandboxMerchant.objects.create(
            mchid=keys.mchid, appid=keys.appid, cert_serial_no=keys.cert_serial_no,
            public_key_pem=keys.merchant_public_pem, apiv3_key=keys.apiv3_key, created_at=clock.now())
    except IntegrityError:
        return SandboxMerchant.objects.filter(mchid=mchid).first()


def signed_path(request: HttpRequest) -> str:
    """The path the client signed: the v3 path and query, without our mount prefix."""
    full = request.get_full_path()
    at = full.find("/v3/")
    return full[at:] if at >= 0 else full


def authenticate(request: HttpRequest) -> SandboxMerchant:
    """The merchant whose WECHATPAY2-SHA256-RSA2048 signature this request carries."""
    header = request.headers.get("Authorization", "")
    if not header.startswith(SCHEME + " "):
        raise ProtocolError(401, "SIGN_ERROR", "Authorization is missing or not WECHATPAY2-SHA256-RSA2048")
    fields = dict(_AUTH_RE.findall(header[len(SCHEME) + 1:]))
    missing = {"mchid", "nonce_str", "timestamp", "serial_no", "signature"} - fields.keys()
    if missing:
        raise ProtocolError(401, "SIGN_ERROR", f"Authorization lacks {', '.join(sorted(missing))}")
    found = merchant(fields["mchid"])
    if found is None:
        raise ProtocolError(401, "SIGN_ERROR", "unknown mchid")
    if fields["serial_no"] != found.cert_serial_no:
        raise ProtocolError(401, "SIGN_ERROR", "serial_no is not the merchant's certificate serial")
    if not fields["timestamp"].isdigit() or abs(time.time() - int(fields["timestamp"])) >= TOLERANCE_SECONDS:
        raise ProtocolError(401, "SIGN_ERROR", "the timestamp is too far from now")
    body = request.body.decode("utf-8", errors="replace")
    message = f"{request.method}\n{signed_path(request)}\n{fields['timestamp']}\n{fields['nonce_str']}\n{body}\n"
    try:
        _load_public(found.public_key_pem).verify(base64.b64decode(fields["signature"]), message.encode(),
                                                  padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError) as exc:
        raise ProtocolError(401, "SIGN_ERROR", "the signature does not verify") from exc
    return found
