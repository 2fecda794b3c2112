"""Phone sign-in in the browser, on a phone, in Chinese: the number on the login page,
then the code the sandbox SMS inbox shows, and the storefront greets the new account."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from o2o.identity.models import PhoneIdentity
from tests.browser.conftest import shot

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_in_with_a_phone_code(phone, settings):
    settings.O2O_SMS = {"PROVIDER": "sandbox"}
    cache.clear()
    phone.goto("/login/")
    phone.fill("#id_phone", "138 1234 5678")
    phone.click("#phone-send")
    phone.wait_for_url(re.compile(r"/login/phone/code"))
    assert "13812345678" not in phone.url and "+86 138****5678" in phone.content()
    message = phone.locator("#sandbox-sms").inner_text()
    code = re.search(r"(\d{6})", message).group(1)
    shot(phone, "phone-signin-code")
    phone.fill("#id_code", code)
    phone.click("#phone-verify")
    phone.wait_for_load_state()
    assert "/login" not in phone.url
    assert phone.locator("header").get_by_text("+86 138****5678").count() == 1  # signed in, masked name
    assert PhoneIdentity.objects.filter(phone="+8613812345678").exists()
