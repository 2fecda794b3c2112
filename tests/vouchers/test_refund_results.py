"""The payments flow reports the outcome of voucher refund requests; the state only moves forward."""

from __future__ import annotations

import pytest

from o2o.core.errors import NotFound, ValidationFailed
from o2o.core.models import OutboxEvent
from o2o.vouchers import services
from o2o.vouchers.models import VoucherRefund
from tests.vouchers import builders

pytestmark = pytest.mark.django_db


@pytest.fixture
def refund_request():
    w = builders.world()
    [voucher] = builders.vouchers_of(builders.buy(w.customer, builders.service(w.merchant)))
    return services.request_refund(w.customer, voucher.public_id, "plans changed")


def test_outcome_moves_forward_only(refund_request):
    rid = refund_request.public_id
    assert services.note_refund_result(rid, "processing").status == "processing"
    assert services.note_refund_result(rid, "succeeded").status == "succeeded"
    # A late, contrary outcome and a repeat change nothing.
    assert services.note_refund_result(rid, "failed").status == "succeeded"
    assert services.note_refund_result(rid, "processing").status == "succeeded"
    assert VoucherRefund.objects.get(public_id=rid).status == "succeeded"
    kinds = list(OutboxEvent.objects.filter(aggregate_id=rid).values_list("event_type", flat=True))
    assert kinds.count("voucher.refund_succeeded") == 1


def test_bad_outcomes_are_refused(refund_request):
    with pytest.raises(ValidationFailed):
        services.note_refund_result(refund_request.public_id, "paid")
    with pytest.raises(NotFound):
        services.note_refund_result("rfq_0000000000000000", "succeeded")
