"""The login page's phone sign-in: number, then code (shown from the sandbox inbox in the
demo), signed in and sent on to `next`; the number never appears in a URL."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from o2o.identity.models import PhoneIdentity

pytestmark = pytest.mark.django_db


def test_two_steps_sign_in_and_go_on_to_next():
    browser = Client()
    page = browser.get("/login/?next=/orders/")
    assert 'action="/login/phone/"' in page.content.decode()

    sent = browser.post("/login/phone/", {"phone": "138 1234 5678", "next": "/orders/"})
    assert sent.status_code == 302 and "138" not in sent["Location"] and "phone=" not in sent["Location"]
    code_page = browser.get(sent["Location"]).content.decode()
    assert "+86 138****5678" in code_page
    code = re.search(r'id="sandbox-sms"[^>]*>.*?(\d{6})', code_page, re.S).group(1)

    wrong = browser.post(sent["Location"], {"code": f"{(int(code) + 1) % 10**6:06d}", "next": "/orders/"})
    assert wrong.status_code == 422 and 'role="alert"' in wrong.content.decode()
    done = browser.post(sent["Location"], {"code": code, "next": "/orders/"})

    assert done.status_code == 302 and done["Location"] == "/orders/"
    user = PhoneIdentity.objects.get(phone="+8613812345678").user
    assert int(browser.session["_auth_user_id"]) == user.pk


def test_a_bad_number_goes_back_to_the_login_page_with_the_reason():
    browser = Client(headers={"Accept-Language": "en"})
    r = browser.post("/login/phone/", {"phone": "12"}, follow=True)
    assert r.redirect_chain[-1][0].startswith("/login/")
    assert "not a phone number" in r.content.decode()
    assert not PhoneIdentity.objects.exists()


def test_the_code_page_without_a_number_sends_back_to_login():
    r = Client().get("/login/phone/code")
    assert r.status_code == 302 and r["Location"] == "/login/"


def test_the_phone_form_reads_in_chinese():
    page = Client(headers={"Accept-Language": "zh-hans"}).get("/login/").content.decode()
    assert "手机号登录" in page and "获取验证码" in page
