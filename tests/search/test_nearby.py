"""Nearby: exact distances against an independent great-circle computation, at the
anti-meridian, around a pole and across H3 cell borders, with points just inside and
just outside the radius."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import h3
import pytest

from o2o.core import clock
from o2o.core.errors import ValidationFailed
from o2o.search import geo
from o2o.search import services as search
from o2o.search.services.common import Filters
from tests import factories
from tests.vouchers import builders

R = geo.EARTH_RADIUS_M


def reference_m(lat1, lng1, lat2, lng2) -> float:
    """Great-circle distance from unit vectors (atan2 of cross and dot): independent of haversine."""
    def vec(lat, lng):
        p, q = math.radians(lat), math.radians(lng)
        return (math.cos(p) * math.cos(q), math.cos(p) * math.sin(q), math.sin(p))

    a, b = vec(lat1, lng1), vec(lat2, lng2)
    cross = (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return R * math.atan2(math.sqrt(sum(c * c for c in cross)), dot)


def destination(lat, lng, bearing_deg, distance_m) -> tuple[float, float]:
    p1, l1, th, d = math.radians(lat), math.radians(lng), math.radians(bearing_deg), distance_m / R
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(th))
    l2 = l1 + math.atan2(math.sin(th) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    lng2 = (math.degrees(l2) + 540) % 360 - 180
    return math.degrees(p2), lng2


@pytest.mark.parametrize(("a", "b"), [
    ((0.0, 179.99), (0.0, -179.99)), ((89.9, 0.0), (89.9, 180.0)), ((22.5, 113.9), (22.51, 113.91)),
    ((-33.86, 151.2), (51.5, -0.12)), ((10.0, 10.0), (10.0, 10.0)),
])
def test_haversine_matches_reference(a, b):
    assert geo.haversine_m(*a, *b) == pytest.approx(reference_m(*a, *b), rel=1e-9, abs=1e-6)


def _place_ring(center, radius_m, margin_m, bearings) -> tuple[set[str], set[str], list]:
    """Stores just inside and just outside the radius; returns expected-in, expected-out."""
    m = factories.merchant()
    inside, outside = set(), set()
    for i, bearing in enumerate(bearings):
        for delta, bucket in ((-margin_m, inside), (margin_m, outside)):
            lat, lng = destination(*center, bearing, radius_m + delta)
            lat, lng = round(lat, 6), round(lng, 6)  # what the Store columns keep
            store = factories.store(m, lat=f"{lat:.6f}", lng=f"{lng:.6f}", name=f"s{i}{delta}")
            d = reference_m(center[0], center[1], float(Decimal(f"{lat:.6f}")), float(Decimal(f"{lng:.6f}")))
            (inside if d <= radius_m else outside).add(store.public_id)
            assert (d <= radius_m) == (bucket is inside)
    product = builders.service(m)
    search.reindex_product(product.pk)
    return inside, outside, m


CASES = [
    ("anti-meridian east", (0.5, 179.99), 3000),
    ("anti-meridian west", (-0.5, -179.995), 3000),
    ("near the north pole", (89.9, 0.0), 3000),
    ("across the south pole", (-89.95, 45.0), 12000),
    ("Shenzhen", (22.533, 113.93), 3000),
    ("large radius", (31.23, 121.47), 50000),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "center", "radius"), CASES, ids=[c[0] for c in CASES])
def test_nearby_exact_inside_outside(name, center, radius):
    inside, outside, _ = _place_ring(center, radius, 3.0, range(0, 360, 30))
    found = search.nearby(*center, radius, limit=50).results
    got = {r["store_id"] for r in found}
    assert got == inside, name
    assert not got & outside
    distances = [r["distance_m"] for r in found]
    assert distances == sorted(distances)
    for r in found:
        assert r["distance_m"] == pytest.approx(reference_m(*center, r["lat"], r["lng"]), abs=0.11)


@pytest.mark.django_db
def test_nearby_across_h3_cell_borders():
    # Centre on a vertex shared by three res-9 cells; the ring crosses many borders.
    cell = h3.latlng_to_cell(22.533, 113.93, 9)
    center = h3.cell_to_boundary(cell)[0]
    inside, outside, _ = _place_ring(center, 800, 1.0, range(0, 360, 15))
    got = {r["store_id"] for r in search.nearby(*center, 800, limit=50).results}
    assert got == inside and not got & outside
    cells = {h3.latlng_to_cell(*destination(*center, b, 10), 9) for b in range(0, 360, 60)}
    assert len(cells) >= 3  # the centre really sits on a border


def test_covering_cells_contain_every_point_of_the_disk():
    for (lat, lng), radius in [((0.0, 179.999), 3000), ((89.95, 10.0), 8000), ((-60.0, -179.9), 20000),
                               ((22.533, 113.93), 3000), ((45.0, 7.0), 50000)]:
        res = geo.resolution_for(radius)
        cells = set(geo.covering_cells(lat, lng, radius, res))
        for bearing in range(0, 360, 5):
            for frac in (0.3, 0.7, 0.999):
                point = destination(lat, lng, bearing, radius * frac)
                assert h3.latlng_to_cell(*point, res) in cells, (lat, lng, radius, bearing, frac)


@pytest.mark.parametrize(("lat", "lng", "radius"), [(91, 0, 100), (0, 181, 100), (0, 0, 0), (0, 0, 50001),
                                                    (float("nan"), 0, 100)])
def test_nearby_refuses_bad_input(lat, lng, radius):
    with pytest.raises(ValidationFailed):
        search.nearby(lat, lng, radius)


@pytest.mark.django_db
def test_nearby_with_text_filters_open_now_and_slots():
    m = factories.merchant("老街生活馆")
    hours = {d: [["10:00", "22:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    near = factories.store(m, lat="22.534000", lng="113.930000", opening_hours=hours)
    night = factories.store(m, lat="22.535000", lng="113.931000",
                            opening_hours={d: [["20:00", "04:00"]] for d in hours})
    with clock.frozen(dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)):  # 10:00 in Shanghai
        hotpot = builders.service(m, title="麻辣火锅套餐", title_en="Spicy hotpot set")
        massage = builders.service(m, title="足疗按摩", title_en="Foot massage")
        slot_product, _slot = builders.slot_service(m, near, starts_in=dt.timedelta(hours=3))
        for p in (hotpot, massage, slot_product):
            search.reindex_product(p.pk)
        center = (22.533, 113.93)
        text = search.nearby(*center, 3000, q="火锅").results
        assert {r["product_id"] for r in text} == {hotpot.public_id}
        assert {r["store_id"] for r in text} == {near.public_id, night.public_id}
        assert text[0]["store_id"] == near.public_id  # nearer first
        prefix = search.nearby(*center, 3000, q="massa").results
        assert {r["product_id"] for r in prefix} == {massage.public_id}
        open_now = search.nearby(*center, 3000, filters=Filters(open_now=True)).results
        assert {r["store_id"] for r in open_now} == {near.public_id}
        today = search.nearby(*center, 3000, slot_day="today").results
        assert [(r["product_id"], r["store_id"]) for r in today] == [(slot_product.public_id, near.public_id)]
        assert search.nearby(*center, 3000, slot_day="tomorrow").results == []
        scored = search.nearby(*center, 3000, q="火锅", sort="score", explain=True).results
        assert all(set(r["explain"]["parts"]) == {"text", "distance", "rating", "sales"} for r in scored)
