"""Staff invitation in the browser: the owner invites on the console's staff page and
sees the link once; a customer signed in on their phone opens it, confirms, lands on
the counter, and still has their own orders; the owner's list shows who accepted."""

from __future__ import annotations

import pytest

from o2o.accounts.models import Role, User
from o2o.merchants.models import StaffMember
from tests import factories
from tests.browser.conftest import login, shot

pytestmark = pytest.mark.django_db(transaction=True)


def test_owner_invites_and_a_customer_accepts_on_the_phone(desk, phone):
    merchant = factories.merchant("Lin's Noodles")
    store = factories.store(merchant, name="Nanshan counter")
    factories.user(username="mei")

    login(desk, merchant.owner.username, factories.PASSWORD)
    desk.goto("/console/staff/")
    invite = desk.locator("form[action$='/console/staff/invite/']")
    invite.locator("#inv-label").fill("Mei, weekends")
    invite.locator(f"input[name=stores][value={store.public_id}]").check()
    invite.locator("button[type=submit]").click()
    desk.wait_for_load_state()
    link = desk.locator("#inv-url").input_value()
    assert "/join/?code=" in link
    shot(desk, "console-staff-invitation")
    desk.reload()
    assert desk.locator("#inv-url").count() == 0  # shown once

    login(phone, "mei", factories.PASSWORD)
    phone.goto(link)
    assert "Lin's Noodles" in phone.locator("main").inner_text()
    shot(phone, "staff-join")
    phone.locator("form[action='/join/'] button[type=submit]").click()
    phone.wait_for_url("**/counter/")
    assert StaffMember.objects.get(user__username="mei").merchant_id == merchant.pk
    assert User.objects.get(username="mei").role == Role.CUSTOMER
    phone.goto("/orders/")
    assert phone.url.endswith("/orders/")

    desk.reload()
    assert "mei" in desk.locator("table").nth(1).inner_text()
