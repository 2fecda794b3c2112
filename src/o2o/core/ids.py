"""Opaque public ids: a short type prefix and 16 random base32 characters (80 bits)."""

from __future__ import annotations

import re
import secrets

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_ID_RE = re.compile(r"^[a-z]{2,5}_[0-9a-hjkmnp-tv-z]{16}$")


def new_id(prefix: str) -> str:
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(16))


def _make(prefix: str):
    def make() -> str:
        return new_id(prefix)

    make.__name__ = f"new_{prefix}_id"
    make.__qualname__ = make.__name__
    return make


def id_factory(prefix: str):
    """The default-value function for a model's public_id. It must be the one
    module-level function per prefix (listed in PREFIXES) so that migrations can
    import it by name and see it unchanged between runs."""
    try:
        return globals()[f"new_{prefix}_id"]
    except KeyError:
        raise ValueError(f"add {prefix!r} to o2o.core.ids.PREFIXES") from None


def looks_like_id(value: str, prefix: str | None = None) -> bool:
    if not isinstance(value, str) or not _ID_RE.match(value):
        return False
    return prefix is None or value.startswith(prefix + "_")


# Every prefix in use. Each gets a module-level `new_<prefix>_id` so migrations can
# reference the default by its dotted path. Add new prefixes here.
PREFIXES = (
    "usr", "tok", "mer", "sto", "stf", "cat", "prd", "sku", "img",  # foundation
    "loc", "stk", "sch", "slt", "cart", "crt", "ord", "oln", "rsv",  # inventory, orders
    "vch", "rdm", "rfq",  # vouchers, redemptions, refund requests
    "pay", "rfd", "jrn", "acc", "stl", "pyo", "rec",  # money (later)
    "shp", "prc", "ret",  # logistics (later)
    "evt", "whk", "whd",  # events, webhook endpoints and deliveries
    "ntf", "hld",  # payment notifications received, payments held for an operator
    "rev",  # reviews
    "rcd",  # reconciliation differences
    "sti",  # staff invitations
    "ctp", "cpn", "tier", "skp",  # coupon templates, coupons, spend tiers, limited-time prices
    "key", "dev", "ofr", "ocf",  # voucher signing keys, counter devices, offline uploads, conflicts
    "mrg",  # account merges
    "wxi",  # WeChat identities
)
for _p in PREFIXES:
    globals()[f"new_{_p}_id"] = _make(_p)
