"""Where the server is reached: O2O_PUBLIC_URL (exported by `o2o serve` from its host and
port) decides the payment gateway, payment notification and carrier webhook URLs unless
they are set; DEBUG off with the sandbox on is a loud system check warning."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import checks

from o2o.cli import public_url
from o2o.payments.checks import sandbox_gateway_check

ROOT = Path(__file__).resolve().parents[2]
PRINT = ("import django, json; django.setup(); from django.conf import settings; "
         "from o2o.shipping import conf; w = settings.PAYMENTS['WECHATPAY']; "
         "print(json.dumps([settings.PUBLIC_URL, w['GATEWAY_URL'], w['NOTIFY_URL'], "
         "w['TIMEOUT_SECONDS'], conf.sandbox_webhook_url()]))")


def _settings_with(tmp_path, **env: str) -> list:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("WECHATPAY_", "O2O_PUBLIC_URL", "O2O_PAY_", "O2O_SANDBOX_CARRIER"))}
    clean.update(O2O_DATA_DIR=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
                 DJANGO_SETTINGS_MODULE="o2o.settings", **env)
    done = subprocess.run([sys.executable, "-c", PRINT], cwd=ROOT, env=clean, capture_output=True,  # noqa: S603
                          text=True, timeout=60, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_urls_follow_the_public_url(tmp_path):
    base = "http://127.0.0.1:8200"
    assert _settings_with(tmp_path, O2O_PUBLIC_URL=base + "/") == [
        base, f"{base}/sandbox/wechatpay", f"{base}/payments/wechatpay/notify", 5,
        f"{base}/api/v1/shipping/carriers/sandbox/webhook"]


def test_explicit_urls_win_and_the_sandbox_off_means_the_real_gateway(tmp_path):
    got = _settings_with(tmp_path, O2O_PUBLIC_URL="https://shop.example.com", O2O_PAY_SANDBOX="0",
                         WECHATPAY_NOTIFY_URL="https://pay.example.com/notify", WECHATPAY_TIMEOUT_SECONDS="3")
    assert got[1:4] == ["https://api.mch.weixin.qq.com", "https://pay.example.com/notify", 3]


@pytest.mark.parametrize(("host", "url"), [
    ("127.0.0.1", "http://127.0.0.1:8200"), ("0.0.0.0", "http://127.0.0.1:8200"),  # noqa: S104
    ("::", "http://[::1]:8200"), ("shop.local", "http://shop.local:8200")])
def test_serve_derives_the_public_url_from_its_listener(host, url):
    assert public_url(host, 8200) == url


def test_debug_off_with_the_sandbox_on_warns(settings):
    settings.DEBUG = False
    settings.PAYMENTS = {**settings.PAYMENTS, "SANDBOX": True}
    (warning,) = sandbox_gateway_check()
    assert warning.id == "payments.W001" and warning.level == checks.WARNING
    assert "O2O_PAY_SANDBOX=0" in warning.msg
    assert any(w.id == "payments.W001" for w in checks.run_checks())
    settings.DEBUG = True
    assert sandbox_gateway_check() == []
    settings.DEBUG = False
    settings.PAYMENTS = {**settings.PAYMENTS, "SANDBOX": False}
    assert sandbox_gateway_check() == []
