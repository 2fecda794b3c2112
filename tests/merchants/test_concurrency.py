"""Races on PostgreSQL with real concurrent connections: one user's duplicate
applications, two operators reviewing the same merchant at once, and staff
invitations accepted at once (single use; one merchant per person)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from o2o.core.errors import DomainError
from o2o.core.models import OutboxEvent
from o2o.merchants import services
from o2o.merchants.models import Merchant, StaffInvitation, StaffMember
from tests import factories

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(calls) -> list:
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except DomainError as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_concurrent_applications_of_one_user_create_one_merchant():
    user = factories.user()
    results = _race([lambda i=i: services.apply_merchant(user, f"Shop {i}") for i in range(6)])
    made = [r for r in results if isinstance(r, Merchant)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(made) == 1 and len(refused) == 5
    assert {r.code for r in refused} == {"already_member"}
    assert Merchant.objects.filter(owner=user).count() == 1
    assert StaffMember.objects.filter(user=user).count() == 1


def test_concurrent_approve_and_reject_one_wins():
    m = factories.merchant(status="pending")
    op1, op2 = factories.operator(), factories.user("operator", username="second-operator")
    results = _race([lambda: services.approve(op1, m.public_id),
                     lambda: services.reject(op2, m.public_id, "duplicate"),
                     lambda: services.approve(op2, m.public_id)])
    winners = [r for r in results if isinstance(r, Merchant)]
    assert len(winners) == 1
    assert all(r.code == "illegal_transition" for r in results if isinstance(r, DomainError))
    m.refresh_from_db()
    assert m.status == winners[0].status
    review_events = OutboxEvent.objects.filter(
        merchant_id=m.public_id, event_type__in=["merchant.approved", "merchant.rejected"])
    assert review_events.count() == 1


def test_two_people_accept_one_invitation_at_once_exactly_one_wins():
    m = factories.merchant()
    _invitation, code = services.create_invitation(m, m.owner)
    people = [factories.user() for _ in range(6)]
    results = _race([lambda u=u: services.accept_invitation(u, code) for u in people])
    joined = [r for r in results if isinstance(r, StaffMember)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(joined) == 1 and len(refused) == 5
    assert {r.code for r in refused} == {"invitation_used"}
    assert StaffMember.objects.filter(merchant=m, role="staff", is_active=True).count() == 1
    invitation = StaffInvitation.objects.get()
    assert invitation.accepted_by_id == joined[0].user_id
    assert OutboxEvent.objects.filter(event_type="staff.invitation_accepted").count() == 1


def test_one_person_accepting_two_invitations_at_once_joins_one_merchant():
    codes = []
    for _ in range(4):
        m = factories.merchant()
        codes.append(services.create_invitation(m, m.owner)[1])
    person = factories.user()
    results = _race([lambda c=c: services.accept_invitation(person, c) for c in codes])
    joined = [r for r in results if isinstance(r, StaffMember)]
    assert len(joined) == 1
    assert {r.code for r in results if isinstance(r, DomainError)} == {"already_member"}
    assert StaffMember.objects.filter(user=person).count() == 1
    # The refused invitations are still open for someone else.
    assert StaffInvitation.objects.filter(accepted_at__isnull=True).count() == 3
