"""Demo key material for the sandbox gateway, generated on first use.

Two RSA-2048 key pairs (the merchant's API key and the platform's signing key), an
APIv3 key and the identifiers that go with them, written once into
`<O2O_DATA_DIR>/wechatpay-demo/` and never committed. Both sides read the same folder:
the platform signs requests with the merchant key and verifies with the platform
public key; the sandbox does the reverse.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings


@dataclass(frozen=True)
class DemoKeys:
    folder: Path
    mchid: str
    appid: str
    cert_serial_no: str
    apiv3_key: str
    public_key_id: str
    merchant_private_pem: str
    merchant_public_pem: str
    platform_private_pem: str
    platform_public_pem: str


def _pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def _generate(folder: Path) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".wechatpay-demo-", dir=folder.parent))
    try:
        for name in ("merchant", "platform"):
            private, public = _pair()
            (tmp / f"{name}_private.pem").write_text(private)
            (tmp / f"{name}_public.pem").write_text(public)
            (tmp / f"{name}_private.pem").chmod(0o600)
        meta = {
            "mchid": "1900" + "".join(secrets.choice("0123456789") for _ in range(6)),
            "appid": "wxsandbox" + secrets.token_hex(4),
            "cert_serial_no": secrets.token_hex(20).upper(),
            "apiv3_key": secrets.token_urlsafe(24)[:32],
            "public_key_id": "PUB_KEY_ID_" + secrets.token_hex(16).upper(),
        }
        (tmp / "settings.json").write_text(json.dumps(meta, indent=2))
        # An atomic rename: when several processes start at once, one folder wins and
        # every process reads that one.
        with contextlib.suppress(OSError):
            os.rename(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def demo_folder() -> Path:
    return Path(settings.PAYMENTS["DEMO_KEY_DIR"])


@lru_cache(maxsize=4)
def _load(folder: Path) -> DemoKeys:
    if not (folder / "settings.json").exists():
        _generate(folder)
    meta = json.loads((folder / "settings.json").read_text())
    read = lambda name: (folder / name).read_text()  # noqa: E731
    return DemoKeys(folder=folder, merchant_private_pem=read("merchant_private.pem"),
                    merchant_public_pem=read("merchant_public.pem"),
                    platform_private_pem=read("platform_private.pem"),
                    platform_public_pem=read("platform_public.pem"), **meta)


def demo_keys() -> DemoKeys:
    """The demo key set, generated on first use."""
    return _load(demo_folder())
