"""Customer and staff reads: voucher lists and detail, QR for the owner only,
redemption history for the customer and for the merchant (store, staff, day)."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.core import clock
from o2o.vouchers import codes, services
from tests.vouchers import builders as b

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return b.world()


def test_customer_lists_and_reads_own_vouchers(w, api_as):
    order = b.buy(w.customer, b.service(w.merchant, uses=10), quantity=2)
    first, second = b.vouchers_of(order)
    services.redeem(w.staff, w.store.public_id, first.code, 2)
    b.buy(b.factories.user(), b.service(w.merchant))  # someone else's
    api = api_as(w.customer)
    page = api.get("/vouchers").json()
    assert {v["id"] for v in page["results"]} == {first.public_id, second.public_id}
    only = api.get("/vouchers", {"status": "partially_used"}).json()["results"]
    assert [v["id"] for v in only] == [first.public_id]
    bad = api.get("/vouchers", {"status": "nope"})
    assert bad.status_code == 422
    detail = api.get(f"/vouchers/{first.public_id}").json()
    assert detail["code"] == codes.display(first.code) and detail["uses_left"] == 8
    assert detail["order_id"] == order.public_id and detail["all_stores"] is True
    assert detail["qr"]["svg"].endswith(f"/vouchers/{first.public_id}/qr.svg")


def test_pagination(w, api_as):
    b.buy(w.customer, b.service(w.merchant), quantity=25)
    api = api_as(w.customer)
    page = api.get("/vouchers").json()
    assert len(page["results"]) == 20 and page["next"]
    rest = api.client.get(page["next"], headers={"Authorization": f"Bearer {api.token}"}).json()
    assert len(rest["results"]) == 5
    assert api.get("/vouchers", {"cursor": "garbage"}).status_code == 422


def test_qr_only_for_the_owner(w, api_as):
    v = b.vouchers_of(b.buy(w.customer, b.service(w.merchant)))[0]
    api = api_as(w.customer)
    svg = api.get(f"/vouchers/{v.public_id}/qr.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert svg.content.lstrip().startswith(b"<?xml") and b"<svg" in svg.content
    assert "no-store" in svg["Cache-Control"]
    png = api.get(f"/vouchers/{v.public_id}/qr.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    for who in (b.factories.user(), w.staff, w.owner):
        for kind in ("svg", "png"):
            r = api_as(who).get(f"/vouchers/{v.public_id}/qr.{kind}")
            assert (r.status_code, r.json()["error"]["code"]) == (404, "voucher_not_found")
    assert api.get("/vouchers/vch_0000000000000000/qr.svg").status_code == 404
    assert api.get("/vouchers/not-an-id/qr.png").status_code == 404
    assert api_as().get(f"/vouchers/{v.public_id}/qr.svg").status_code == 401


def test_qr_encodes_the_code():
    import io

    from o2o.vouchers import qr

    code = codes.generate()
    # The SVG is a rendering of exactly this QR: same matrix as segno makes for the code.
    import segno

    expected = io.BytesIO()
    segno.make_qr(code, error="m").save(expected, kind="svg", scale=8, border=4, xmldecl=True)
    assert qr.svg(code) == expected.getvalue()
    assert qr.svg(code) != qr.svg(codes.generate())


def test_customer_redemption_history(w, api_as):
    v = b.vouchers_of(b.buy(w.customer, b.service(w.merchant, uses=5)))[0]
    services.redeem(w.staff, w.store.public_id, v.code, 2)
    services.redeem(w.owner, w.other_store.public_id, v.code, 1)
    other = b.factories.user()
    services.redeem(w.staff, w.store.public_id, b.vouchers_of(b.buy(other, b.service(w.merchant)))[0].code)
    mine = api_as(w.customer).get("/me/redemptions").json()["results"]
    assert [(r["store"]["id"], r["uses"]) for r in mine] == [(w.other_store.public_id, 1),
                                                             (w.store.public_id, 2)]
    assert all(r["voucher_id"] == v.public_id for r in mine)


def test_merchant_history_filters_by_store_staff_and_local_day(w, api_as):
    v = b.vouchers_of(b.buy(w.customer, b.service(w.merchant, uses=10)))[0]
    shanghai = dt.timezone(dt.timedelta(hours=8))
    # 23:30 tomorrow and 00:30 the day after in Shanghai: different store-local days
    # (and the same UTC day).
    now = clock.now()
    day1 = dt.datetime.combine(now.astimezone(shanghai).date() + dt.timedelta(days=1), dt.time(23, 30),
                               tzinfo=shanghai)
    with clock.frozen(day1):
        r1 = services.redeem(w.staff, w.store.public_id, v.code, 1)
        r2 = services.redeem(w.owner, w.other_store.public_id, v.code, 1)
    with clock.frozen(day1 + dt.timedelta(hours=1)):
        r3 = services.redeem(w.staff, w.store.public_id, v.code, 1)
    rival_v = b.vouchers_of(b.buy(w.customer, b.service(w.rival)))[0]
    services.redeem(w.rival_staff, w.rival_store.public_id, rival_v.code)

    owner = api_as(w.owner)

    def ids(params=None, api=owner):
        r = api.get("/merchant/redemptions", params or {})
        assert r.status_code == 200, r.content
        return [x["id"] for x in r.json()["results"]]

    assert ids() == [r3.public_id, r2.public_id, r1.public_id]
    assert ids({"store_id": w.other_store.public_id}) == [r2.public_id]
    assert ids({"staff_id": w.staff.public_id}) == [r3.public_id, r1.public_id]
    assert ids({"date": day1.date().isoformat()}) == [r2.public_id, r1.public_id]
    assert ids({"date": (day1.date() + dt.timedelta(days=1)).isoformat()}) == [r3.public_id]
    # Staff bound to Downtown see Downtown only; the rival sees none of ours.
    assert ids(api=api_as(w.staff)) == [r3.public_id, r1.public_id]
    assert r1.public_id not in ids(api=api_as(w.rival_staff))
    assert ids({"store_id": w.rival_store.public_id}) == []
    assert owner.get("/merchant/redemptions", {"store_id": "x"}).status_code == 404
    assert owner.get("/merchant/redemptions", {"date": "yesterday"}).status_code == 422
    assert api_as(w.customer).get("/merchant/redemptions").status_code == 403
