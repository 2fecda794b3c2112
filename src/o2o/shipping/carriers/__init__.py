"""Carriers: who moves parcels and reports their tracking to our signed webhook.

A carrier (or a tracking aggregator speaking for many) POSTs JSON events to
/api/v1/shipping/carriers/{code}/webhook with two headers:

    X-Carrier-Timestamp: <unix seconds>
    X-Carrier-Signature: hex(HMAC-SHA256(secret, "<timestamp>." + body))

The body: {"event_id", "tracking_number", "status", "occurred_at" (ISO 8601), "city",
"description"}; status is one of picked_up, in_transit, out_for_delivery, delivered,
exception.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Protocol

from o2o.core.errors import NotFound
from o2o.shipping import conf
from o2o.shipping.carriers.sandbox import SandboxCarrier

TIMESTAMP_HEADER = "X-Carrier-Timestamp"
SIGNATURE_HEADER = "X-Carrier-Signature"


class Carrier(Protocol):
    code: str
    name: str

    def new_tracking_number(self) -> str:
        """A tracking number for a parcel the merchant hands over without one."""
        ...


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signed_headers(code: str, body: bytes, timestamp: int) -> dict[str, str]:
    ts = str(timestamp)
    return {TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: signature(conf.carrier_secret(code), ts, body)}


_registry: dict[str, Carrier] = {}


def register(carrier: Carrier) -> Carrier:
    _registry[carrier.code] = carrier
    return carrier


def get(code: object) -> Carrier:
    carrier = _registry.get(code) if isinstance(code, str) else None
    if carrier is None:
        raise NotFound("No such carrier", "carrier_not_found")
    return carrier


def codes() -> list[str]:
    return sorted(_registry)


register(SandboxCarrier())  # the built-in carrier; a real one registers the same way
