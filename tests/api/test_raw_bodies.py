"""Endpoints that read the raw body: a body that is not UTF-8 text, or is too large,
is refused in the answer format the caller expects, never with a 500."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client

from o2o.core import clock
from o2o.payments.models import NotificationLog
from o2o.shipping import carriers

pytestmark = pytest.mark.django_db

NOTIFY = "/payments/wechatpay/notify"
NOT_UTF8 = [b"\xff\xfe\x00{", b'{"id": "\xc3\x28"}', "{}".encode("utf-16")]


def _client() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("body", NOT_UTF8)
def test_a_notification_that_is_not_utf8_is_a_wechat_style_400(body):
    r = _client().post(NOTIFY, body, content_type="application/json",
                       headers={"Wechatpay-Timestamp": str(int(clock.now().timestamp())),
                                "Wechatpay-Nonce": "n", "Wechatpay-Serial": "s",
                                "Wechatpay-Signature": "c2ln"})
    assert r.status_code == 400, r.content
    assert r["Content-Type"].startswith("application/json")
    assert json.loads(r.content) == {"code": "FAIL", "message": "the body is not UTF-8"}
    assert not NotificationLog.objects.filter(outcome="applied").exists()


def test_a_notification_over_the_upload_limit_is_a_wechat_style_413():
    body = b"{" + b" " * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + b"}"
    r = _client().post(NOTIFY, body, content_type="application/json")
    assert r.status_code == 413
    assert json.loads(r.content)["code"] == "FAIL"


@pytest.mark.parametrize("body", NOT_UTF8)
def test_a_signed_carrier_webhook_that_is_not_utf8_is_refused_as_json(body):
    headers = carriers.signed_headers("sandbox", body, int(clock.now().timestamp()))
    r = _client().post("/api/v1/shipping/carriers/sandbox/webhook", body,
                       content_type="application/json", headers=headers)
    assert 400 <= r.status_code < 500, r.content
    assert set(r.json()) == {"error"} and r.json()["error"]["code"]
