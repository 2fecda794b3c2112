from __future__ import annotations

import pytest

from tests import factories
from tests.browser.conftest import login, shot

pytestmark = pytest.mark.django_db(transaction=True)


def test_customer_logs_in_and_out(phone):
    user = factories.user(username="browser-alice")
    login(phone, user.username, factories.PASSWORD)
    assert phone.locator("header.top").inner_text().count("browser-alice") == 1
    shot(phone, "login")
    phone.get_by_role("button", name="退出").click()
    assert phone.get_by_role("link", name="登录").is_visible()


def test_wrong_password_is_refused_plainly(phone):
    user = factories.user(username="browser-bob")
    login(phone, user.username, "not-the-password")
    assert phone.get_by_role("alert").is_visible()
