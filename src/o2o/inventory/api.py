"""Stock locations and levels, schedules, slots, closures and quotas for merchant
owners; available slots of a service for everyone. Writes through inventory.services,
reads through inventory.selectors (scoped to the caller's merchant)."""


import datetime as dt

from ninja import Field, Query, Router, Status
from ninja.pagination import paginate

from o2o.accounts.auth import api_auth
from o2o.catalog import selectors as catalog
from o2o.catalog.models import BookingMode, ProductKind
from o2o.core.errors import NotFound, ValidationFailed
from o2o.core.ids import looks_like_id
from o2o.core.pagination import Cursor
from o2o.core.schemas import ERRORS, Schema
from o2o.inventory import selectors, services
from o2o.inventory.models import LocationKind
from o2o.merchants.access import merchant_of

router = Router(tags=["inventory"], auth=api_auth)


# --- shapes -------------------------------------------------------------------------

class LocationIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    kind: LocationKind = LocationKind.WAREHOUSE
    store: str | None = Field(None, max_length=40)
    priority: int = Field(0, ge=0, le=1000)


class LocationOut(Schema):
    id: str = Field(..., alias="public_id")
    name: str
    kind: str
    store: str | None
    priority: int
    is_active: bool

    @staticmethod
    def resolve_store(obj) -> str | None:
        return obj.store.public_id if obj.store_id else None


class StockIn(Schema):
    sku: str = Field(..., max_length=40)
    location: str = Field(..., max_length=40)
    on_hand: int | None = Field(None, ge=0, le=services.MAX_STOCK, description="absolute count")
    delta: int | None = Field(None, ge=-services.MAX_STOCK, le=services.MAX_STOCK,
                              description="relative change")


class StockOut(Schema):
    id: str = Field(..., alias="public_id")
    sku: str
    location: str
    on_hand: int
    reserved: int
    available: int

    @staticmethod
    def resolve_sku(obj) -> str:
        return obj.sku.public_id

    @staticmethod
    def resolve_location(obj) -> str:
        return obj.location.public_id


class StockFilter(Schema):
    sku: str | None = Field(None, max_length=40)
    location: str | None = Field(None, max_length=40)


class ScheduleIn(Schema):
    product: str = Field(..., max_length=40)
    store: str = Field(..., max_length=40)
    weekdays: list[int] = Field(..., min_length=1, max_length=7, description="1 = Monday .. 7 = Sunday")
    start_time: dt.time
    end_time: dt.time
    slot_minutes: int = Field(..., ge=5, le=1440)
    capacity: int = Field(..., ge=1, le=10000)
    valid_from: dt.date
    valid_until: dt.date | None = None


class ScheduleOut(Schema):
    id: str = Field(..., alias="public_id")
    product: str
    store: str
    weekdays: list[int]
    start_time: dt.time
    end_time: dt.time
    slot_minutes: int
    capacity: int
    valid_from: dt.date
    valid_until: dt.date | None
    is_active: bool

    @staticmethod
    def resolve_product(obj) -> str:
        return obj.product.public_id

    @staticmethod
    def resolve_store(obj) -> str:
        return obj.store.public_id


class GenerateIn(Schema):
    days_ahead: int = Field(14, ge=0, le=services.MAX_DAYS_AHEAD)


class GenerateOut(Schema):
    created: int


class SlotOut(Schema):
    id: str = Field(..., alias="public_id")
    product: str
    store: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    booked: int
    remaining: int
    is_closed: bool

    @staticmethod
    def resolve_product(obj) -> str:
        return obj.product.public_id

    @staticmethod
    def resolve_store(obj) -> str:
        return obj.store.public_id


class PublicSlotOut(Schema):
    id: str = Field(..., alias="public_id")
    store: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    remaining: int

    @staticmethod
    def resolve_store(obj) -> str:
        return obj.store.public_id


class SlotIn(Schema):
    product: str = Field(..., max_length=40)
    store: str = Field(..., max_length=40)
    starts_at: dt.datetime
    minutes: int = Field(..., ge=5, le=1440)
    capacity: int = Field(..., ge=1, le=10000)


class SlotFilter(Schema):
    product: str | None = Field(None, max_length=40)
    store: str | None = Field(None, max_length=40)
    date: dt.date | None = None


class ClosureIn(Schema):
    store: str = Field(..., max_length=40)
    date: dt.date
    product: str | None = Field(None, max_length=40)
    reason: str = Field("", max_length=200)


class ClosureOut(Schema):
    store: str
    date: dt.date
    product: str | None
    slots_closed: int


class QuotaIn(Schema):
    total: int | None = Field(..., ge=0, le=services.MAX_STOCK, description="null: unlimited")


class QuotaOut(Schema):
    product: str
    total: int | None
    sold: int
    remaining: int | None


# --- public -------------------------------------------------------------------------

class PublicSlotQuery(Schema):
    date: dt.date
    store: str | None = Field(None, max_length=40)


@router.get("/products/{product_id}/slots", auth=None, response={200: list[PublicSlotOut], **ERRORS})
def product_slots(request, product_id: str, q: Query[PublicSlotQuery]):
    """Open slots of a service on a store-local date, with the seats left. A service that
    is public but no longer on sale (its deal ended) answers 409 not_purchasable."""
    product = (catalog.public_products().select_related("merchant").filter(public_id=product_id).first()
               if looks_like_id(product_id, "prd") else None)
    if product is None or product.kind != ProductKind.SERVICE or product.booking_mode != BookingMode.SLOT:
        raise NotFound("No such service", "product_not_found")
    catalog.ensure_purchasable(product)
    store = selectors.product_store(product, q.store) if q.store else None
    return services.available_slots(product, q.date, store)


# --- merchant: stock --------------------------------------------------------------

@router.get("/merchant/locations", response=list[LocationOut], tags=["merchant"])
@paginate(Cursor)
def list_locations(request):
    return selectors.merchant_locations(merchant_of(request.auth))


@router.post("/merchant/locations", response={201: LocationOut, **ERRORS}, tags=["merchant"])
def create_location(request, payload: LocationIn):
    merchant = merchant_of(request.auth, owner_only=True)
    loc = services.create_location(merchant, name=payload.name, kind=payload.kind,
                                   store_public_id=payload.store, priority=payload.priority)
    return Status(201, loc)


@router.get("/merchant/stock", response=list[StockOut], tags=["merchant"])
@paginate(Cursor)
def list_stock(request, filters: Query[StockFilter]):
    return selectors.merchant_stock(merchant_of(request.auth), sku=filters.sku, location=filters.location)


@router.put("/merchant/stock", response={200: StockOut, **ERRORS}, tags=["merchant"])
def put_stock(request, payload: StockIn):
    """Set a SKU's count at a location: `on_hand` (absolute) or `delta` (relative), not both."""
    merchant = merchant_of(request.auth, owner_only=True)
    if (payload.on_hand is None) == (payload.delta is None):
        raise ValidationFailed("give exactly one of on_hand and delta", "on_hand_or_delta")
    if payload.on_hand is not None:
        level = services.set_stock(merchant, payload.sku, payload.location, payload.on_hand)
    else:
        level = services.adjust_stock(merchant, payload.sku, payload.location, payload.delta)
    return selectors.merchant_stock(merchant).get(pk=level.pk)


# --- merchant: schedules, slots, closures, quotas --------------------------------

@router.get("/merchant/schedules", response=list[ScheduleOut], tags=["merchant"])
@paginate(Cursor)
def list_schedules(request):
    return selectors.merchant_schedules(merchant_of(request.auth))


@router.post("/merchant/schedules", response={201: ScheduleOut, **ERRORS}, tags=["merchant"])
def create_schedule(request, payload: ScheduleIn):
    merchant = merchant_of(request.auth, owner_only=True)
    schedule = services.create_schedule(
        merchant, product_public_id=payload.product, store_public_id=payload.store,
        weekdays=payload.weekdays, start_time=payload.start_time, end_time=payload.end_time,
        slot_minutes=payload.slot_minutes, capacity=payload.capacity, valid_from=payload.valid_from,
        valid_until=payload.valid_until)
    return Status(201, schedule)


@router.post("/merchant/schedules/{schedule_id}/generate", response={200: GenerateOut, **ERRORS},
             tags=["merchant"])
def generate(request, schedule_id: str, payload: GenerateIn):
    """Create the schedule's slots up to `days_ahead` days on (idempotent)."""
    merchant = merchant_of(request.auth, owner_only=True)
    return {"created": services.generate_for_merchant(merchant, schedule_id, payload.days_ahead)}


@router.get("/merchant/slots", response=list[SlotOut], tags=["merchant"])
@paginate(Cursor)
def list_slots(request, filters: Query[SlotFilter]):
    """Slots of the merchant's services; `date` is store-local and needs `store`."""
    merchant = merchant_of(request.auth)
    window = None
    if filters.date:
        if not filters.store:
            raise ValidationFailed("filtering by date needs a store (dates are store-local)",
                                   "store_required")
        store = services.merchant_store(merchant, filters.store)
        window = services.local_day_bounds(filters.date, services.store_zone(store))
    return selectors.merchant_slots(merchant, product=filters.product, store=filters.store, window=window)


@router.post("/merchant/slots", response={201: SlotOut, **ERRORS}, tags=["merchant"])
def create_slot(request, payload: SlotIn):
    merchant = merchant_of(request.auth, owner_only=True)
    slot = services.create_slot(merchant, product_public_id=payload.product,
                                store_public_id=payload.store, starts_at=payload.starts_at,
                                minutes=payload.minutes, capacity=payload.capacity)
    return Status(201, slot)


@router.post("/merchant/slots/{slot_id}/close", response={200: SlotOut, **ERRORS}, tags=["merchant"])
def close_slot(request, slot_id: str):
    """Take no more bookings in this slot (bookings already made stand)."""
    return services.set_slot_closed(merchant_of(request.auth, owner_only=True), slot_id, True)


@router.post("/merchant/slots/{slot_id}/reopen", response={200: SlotOut, **ERRORS}, tags=["merchant"])
def reopen_slot(request, slot_id: str):
    return services.set_slot_closed(merchant_of(request.auth, owner_only=True), slot_id, False)


@router.post("/merchant/closures", response={201: ClosureOut, **ERRORS}, tags=["merchant"])
def close_date(request, payload: ClosureIn):
    """Close a whole store-local date at a store, for one service or for all."""
    merchant = merchant_of(request.auth, owner_only=True)
    closure, n = services.close_date(merchant, store_public_id=payload.store, date=payload.date,
                                     product_public_id=payload.product, reason=payload.reason)
    return Status(201, {"store": payload.store, "date": closure.date, "product": payload.product,
                        "slots_closed": n})


@router.put("/merchant/quotas/{product_id}", response={200: QuotaOut, **ERRORS}, tags=["merchant"])
def put_quota(request, product_id: str, payload: QuotaIn):
    """Set (or with null remove) the total quota of a date-flexible voucher service."""
    merchant = merchant_of(request.auth, owner_only=True)
    quota = services.set_quota(merchant, product_id, payload.total)
    if quota is None:
        return {"product": product_id, "total": None, "sold": 0, "remaining": None}
    return {"product": product_id, "total": quota.total, "sold": quota.sold, "remaining": quota.remaining}
