"""The redemption screen at the counter: pick the store, look a code up (who and what),
confirm (redeem once, even on a double tap), undo within the reversal window.

Every step calls vouchers.services, as the API does; htmx swaps the result panel, and
plain form posts render the whole page.

The screen is also an installable web app that keeps redeeming offline: its service
worker (served here at /counter/sw.js so that its scope is /counter/) caches the page,
and static/web/counter/offline.js verifies scans against the offline bundle and uploads
them through the counter API (docs/offline-counter.md). These views write nothing for it."""

from __future__ import annotations

import secrets
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from o2o.core import clock
from o2o.core.errors import DomainError
from o2o.core.idempotency import run_once
from o2o.inventory.services import store_zone
from o2o.merchants import selectors as merchant_selectors
from o2o.merchants.models import Store
from o2o.vouchers import selectors, services, signing
from o2o.web.console.access import merchant_page
from o2o.web.console.common import my_stores

SESSION_KEY = "counter_store"
SHELL_HEADER = "X-Counter-Shell"  # read by static/web/counter/sw.js

# Every refusal of lookup/redeem/reverse in plain words for the person at the counter.
REASONS = {
    "wrong_store": _("This voucher cannot be used at this store."),
    "expired": _("This voucher has expired."),
    "fully_used": _("This voucher has no uses left."),
    "refunded": _("This voucher was refunded."),
    "not_yet_valid": _("This voucher cannot be used yet."),
    "slot_not_today": _("This voucher is booked for another time, not now."),
    "unknown_code": _("No voucher has this code. Check it and try again."),
    "invalid_code": _("This is not a voucher code. Check for a typo."),
    "not_your_voucher": _("No voucher has this code. Check it and try again."),
    "invalid_uses": _("That number of uses is not possible for this voucher."),
    "store_not_allowed": _("You may not redeem at this store."),
    "store_not_found": _("Pick your store first."),
    "already_reversed": _("This redemption was already undone."),
    "reversal_window_closed": _("Too late to undo this redemption."),
    "voucher_closed": _("The voucher was refunded or expired since; it cannot be undone."),
    "redemption_not_found": _("No such redemption."),
    "idempotency_key_reused": _("Look the code up again before confirming."),
}


def reason(exc: DomainError) -> str:
    return str(REASONS.get(exc.code, exc.message))


def _stores(request: HttpRequest) -> list[Store]:
    # One query for the user's stores rather than may_act_at() per store.
    return list(my_stores(request).filter(is_active=True))


def _current_store(request: HttpRequest) -> Store | None:
    public_id = request.session.get(SESSION_KEY)
    if not public_id:
        return None
    # Only a store this user may still act at: a binding may have changed since it was picked.
    return (merchant_selectors.staff_stores(request.merchant, request.user)
            .filter(public_id=public_id, is_active=True).first())


def _recent(request: HttpRequest, store: Store):
    today = clock.now().astimezone(store_zone(store)).date()
    rows = list(selectors.merchant_redemptions(request.user, store_public_id=store.public_id, day=today)
                .order_by("-created_at")[:20])
    for r in rows:
        r.who = selectors.customer_name(r.voucher.customer)
    return rows


def _page(request: HttpRequest, store: Store, status: int = 200, **ctx) -> HttpResponse:
    """The result panel alone for htmx, the whole screen otherwise."""
    code = ctx.get("code", "")
    # A scanned QR is a long signed payload: people read "QR", not the text.
    ctx.update(store=store, window=int(services.reversal_window().total_seconds() // 60),
               recent=_recent(request, store), code_label="QR" if signing.looks_signed(code) else code)
    if request.headers.get("HX-Request"):
        return render(request, "web/counter/_result.html", ctx, status=status)
    ctx.update(stores=_stores(request))
    return render(request, "web/counter/index.html", ctx, status=status)


@merchant_page
def index(request: HttpRequest) -> HttpResponse:
    stores = _stores(request)
    store = _current_store(request)
    if store is None and len(stores) == 1:
        store = stores[0]
        request.session[SESSION_KEY] = store.public_id
    if store is None or request.GET.get("pick"):
        return render(request, "web/counter/pick.html", {"stores": stores, "current": store})
    response = _page(request, store)
    # The service worker keeps only this screen as the offline shell (not the store picker).
    response[SHELL_HEADER] = store.public_id
    return response


@merchant_page
@require_POST
def pick(request: HttpRequest) -> HttpResponse:
    wanted = request.POST.get("store", "")
    store = next((s for s in _stores(request) if s.public_id == wanted), None)
    if store is not None:
        request.session[SESSION_KEY] = store.public_id
    return redirect("web:counter")


def _uses(raw) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return 0


@merchant_page
@require_POST
def lookup(request: HttpRequest) -> HttpResponse:
    store = _current_store(request)
    if store is None:
        return redirect("web:counter")
    code = request.POST.get("code", "").strip()
    uses = _uses(request.POST.get("uses", "1")) or 1
    try:
        voucher, _store = services.lookup(request.user, store.public_id, code, uses)
    except DomainError as exc:
        return _page(request, store, refusal=reason(exc), code=code)
    return _page(request, store, voucher=voucher, code=code, uses=uses,
                 customer=selectors.customer_name(voucher.customer),
                 use_choices=range(1, voucher.uses_left + 1), token=secrets.token_urlsafe(16))


@merchant_page
@require_POST
def redeem(request: HttpRequest) -> HttpResponse:
    store = _current_store(request)
    if store is None:
        return redirect("web:counter")
    user = request.user
    data = {"store_id": store.public_id, "code": request.POST.get("code", "").strip(),
            "uses": _uses(request.POST.get("uses"))}

    def work():
        redemption = services.redeem(user, data["store_id"], data["code"], data["uses"])
        return 201, {"redemption": redemption.public_id}

    try:
        # The hidden token makes a double tap (or a resent form) return the first answer.
        _status, body = run_once("web.counter.redeem", user.pk, request.POST.get("token") or None, data, work)
    except DomainError as exc:
        return _page(request, store, refusal=reason(exc), code=data["code"])
    redemption = selectors.merchant_redemption(request.merchant, body["redemption"])
    return _page(request, store, redeemed=redemption,
                 customer=selectors.customer_name(redemption.voucher.customer))


@merchant_page
@require_POST
def undo(request: HttpRequest, redemption_id: str) -> HttpResponse:
    store = _current_store(request)
    if store is None:
        return redirect("web:counter")
    try:
        redemption = services.reverse(request.user, redemption_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        return _page(request, store, refusal=reason(exc))
    return _page(request, store, undone=redemption)


@merchant_page
def recent(request: HttpRequest) -> HttpResponse:
    store = _current_store(request)
    if store is None:
        return redirect("web:counter")
    return render(request, "web/counter/_recent.html", {"store": store, "recent": _recent(request, store)})


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker script from the static files, at a URL whose scope is /counter/.
    Public like any script; always revalidated so a new version installs on the next load."""
    found = finders.find("web/counter/sw.js")
    if not found:
        raise Http404("no service worker")
    response = HttpResponse(Path(found).read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/counter/"
    return response
