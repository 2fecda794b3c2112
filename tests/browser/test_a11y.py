"""Accessible markup on the sign-in and operator pages, checked in a real browser: every
visible form control has a label, one h1 per page, images carry alt text, and the Tab key
reaches the page's main submit button."""

from __future__ import annotations

import pytest

from o2o.merchants import services as merchants
from o2o.payments.providers import use_gateway
from tests import factories
from tests.browser.conftest import login, shot
from tests.payments.test_held_payments import _held_by_notification
from tests.shipping.helpers import gateway  # noqa: F401
from tests.web.test_ops import _disputed, _run_with_difference

pytestmark = pytest.mark.django_db(transaction=True)

# Visible inputs/selects/textareas without a label (a <label for>, a wrapping label,
# aria-label or aria-labelledby).
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !el.getAttribute('aria-labelledby'))
  .map(el => el.outerHTML)"""
NO_ALT = """() => [...document.querySelectorAll('img')].filter(i => !i.hasAttribute('alt')).map(i => i.outerHTML)"""
H1S = "() => document.querySelectorAll('h1').length"


def _check_markup(page, path: str) -> None:
    page.goto(path)
    assert page.evaluate(UNLABELLED) == [], path
    assert page.evaluate(H1S) == 1, path
    assert page.evaluate(NO_ALT) == [], path
    assert page.locator("html").get_attribute("lang") in ("zh-hans", "en")


def _tab_reaches(page, selector: str, limit: int = 60) -> int:
    """Press Tab from the first focusable element until `selector` has the focus; the number of presses."""
    target = page.locator(selector)
    assert target.count() == 1, selector
    page.locator("body > a.sr-only").first.focus()  # the skip link: the first stop of the page
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return presses
    raise AssertionError(f"Tab never reached {selector}")


def test_login_page(phone):
    _check_markup(phone, "/login/")
    presses = _tab_reaches(phone, "main .card > form button[type=submit]")  # the password form
    assert phone.evaluate("() => document.activeElement.textContent.trim()") == "登录"
    assert presses >= 3
    # Inside the form the order is username, password, then the button.
    phone.locator("#id_username").focus()
    phone.keyboard.press("Tab")
    assert phone.evaluate("() => document.activeElement.id") == "id_password"
    phone.keyboard.press("Tab")
    assert phone.evaluate("() => document.activeElement.type") == "submit"


def test_operator_pages(desk, gateway):  # noqa: F811
    use_gateway(None)  # the held payment arrives through the signed notification of the real provider
    held = _held_by_notification()
    use_gateway(gateway)
    pending = merchants.apply_merchant(factories.user(), "无障碍花店", business_type="鲜花")
    factories.store(pending)
    ret = _disputed(gateway)
    diff = _run_with_difference()
    operator = factories.operator()
    operator.set_password(factories.PASSWORD)
    operator.save()
    login(desk, operator.username, factories.PASSWORD)

    pages = {
        "/ops/": None,
        "/ops/merchants/": None,
        f"/ops/merchants/{pending.public_id}/": ".ops-approve button[type=submit]",
        "/ops/disputes/": None,
        f"/ops/disputes/{ret.public_id}/": "main form[action$='/arbitrate/'] button[type=submit]",
        "/ops/reconciliation/": "main form[action$='/reconciliation/run/'] button[type=submit]",
        f"/ops/reconciliation/{diff.run.public_id}/": f"form[action$='/{diff.public_id}/resolve/'] button",
        "/ops/held/": f"form[action$='/{held.public_id}/refund/'] button",
        "/ops/ledger/": "main form[action$='/ops/ledger/'] button[type=submit]",
    }
    for path, submit in pages.items():
        _check_markup(desk, path)
        if submit:
            _tab_reaches(desk, submit)
    # The dispute page shows the customer's photo with alt text.
    desk.goto(f"/ops/disputes/{ret.public_id}/")
    assert desk.locator(".ops-photos img").get_attribute("alt")
    # The radio choices of the decision are labelled and keyboard operable.
    desk.get_by_label("同意：退款给顾客").check()
    assert desk.get_by_label("同意：退款给顾客").is_checked()
    desk.evaluate("window.scrollTo(0, 0)")
    shot(desk, "ops-dispute")
    desk.goto(f"/ops/reconciliation/{diff.run.public_id}/")
    shot(desk, "ops-reconciliation")
