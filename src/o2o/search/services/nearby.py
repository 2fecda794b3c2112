"""Services near a point, sorted by distance (or by the ranking score).

1. The H3 cells that may intersect the disk (geo.covering_cells, at a resolution
   chosen from the radius) select candidate listings through a covering index.
2. A cheap planar distance in SQL (degrees scaled by cos(lat)) with a 10% margin trims
   and orders them, so only the nearest few rows travel to Python; it is skipped where
   it is not valid (a disk that crosses the anti-meridian or comes near a pole).
3. The exact haversine distance decides membership and the final order.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from django.db import connection

from o2o.core import clock
from o2o.core.errors import ValidationFailed
from o2o.search import conf, geo, text
from o2o.search.services import matching, ranking
from o2o.search.services.common import Filters, open_at, pairs_with_free_slot

M_PER_DEG = math.pi * geo.EARTH_RADIUS_M / 180
MAX_ROWS = 5000  # in-radius rows examined when filters or score ordering need them all


@dataclass
class NearbyResult:
    results: list[dict]
    corrections: dict[str, str] = field(default_factory=dict)
    cells: int = 0
    resolution: int = 9


def validate_point(lat: float, lng: float, radius_m: float) -> None:
    if not (-90 <= lat <= 90) or not (-180 <= lng <= 180) or math.isnan(lat) or math.isnan(lng):
        raise ValidationFailed("lat must be in -90..90 and lng in -180..180", "invalid_coordinates")
    if not (1 <= radius_m <= conf.MAX_RADIUS_M):
        raise ValidationFailed(f"radius_m must be in 1..{conf.MAX_RADIUS_M}", "invalid_radius")


def _planar_ok(lat: float, lng: float, radius_m: float) -> tuple[bool, float, float]:
    dlat = radius_m / M_PER_DEG * 1.1
    if abs(lat) + dlat > 80:
        return False, dlat, 0.0
    dlng = dlat / math.cos(math.radians(abs(lat) + dlat))
    return (lng - dlng > -180 and lng + dlng < 180), dlat, dlng


def nearby(lat: float, lng: float, radius_m: float, *, q: str = "", filters: Filters | None = None,
           slot_day: str | None = None, sort: str = "distance", limit: int = 20, offset: int = 0,
           explain: bool = False) -> NearbyResult:
    validate_point(lat, lng, radius_m)
    if slot_day not in (None, "", "today", "tomorrow"):
        raise ValidationFailed("slot_day must be today or tomorrow", "invalid_slot_day")
    if sort not in ("distance", "score"):
        raise ValidationFailed("sort must be distance or score", "invalid_sort")
    filters = filters or Filters()
    filters.check()
    category_pks = filters.category_pks()
    match = matching.build(q or "")

    res = geo.resolution_for(radius_m)
    cells = geo.covering_cells(lat, lng, radius_m, res)
    planar, dlat, dlng = _planar_ok(lat, lng, radius_m)
    where = [f"h3_r{res} IN ({', '.join(['%s'] * len(cells))})"]
    params: list = list(cells)
    kx = math.cos(math.radians(lat))
    order = "id"
    select_d2 = "0.0"
    if planar:
        select_d2 = "((lat - %s) * (lat - %s) + (lng - %s) * (lng - %s) * %s)"
        d2_params = [lat, lat, lng, lng, kx * kx]
        where += ["lat BETWEEN %s AND %s", "lng BETWEEN %s AND %s", f"{select_d2} <= %s"]
        params += [lat - dlat, lat + dlat, lng - dlng, lng + dlng, *d2_params, dlat * dlat]
        order = "d2"
    else:
        d2_params = []
    if filters.kind:
        where.append("kind = %s")
        params.append(filters.kind)
    if category_pks is not None:
        where.append(f"category_pk IN ({', '.join(['%s'] * len(category_pks))})")
        params += sorted(category_pks)
    if filters.min_price is not None:
        where.append("price_fen >= %s")
        params.append(filters.min_price)
    if filters.max_price is not None:
        where.append("price_fen <= %s")
        params.append(filters.max_price)
    if match:
        if connection.vendor == "postgresql":
            # The listing's own tsvector, tested on the rows of the disk only.
            where.append("tsv @@ CAST(%s AS tsquery)")
        else:
            # The unary + keeps SQLite from driving the query from the text side (a common
            # word matches far more listings than a 3 km disk holds).
            where.append("+document_id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)")
        params.append(match.expression())
    needs_all = filters.open_now or bool(slot_day) or sort == "score" or not planar
    fetch = MAX_ROWS if needs_all else min(MAX_ROWS, (offset + limit) * 2 + 50)
    # Two steps: ids and planar distances from the covering index, then whole rows for those only.
    # Only "%s" placeholders and fixed fragments are interpolated here.
    sql = ("SELECT l.id, l.product_public_id, l.store_public_id, l.title, l.store_name, l.kind, "  # noqa: S608
           "l.booking_mode, l.price_fen, l.lat, l.lng, l.time_zone, l.opening_hours, l.rating_bayes, "
           "l.rating_count, l.sales_recent, l.product_pk, l.store_pk, c.d2 FROM "
           f"(SELECT id, {select_d2} AS d2 FROM search_listing WHERE {' AND '.join(where)} "
           f"ORDER BY {order} LIMIT %s) c JOIN search_listing l ON l.id = c.id ORDER BY c.d2, l.id")
    with connection.cursor() as cur:
        cur.execute(sql, d2_params + params + [fetch])
        rows = cur.fetchall()

    now = clock.now()
    found = []
    for row in rows:
        dist = geo.haversine_m(lat, lng, row[8], row[9])
        if dist <= radius_m:
            found.append((dist, row))
    if filters.open_now:
        found = [(d, r) for d, r in found if open_at(r[10], _hours(r[11]), now)]
    if slot_day:
        pairs = {(r[15], r[16]) for _, r in found if r[6] == "slot"}
        free = pairs_with_free_slot(pairs, {r[16]: r[10] for _, r in found}, now, slot_day)
        found = [(d, r) for d, r in found if (r[15], r[16]) in free]

    def scored(dist: float, r) -> tuple[float, dict]:
        text_part = (0.5 + 0.5 * match.title_hits(_title_tokens(r[3]))) if match else 0.0
        return ranking.score(text=text_part, distance_m=dist, bayes=r[12], sales=r[14])

    if sort == "score":
        items = [(dist, *scored(dist, r), r) for dist, r in found]
        items.sort(key=lambda t: (-t[1], t[0], t[3][0]))
    else:  # only the page needs its score
        found.sort(key=lambda t: (t[0], t[1][0]))
        items = [(dist, *scored(dist, r), r) for dist, r in found[offset:offset + limit]]
        offset = 0
    results = []
    for dist, total, parts, r in items[offset:offset + limit]:
        item = {"product_id": r[1], "store_id": r[2], "title": r[3], "store_name": r[4], "kind": r[5],
                "booking_mode": r[6], "price_fen": r[7], "lat": r[8], "lng": r[9],
                "distance_m": round(dist, 1), "open_now": open_at(r[10], _hours(r[11]), now),
                "rating": {"count": r[13], "bayesian": round(r[12], 3)}, "sales_recent": r[14],
                "score": total}
        if explain:
            item["explain"] = parts
        results.append(item)
    return NearbyResult(results=results, corrections=match.corrections, cells=len(cells), resolution=res)


def _hours(value) -> dict:
    if isinstance(value, str):  # SQLite hands JSON columns back as text in raw queries
        return json.loads(value or "{}")
    return value or {}


def _title_tokens(title: str) -> list[str]:
    return text.index_tokens(title)
