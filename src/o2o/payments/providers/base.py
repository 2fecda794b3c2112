"""The gateway interface every payment provider implements, and its plain data types."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class GatewayError(Exception):
    """The gateway refused a call or could not be reached. `code` is the gateway's
    error code (OUT_TRADE_NO_USED, ORDERPAID, ...) or NETWORK / BAD_RESPONSE."""

    def __init__(self, code: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class NotificationRejected(Exception):
    """A notification that must not be trusted (bad signature, stale, undecryptable)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class PrepayRequest:
    channel: str  # jsapi | native | h5
    out_trade_no: str
    description: str
    amount_fen: int
    time_expire: dt.datetime
    attach: str = ""
    payer_openid: str = ""
    client_ip: str = "127.0.0.1"
    currency: str = "CNY"


@dataclass(frozen=True)
class PrepayResult:
    prepay_id: str = ""
    code_url: str = ""
    h5_url: str = ""
    # For JSAPI: the parameters the wallet's requestPayment needs, signed by the merchant.
    invoke: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundRequest:
    out_trade_no: str
    out_refund_no: str
    amount_fen: int
    total_fen: int
    reason: str = ""
    currency: str = "CNY"


@dataclass(frozen=True)
class Notification:
    id: str
    event_type: str  # TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED
    create_time: str
    resource: dict[str, Any]  # the decrypted transaction or refund
    raw: dict[str, Any]


@dataclass(frozen=True)
class Bill:
    content: bytes  # the CSV, uncompressed
    hash_type: str
    hash_value: str


class PaymentGateway(Protocol):
    """What the payments services need from a gateway. Every method talks to the
    network: never call one inside a database transaction."""

    name: str

    def create_prepay(self, request: PrepayRequest) -> PrepayResult: ...

    def query(self, out_trade_no: str) -> dict[str, Any]: ...

    def close(self, out_trade_no: str) -> None: ...

    def refund(self, request: RefundRequest) -> dict[str, Any]: ...

    def query_refund(self, out_refund_no: str) -> dict[str, Any]: ...

    def parse_and_verify_notification(self, headers: Mapping[str, str], body: bytes) -> Notification: ...

    def trade_bill(self, bill_date: dt.date, bill_type: str = "ALL") -> Bill: ...
