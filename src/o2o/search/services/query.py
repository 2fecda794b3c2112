"""Full-text search of public products and active merchants.

The database's full-text index finds and scores the matches (FTS5 bm25 on SQLite,
ts_rank on PostgreSQL); at most CANDIDATES (500) of the best are then filtered, faceted and
ranked in Python with the shared formula (ranking.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import connection

from o2o.core import clock
from o2o.search import geo
from o2o.search.models import DocType, Listing, SearchDocument
from o2o.search.services import matching, ranking
from o2o.search.services.common import Filters, open_at

CANDIDATES = 500


@dataclass
class SearchResult:
    results: list[dict]
    merchants: list[dict]
    facets: dict
    total: int
    corrections: dict[str, str] = field(default_factory=dict)
    relaxed: bool = False


def _matches(match: matching.Match, *, any_term: bool, limit: int) -> list[tuple[int, float]]:
    """(document id, raw relevance >= 0) of matching documents of any type, best first.
    The full-text table is ranked on its own (no join): joining first would make the
    database sort every match of a common word."""
    expr = match.expression(any_term=any_term)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT d.id, ts_rank(d.tsv, q) FROM search_searchdocument d, CAST(%s AS tsquery) q "
                "WHERE d.tsv @@ q ORDER BY 2 DESC, d.id LIMIT %s", [expr, limit])
        else:
            cur.execute(
                "SELECT rowid, -bm25(search_fts, 1.0, 2.0) AS rel FROM search_fts "
                "WHERE search_fts MATCH %s ORDER BY rel DESC, rowid LIMIT %s", [expr, limit])
        return [(pk, max(0.0, float(rel or 0.0))) for pk, rel in cur.fetchall()]


def matching_ids(match: matching.Match, *, limit: int = 50_000) -> list[int]:
    """Ids of the documents (products and merchants) matching every term."""
    return [pk for pk, _ in _matches(match, any_term=False, limit=limit)]


def _product_item(doc: SearchDocument, explain: dict | None, distance: float | None,
                  store: str | None, score: float) -> dict:
    item = {
        "id": doc.public_id, "type": "product", "title": doc.title, "kind": doc.kind,
        "booking_mode": doc.booking_mode, "merchant_id": doc.merchant_public_id,
        "merchant_name": doc.subtitle, "category_id": doc.category_public_id or None,
        "price_fen": doc.min_price_fen, "cover_url": doc.cover_url,
        "rating": {"count": doc.rating_count,
                   "average": round(doc.rating_sum / doc.rating_count, 2) if doc.rating_count else None,
                   "bayesian": round(doc.rating_bayes, 3)},
        "sales_recent": doc.sales_recent, "distance_m": None if distance is None else round(distance, 1),
        "store_id": store, "score": score,
    }
    if explain is not None:
        item["explain"] = explain
    return item


def search(q: str = "", *, filters: Filters | None = None, lat: float | None = None,
           lng: float | None = None, radius_m: float | None = None, limit: int = 20, offset: int = 0,
           explain: bool = False) -> SearchResult:
    filters = filters or Filters()
    filters.check()
    category_pks = filters.category_pks()
    match = matching.build(q or "")
    relaxed = False
    if match:
        rows = _matches(match, any_term=False, limit=CANDIDATES)
        if not rows and len(match.terms) > 1:
            rows, relaxed = _matches(match, any_term=True, limit=CANDIDATES), True
        relevance = dict(rows)
        everything = list(SearchDocument.objects.filter(pk__in=relevance).defer("tokens"))
        docs = [d for d in everything if d.doc_type == DocType.PRODUCT]
        merchant_docs = sorted((d for d in everything if d.doc_type == DocType.MERCHANT),
                               key=lambda d: (-relevance[d.pk], d.pk))[:5]
    else:  # no words: browse by popularity
        relevance, merchant_docs = {}, []
        docs = list(SearchDocument.objects.filter(doc_type=DocType.PRODUCT).defer("tokens")
                    .order_by("-sales_recent", "-rating_bayes", "id")[:CANDIDATES])
    docs = [d for d in docs if filters.price_ok(d.min_price_fen)]

    # Distance and open-now need the listings (stores) of the candidate services.
    need_places = filters.open_now or lat is not None
    places: dict[int, list[tuple[float | None, bool, str]]] = {}
    if need_places and docs:
        now = clock.now()
        for row in Listing.objects.filter(document_id__in=[d.pk for d in docs]).values(
                "document_id", "lat", "lng", "time_zone", "opening_hours", "store_public_id"):
            dist = geo.haversine_m(lat, lng, row["lat"], row["lng"]) if lat is not None else None
            is_open = open_at(row["time_zone"], row["opening_hours"], now) if filters.open_now else True
            places.setdefault(row["document_id"], []).append((dist, is_open, row["store_public_id"]))
    nearest: dict[int, tuple[float | None, str | None]] = {}
    if need_places:
        kept = []
        for d in docs:
            options = [p for p in places.get(d.pk, []) if p[1]
                       and (radius_m is None or (p[0] is not None and p[0] <= radius_m))]
            if not options:
                # Goods have no store: they stay unless a radius or open-now asks for one.
                if d.pk not in places and radius_m is None and not filters.open_now:
                    kept.append(d)
                continue
            best = min(options, key=lambda p: (p[0] is None, p[0] or 0.0))
            nearest[d.pk] = (best[0], best[2])
            kept.append(d)
        docs = kept

    # Facets count the matches with every filter except the facet's own dimension.
    facets = {
        "kind": dict(Counter(d.kind for d in docs if category_pks is None or d.category_pk in category_pks)),
        "category": dict(Counter(d.category_public_id for d in docs
                                 if d.category_public_id and (not filters.kind or d.kind == filters.kind))),
    }
    docs = [d for d in docs if (not filters.kind or d.kind == filters.kind)
            and (category_pks is None or d.category_pk in category_pks)]

    top = max(relevance.values(), default=0.0) or 1.0
    scored = []
    for d in docs:
        text_part = 0.0
        if match:
            text_part = 0.6 * relevance.get(d.pk, 0.0) / top + 0.4 * match.title_hits(d.title_tokens.split())
        dist, store = nearest.get(d.pk, (None, None))
        total, parts = ranking.score(text=text_part, distance_m=dist, bayes=d.rating_bayes,
                                     sales=d.sales_recent)
        scored.append((-total, d.pk, d, parts, dist, store, total))
    scored.sort(key=lambda t: (t[0], t[1]))
    page = scored[offset:offset + limit]
    results = [_product_item(d, parts if explain else None, dist, store, total)
               for _, _, d, parts, dist, store, total in page]

    merchants = [{"id": doc.public_id, "type": "merchant", "name": doc.title, "business_type": doc.subtitle,
                  "rating_count": doc.rating_count, "rating_bayesian": round(doc.rating_bayes, 3)}
                 for doc in (merchant_docs if offset == 0 else [])]
    return SearchResult(results=results, merchants=merchants, facets=facets, total=len(scored),
                        corrections=match.corrections, relaxed=relaxed)
