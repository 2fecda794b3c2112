"""Field rules of the catalog, shared by the services (the API schemas repeat the
simple bounds so OpenAPI documents them; these checks are the ones that count)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from o2o.catalog.models import BookingMode, Product, ProductKind
from o2o.core.errors import ValidationFailed

TITLE_MAX = 120
MAX_INT = 2_000_000_000  # below the 32-bit column limit, so no value overflows into a 500
PRICE_MAX_FEN = 1_000_000_000  # 10 million yuan
DURATION_RANGE = (1, 1440)
USES_RANGE = (1, 100)
VALIDITY_DAYS_RANGE = (1, 3650)
ATTR_MAX_ENTRIES = 20
ATTR_KEY_MAX = 30
ATTR_VALUE_MAX = 60
MAX_IMAGES = 20
SLUG_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")

#: Fields that only a SERVICE product may set.
SERVICE_FIELDS = ("booking_mode", "duration_minutes", "uses_per_voucher", "validity_days",
                  "valid_from", "valid_until", "refund_anytime", "auto_refund_on_expiry",
                  "all_stores", "store_ids")
#: Fields that only a GOODS product may set.
GOODS_FIELDS = ("weight_grams",)

_url_validator = URLValidator(schemes=["http", "https"])


def text(value: Any, field: str, *, max_len: int, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{field} must be a string", f"invalid_{field}")
    value = value.strip()
    if required and not value:
        raise ValidationFailed(f"{field} is required", f"{field}_required")
    if len(value) > max_len:
        raise ValidationFailed(f"{field} must be at most {max_len} characters", f"invalid_{field}")
    return value


def integer(value: Any, field: str, *, lo: int = 0, hi: int = MAX_INT, code: str | None = None,
            nullable: bool = False) -> int | None:
    """An integer in [lo, hi]. Booleans and floats are refused: money and counts are exact."""
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ValidationFailed(f"{field} must be an integer from {lo} to {hi}",
                               code or f"invalid_{field}")
    return value


def boolean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed(f"{field} must be true or false", f"invalid_{field}")
    return value


def aware(value: Any, field: str) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise ValidationFailed(f"{field} must be a date-time with a time zone", f"invalid_{field}")
    return value


def price(value: Any, field: str = "price_fen", *, nullable: bool = False) -> int | None:
    if value is None and nullable:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        raise ValidationFailed(f"{field} must not be negative", "negative_price")
    return integer(value, field, hi=PRICE_MAX_FEN, code="invalid_price")


def attributes(value: Any) -> dict[str, str]:
    """A flat dict of short strings, e.g. {"color": "red", "size": "L"}."""
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > ATTR_MAX_ENTRIES:
        raise ValidationFailed(f"attributes must be an object of at most {ATTR_MAX_ENTRIES} entries",
                               "invalid_attributes")
    out: dict[str, str] = {}
    for key, val in value.items():
        if (not isinstance(key, str) or not 1 <= len(key.strip()) <= ATTR_KEY_MAX
                or not isinstance(val, str) or len(val) > ATTR_VALUE_MAX):
            raise ValidationFailed(
                f"attributes must map names (1-{ATTR_KEY_MAX} chars) to strings of at most "
                f"{ATTR_VALUE_MAX} chars", "invalid_attributes")
        out[key.strip()] = val.strip()
    return out


def image_url(value: Any) -> str:
    url = text(value, "url", max_len=500, required=True)
    try:
        _url_validator(url)
    except ValidationError as exc:
        raise ValidationFailed("url must be an http or https address", "invalid_url") from exc
    return url


def slug(value: Any) -> str:
    s = text(value, "slug", max_len=60, required=True).lower()
    if not SLUG_RE.match(s):
        raise ValidationFailed("slug may hold a-z, 0-9, '-' and '_'", "invalid_slug")
    return s


def check_product(p: Product) -> None:
    """The rules on a product's own fields (stores are checked by the services).

    Runs on every create and update, so a stored product is always consistent.
    """
    p.title = text(p.title, "title", max_len=TITLE_MAX, required=True)
    p.title_en = text(p.title_en, "title_en", max_len=TITLE_MAX)
    p.description = text(p.description, "description", max_len=20_000)
    if p.kind == ProductKind.GOODS:
        integer(p.weight_grams, "weight_grams", hi=1_000_000, nullable=True)
        return
    if p.kind != ProductKind.SERVICE:
        raise ValidationFailed("kind must be GOODS or SERVICE", "invalid_kind")
    if p.booking_mode not in BookingMode.values:
        raise ValidationFailed("a service needs booking_mode 'slot' or 'voucher'",
                               "booking_mode_required")
    if p.booking_mode == BookingMode.SLOT and p.duration_minutes is None:
        raise ValidationFailed("a slot service needs duration_minutes", "duration_required")
    integer(p.duration_minutes, "duration_minutes", lo=DURATION_RANGE[0], hi=DURATION_RANGE[1],
            nullable=True)
    integer(p.uses_per_voucher, "uses_per_voucher", lo=USES_RANGE[0], hi=USES_RANGE[1])
    aware(p.valid_from, "valid_from")
    aware(p.valid_until, "valid_until")
    has_window = p.valid_from is not None or p.valid_until is not None
    if p.validity_days is not None and has_window:
        raise ValidationFailed("give either validity_days or valid_from/valid_until, not both",
                               "validity_conflict")
    if p.validity_days is not None:
        integer(p.validity_days, "validity_days", lo=VALIDITY_DAYS_RANGE[0],
                hi=VALIDITY_DAYS_RANGE[1])
    elif not has_window:
        raise ValidationFailed("a service needs validity_days or a valid_from/valid_until window",
                               "validity_required")
    elif p.valid_from is None or p.valid_until is None or p.valid_from >= p.valid_until:
        raise ValidationFailed("valid_from must come before valid_until", "invalid_validity_window")
    boolean(p.refund_anytime, "refund_anytime")
    boolean(p.auto_refund_on_expiry, "auto_refund_on_expiry")
    boolean(p.all_stores, "all_stores")
