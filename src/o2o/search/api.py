"""Public discovery endpoints: full-text search and nearby services."""

from typing import Literal

from ninja import Field, Query, Router

from o2o.core.errors import ValidationFailed
from o2o.core.schemas import ERRORS, Schema
from o2o.search.services import nearby as nearby_service
from o2o.search.services import search as search_service
from o2o.search.services.common import Filters

router = Router(tags=["search"], auth=None)


class SearchParams(Schema):
    q: str = Field("", max_length=200)
    kind: Literal["GOODS", "SERVICE"] | None = None
    category: str | None = Field(None, max_length=40, description="category id (descendants included)")
    min_price: int | None = Field(None, ge=0, le=10**9, description="fen, on the 'from' price")
    max_price: int | None = Field(None, ge=0, le=10**9)
    open_now: bool = False
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    radius_m: int | None = Field(None, ge=1, le=50_000)
    explain: bool = False
    limit: int = Field(20, ge=1, le=50)
    offset: int = Field(0, ge=0, le=1000)


class NearbyParams(Schema):
    lat: float = Field(..., ge=-90, le=90)
    lng: float = Field(..., ge=-180, le=180)
    radius_m: int = Field(3000, ge=1, le=50_000)
    q: str = Field("", max_length=200)
    kind: Literal["GOODS", "SERVICE"] | None = None
    category: str | None = Field(None, max_length=40)
    min_price: int | None = Field(None, ge=0, le=10**9)
    max_price: int | None = Field(None, ge=0, le=10**9)
    open_now: bool = False
    slot_day: Literal["today", "tomorrow"] | None = None
    sort: Literal["distance", "score"] = "distance"
    explain: bool = False
    limit: int = Field(20, ge=1, le=50)
    offset: int = Field(0, ge=0, le=1000)


class SearchOut(Schema):
    results: list[dict]
    merchants: list[dict]
    facets: dict
    total: int
    corrections: dict
    relaxed: bool


class NearbyOut(Schema):
    results: list[dict]
    corrections: dict


def _filters(p) -> Filters:
    return Filters(kind=p.kind, category_id=p.category, min_price=p.min_price, max_price=p.max_price,
                   open_now=p.open_now)


@router.get("/search", response={200: SearchOut, **ERRORS})
def search(request, params: Query[SearchParams]):
    """Published products and active merchants matching `q` (Chinese or English; Latin words
    match as prefixes and small typos are corrected), with filters and facets. With lat and
    lng, services are ranked by their nearest usable store (radius_m restricts to it).
    `explain=true` adds each result's score parts."""
    if (params.lat is None) != (params.lng is None):
        raise ValidationFailed("give both lat and lng, or neither", "invalid_coordinates")
    result = search_service(params.q, filters=_filters(params), lat=params.lat, lng=params.lng,
                            radius_m=params.radius_m if params.lat is not None else None,
                            limit=params.limit, offset=params.offset, explain=params.explain)
    return {"results": result.results, "merchants": result.merchants, "facets": result.facets,
            "total": result.total, "corrections": result.corrections, "relaxed": result.relaxed}


@router.get("/nearby", response={200: NearbyOut, **ERRORS})
def nearby(request, params: Query[NearbyParams]):
    """Services usable at stores within radius_m metres of (lat, lng), nearest first (or
    sort=score), each with its store and exact great-circle distance; optional text query,
    filters, open_now (store-local hours) and slot_day (a free slot today/tomorrow)."""
    result = nearby_service(params.lat, params.lng, params.radius_m, q=params.q, filters=_filters(params),
                            slot_day=params.slot_day, sort=params.sort, limit=params.limit,
                            offset=params.offset, explain=params.explain)
    return {"results": result.results, "corrections": result.corrections}
