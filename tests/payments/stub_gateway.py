"""The one stand-in payment gateway for tests that are not about the gateway: it accepts
every prepay and refund and records them; the tests decide the outcomes (they apply the
gateway's transaction or refund result themselves). Tests about the gateway use the real
SDK against the sandbox (tests/payments/test_end_to_end.py).

Use the `gateway` fixture (import it into the test module or its helpers), or
`installed_stub()` in a fixture of another name."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from o2o.payments.providers import PrepayRequest, PrepayResult, RefundRequest, use_gateway


class StubGateway:
    name = "stub"

    def __init__(self) -> None:
        self.calls: list[PrepayRequest] = []
        self.refunds: list[RefundRequest] = []

    def create_prepay(self, request: PrepayRequest) -> PrepayResult:
        self.calls.append(request)
        return PrepayResult(code_url=f"weixin://wxpay/bizpayurl?pr={request.out_trade_no}")

    def refund(self, request: RefundRequest) -> dict:
        self.refunds.append(request)
        return {"refund_id": f"50{len(self.refunds):012d}", "status": "PROCESSING"}


@contextlib.contextmanager
def installed_stub() -> Iterator[StubGateway]:
    """Payments go to a fresh StubGateway inside the block."""
    gw = StubGateway()
    use_gateway(gw)
    try:
        yield gw
    finally:
        use_gateway(None)


@pytest.fixture
def gateway() -> Iterator[StubGateway]:
    with installed_stub() as gw:
        yield gw
