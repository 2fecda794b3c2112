"""Redemption at the counter through the API: success, multi-use cards, the order's
state, and one test per refusal code (each leaving the voucher untouched)."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.core import clock
from o2o.core.errors import Conflict
from o2o.core.models import OutboxEvent
from o2o.orders.models import Order
from o2o.vouchers import codes, services
from o2o.vouchers.models import Redemption, Voucher
from tests.vouchers import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return b.world()


@pytest.fixture
def single(w):
    """A single-use voucher valid at every store of the merchant."""
    order = b.buy(w.customer, b.service(w.merchant, price_fen=8800))
    return b.vouchers_of(order)[0]


def _redeem(api, store, code, uses=1, **headers):
    return api.post("/merchant/redemptions", {"store_id": store.public_id, "code": code, "uses": uses},
                    headers=headers or None)


def _refused(response, status: int, code: str, voucher: Voucher | None = None):
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    if voucher is not None:  # nothing written
        before = (voucher.uses_left, voucher.status)
        voucher.refresh_from_db()
        assert (voucher.uses_left, voucher.status) == before
        assert not Redemption.objects.filter(voucher=voucher).exists()


def test_redeem_single_use_voucher(w, single, api_as):
    r = _redeem(api_as(w.staff), w.store, codes.display(single.code))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["uses"] == 1 and body["store"]["id"] == w.store.public_id
    assert body["voucher"]["uses_left"] == 0 and body["voucher"]["status"] == "used"
    assert body["voucher"]["customer_name"] == "王*明"  # masked
    assert single.code not in r.content.decode()  # staff never see the whole code
    single.refresh_from_db()
    assert (single.uses_left, single.status) == (0, "used")
    # The only voucher of the order is used: the order went paid -> in_use -> completed.
    assert Order.objects.get(pk=single.order_id).status == "completed"
    assert OutboxEvent.objects.filter(event_type="voucher.redeemed", aggregate_id=body["id"]).exists()


def test_ten_use_card_is_redeemed_use_by_use(w, api_as):
    order = b.buy(w.customer, b.service(w.merchant, uses=10, price_fen=50000), quantity=2)
    card, other = b.vouchers_of(order)
    api = api_as(w.staff)
    assert _redeem(api, w.store, card.code, 3).json()["voucher"]["uses_left"] == 7
    assert Order.objects.get(pk=order.pk).status == "in_use"
    assert _redeem(api, w.store, card.code.lower(), 1).json()["voucher"]["status"] == "partially_used"
    _refused(_redeem(api, w.store, card.code, 7), 422, "invalid_uses")
    assert _redeem(api, w.store, card.code, 6).json()["voucher"]["status"] == "used"
    # Another voucher of the order is still usable: the order stays in use.
    assert Order.objects.get(pk=order.pk).status == "in_use"
    assert Redemption.objects.filter(voucher=card).count() == 3
    assert Voucher.objects.get(pk=other.pk).uses_left == 10


def test_lookup_shows_who_and_what_and_writes_nothing(w, single, api_as):
    api = api_as(w.staff)
    r = api.get("/merchant/vouchers/lookup", {"code": codes.display(single.code),
                                             "store_id": w.store.public_id})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["redeemable"] and body["voucher"]["title"] == single.title
    assert body["voucher"]["customer_name"] == "王*明" and body["voucher"]["uses_left"] == 1
    assert not Redemption.objects.exists()
    assert api.get("/merchant/vouchers/lookup", {"code": "nonsense", "store_id": w.store.public_id}
                   ).json()["error"]["code"] == "invalid_code"


def test_idempotency_key_retry_returns_first_redemption(w, api_as):
    order = b.buy(w.customer, b.service(w.merchant, uses=5))
    card = b.vouchers_of(order)[0]
    api = api_as(w.staff)
    first = _redeem(api, w.store, card.code, 2, **{"Idempotency-Key": "scan-1"})
    again = _redeem(api, w.store, card.code, 2, **{"Idempotency-Key": "scan-1"})
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Voucher.objects.get(pk=card.pk).uses_left == 3


# --- one test per refusal --------------------------------------------------------------

def test_invalid_code_for_a_typo(w, single, api_as):
    i = 5
    typo = single.code[:i] + ("A" if single.code[i] != "A" else "B") + single.code[i + 1:]
    _refused(_redeem(api_as(w.staff), w.store, typo), 422, "invalid_code", single)
    _refused(_redeem(api_as(w.staff), w.store, "x" * 64), 422, "invalid_code", single)


def test_unknown_code(w, single, api_as):
    _refused(_redeem(api_as(w.staff), w.store, codes.generate()), 404, "unknown_code", single)


def test_not_your_voucher_reveals_nothing(w, single, api_as):
    r = _redeem(api_as(w.rival_staff), w.rival_store, single.code)
    _refused(r, 404, "not_your_voucher", single)
    unknown = _redeem(api_as(w.rival_staff), w.rival_store, codes.generate()).json()["error"]
    assert r.json()["error"]["message"] == unknown["message"] and set(r.json()["error"]) == set(unknown)
    assert single.title not in r.content.decode()
    # The lookup refuses the same way.
    lk = api_as(w.rival_staff).get("/merchant/vouchers/lookup",
                                   {"code": single.code, "store_id": w.rival_store.public_id})
    assert (lk.status_code, lk.json()["error"]["code"]) == (404, "not_your_voucher")


def test_another_merchants_store_is_not_found(w, single, api_as):
    _refused(_redeem(api_as(w.staff), w.rival_store, single.code), 404, "store_not_found", single)
    r = api_as(w.staff).post("/merchant/redemptions", {"store_id": "bogus", "code": single.code})
    _refused(r, 404, "store_not_found", single)


def test_staff_bound_to_another_store(w, single, api_as):
    _refused(_redeem(api_as(w.staff), w.other_store, single.code), 403, "store_not_allowed", single)


def test_customers_cannot_redeem(w, single, api_as):
    _refused(_redeem(api_as(w.customer), w.store, single.code), 403, "merchant_role_required", single)


def test_wrong_store(w, api_as):
    order = b.buy(w.customer, b.service(w.merchant, stores=[w.store]))
    voucher = b.vouchers_of(order)[0]
    # The owner may act everywhere, but the voucher is only valid Downtown.
    _refused(_redeem(api_as(w.owner), w.other_store, voucher.code), 409, "wrong_store", voucher)
    assert _redeem(api_as(w.owner), w.store, voucher.code).status_code == 201


def test_not_yet_valid(w, api_as):
    now = clock.now()
    p = b.service(w.merchant, validity_days=None, valid_from=now + dt.timedelta(days=2),
                  valid_until=now + dt.timedelta(days=9))
    voucher = b.vouchers_of(b.buy(w.customer, p))[0]
    _refused(_redeem(api_as(w.staff), w.store, voucher.code), 409, "not_yet_valid", voucher)
    clock.advance(dt.timedelta(days=2, seconds=1))
    assert _redeem(api_as(w.staff), w.store, voucher.code).status_code == 201


def test_expired(w, single, api_as):
    clock.advance(dt.timedelta(days=30, seconds=1))  # validity_days=30; the sweep has not run
    _refused(_redeem(api_as(w.staff), w.store, single.code), 409, "expired", single)
    services.expire_due()
    single.refresh_from_db()
    _refused(_redeem(api_as(w.staff), w.store, single.code), 409, "expired", single)


def test_fully_used(w, single, api_as):
    assert _redeem(api_as(w.staff), w.store, single.code).status_code == 201
    single.refresh_from_db()
    r = _redeem(api_as(w.staff), w.store, single.code)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "fully_used")
    assert Redemption.objects.filter(voucher=single).count() == 1


def test_refunded(w, single, api_as):
    services.request_refund(w.customer, single.public_id, "changed my mind")
    single.refresh_from_db()
    _refused(_redeem(api_as(w.staff), w.store, single.code), 409, "refunded", single)


def test_slot_not_today(w, api_as):
    product, slot = b.slot_service(w.merchant, w.store, starts_in=dt.timedelta(days=3))
    voucher = b.vouchers_of(b.buy(w.customer, product, slot=slot))[0]
    assert list(voucher.stores.all()) == [w.store] and voucher.slot_id == slot.pk
    _refused(_redeem(api_as(w.staff), w.store, voucher.code), 409, "slot_not_today", voucher)
    # On the slot's day it can be redeemed.
    clock.advance(dt.timedelta(days=3))
    assert _redeem(api_as(w.staff), w.store, voucher.code).status_code == 201


def test_slot_tolerance_reaches_across_midnight(w, settings):
    """A slot at 00:30 store-local time may be redeemed at 23:45 the day before."""
    settings.O2O = {**settings.O2O, "SLOT_TOLERANCE_MINUTES": 60}
    shanghai = dt.timezone(dt.timedelta(hours=8))
    with clock.frozen(dt.datetime(2031, 5, 1, 12, 0, tzinfo=shanghai)):
        product, slot = b.slot_service(w.merchant, w.store, starts_in=dt.timedelta(hours=12, minutes=30))
        voucher = b.vouchers_of(b.buy(w.customer, product, slot=slot))[0]
    with clock.frozen(dt.datetime(2031, 5, 1, 22, 59, tzinfo=shanghai)), \
            pytest.raises(Conflict) as exc:
        services.redeem(w.staff, w.store.public_id, voucher.code)
    assert exc.value.code == "slot_not_today"
    with clock.frozen(dt.datetime(2031, 5, 1, 23, 45, tzinfo=shanghai)):
        assert services.redeem(w.staff, w.store.public_id, voucher.code).uses == 1


def test_invalid_uses(w, single, api_as):
    api = api_as(w.staff)
    _refused(_redeem(api, w.store, single.code, 0), 422, "invalid_uses", single)
    _refused(_redeem(api, w.store, single.code, -3), 422, "invalid_uses", single)
    _refused(_redeem(api, w.store, single.code, 2), 422, "invalid_uses", single)
    _refused(_redeem(api, w.store, single.code, 10**30), 422, "invalid_uses", single)
    _refused(_redeem(api, w.store, single.code, "two"), 422, "validation_error", single)


def test_events_are_written_in_the_transaction(w, single):
    services.redeem(w.staff, w.store.public_id, single.code)
    types = set(OutboxEvent.objects.values_list("event_type", flat=True))
    assert {"voucher.issued", "voucher.redeemed", "order.paid", "order.in_use", "order.completed"} <= types
