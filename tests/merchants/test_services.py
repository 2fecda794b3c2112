from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest

from o2o.accounts.models import Role
from o2o.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from o2o.core.models import OutboxEvent
from o2o.merchants import services
from o2o.merchants.hours import normalize_opening_hours
from o2o.merchants.models import Merchant, MerchantStatus, StaffMember, StaffRole
from tests import factories

pytestmark = pytest.mark.django_db


def _events(merchant: Merchant) -> list[str]:
    return list(OutboxEvent.objects.filter(merchant_id=merchant.public_id)
                .order_by("id").values_list("event_type", flat=True))


def test_application_makes_the_user_a_pending_owner():
    user = factories.user()
    m = services.apply_merchant(user, "  Noodle House ", business_type="food")
    user.refresh_from_db()
    assert (m.status, m.name, m.owner_id) == (MerchantStatus.PENDING, "Noodle House", user.pk)
    assert user.role == Role.MERCHANT_OWNER
    member = StaffMember.objects.get(user=user)
    assert (member.merchant_id, member.role, member.is_active) == (m.pk, StaffRole.OWNER, True)
    assert _events(m) == ["merchant.applied"]


def test_a_member_cannot_apply_again():
    m = factories.merchant()
    with pytest.raises(Conflict) as exc:
        services.apply_merchant(m.owner, "Second shop")
    assert exc.value.code == "already_member"
    staff_user = factories.staff(m)
    with pytest.raises(Conflict):
        services.apply_merchant(staff_user, "Side business")
    assert Merchant.objects.count() == 1


def test_operators_cannot_apply():
    with pytest.raises(PermissionDenied):
        services.apply_merchant(factories.user(Role.OPERATOR), "Op shop")
    assert not Merchant.objects.exists()


@pytest.mark.parametrize(("start", "action", "end", "event"), [
    ("pending", "approve", "active", "merchant.approved"),
    ("pending", "reject", "rejected", "merchant.rejected"),
    ("active", "suspend", "suspended", "merchant.suspended"),
    ("suspended", "reinstate", "active", "merchant.reinstated"),
])
def test_legal_review_transitions(start, action, end, event):
    m = factories.merchant(status=start)
    op = factories.operator()
    args = (op, m.public_id, "why") if action in ("reject", "suspend") else (op, m.public_id)
    result = getattr(services, action)(*args)
    m.refresh_from_db()
    assert result.status == m.status == end
    assert m.reviewed_by_id == op.pk and m.reviewed_at is not None
    assert _events(m)[-1] == event


ILLEGAL = [(s, a) for s in ("pending", "active", "rejected", "suspended")
           for a in ("approve", "reject", "suspend", "reinstate")
           if (s, a) not in {("pending", "approve"), ("pending", "reject"), ("active", "suspend"),
                             ("suspended", "reinstate")}]


@pytest.mark.parametrize(("start", "action"), ILLEGAL)
def test_illegal_review_transitions_are_409(start, action):
    m = factories.merchant(status=start)
    before = (m.status, m.updated_at, len(_events(m)))
    args = (factories.operator(), m.public_id)
    if action in ("reject", "suspend"):
        args += ("reason",)
    with pytest.raises(Conflict) as exc:
        getattr(services, action)(*args)
    assert exc.value.code == "illegal_transition"
    m.refresh_from_db()
    assert (m.status, m.updated_at, len(_events(m))) == before


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_reject_and_suspend_need_a_reason(reason):
    pending, active = factories.merchant(status="pending"), factories.merchant()
    with pytest.raises(ValidationFailed) as exc:
        services.reject(factories.operator(), pending, reason)
    assert exc.value.code == "reason_required"
    with pytest.raises(ValidationFailed):
        services.suspend(factories.operator(), active, reason)
    pending.refresh_from_db()
    active.refresh_from_db()
    assert (pending.status, active.status) == ("pending", "active")


def test_review_needs_an_operator():
    m = factories.merchant(status="pending")
    with pytest.raises(PermissionDenied):
        services.approve(factories.user(), m.public_id)
    m.refresh_from_db()
    assert m.status == "pending"


def test_rejected_owner_reapplies_with_updated_details():
    m = factories.merchant(status="rejected")
    again = services.apply_merchant(m.owner, "Better name", description="now with licence")
    assert again.pk == m.pk
    m.refresh_from_db()
    assert (m.status, m.name, m.status_reason) == ("pending", "Better name", "")
    assert _events(m).count("merchant.applied") == 2
    assert services.approve(factories.operator(), m).status == "active"


def test_unknown_merchant_ids_are_not_found():
    for bad in ("mer_0000000000000000", "nope", ""):
        with pytest.raises(NotFound):
            services.approve(factories.operator(), bad)


def test_store_validation_and_h3():
    m = factories.merchant()
    s = services.create_store(m, name="A", address="x", latitude=22.5331234567, longitude="113.93",
                              time_zone="Europe/Paris",
                              opening_hours={"sun": [["09:00", "12:00"]], "mon": []})
    assert s.latitude == Decimal("22.533123")
    assert s.h3_cell and s.h3_coarse
    assert list(s.opening_hours) == ["mon", "sun"]
    cell = s.h3_cell
    services.update_store(m, s.public_id, latitude=39.9, longitude=116.4)
    s.refresh_from_db()
    assert s.h3_cell != cell
    for bad in [{"latitude": 91}, {"longitude": -180.5}, {"latitude": "x"}, {"latitude": True},
                {"latitude": float("nan")}, {"time_zone": "Mars/Base"}, {"name": ""},
                {"name": "a\x00b"}, {"opening_hours": []}, {"colour": "red"}]:
        with pytest.raises(ValidationFailed):
            services.update_store(m, s.public_id, **bad)
    assert _events(m).count("store.updated") == 1


@pytest.mark.parametrize("hours", [
    [], "mon 10-22", {"monday": []}, {"mon": "10:00-22:00"}, {"mon": [["10:00"]]},
    {"mon": [["25:00", "26:00"]]}, {"mon": [["10:00", "10:00"]]}, {"mon": [["9:00", "12:00"]]},
    {"mon": [[10, 22]]}, {"mon": [["10:00", "14:00"], ["13:00", "18:00"]]},
    {"mon": [["10:00", "11:00"]] * 7}, {"mon": [["24:00", "02:00"]]},
])
def test_bad_opening_hours(hours):
    with pytest.raises(ValidationFailed) as exc:
        normalize_opening_hours(hours)
    assert exc.value.code == "invalid_opening_hours"


def test_good_opening_hours_are_kept():
    hours = {"fri": [["17:00", "02:00"], ["10:00", "14:00"]], "mon": [["00:00", "24:00"]]}
    assert normalize_opening_hours(hours) == {"mon": [["00:00", "24:00"]],
                                              "fri": [["17:00", "02:00"], ["10:00", "14:00"]]}


@pytest.mark.parametrize(("local", "expected"), [
    ("2026-03-02 09:59", False),  # Monday
    ("2026-03-02 10:00", True),
    ("2026-03-02 21:59", True),
    ("2026-03-02 22:00", False),
    ("2026-03-06 23:30", True),  # Friday night, overnight range
    ("2026-03-07 01:59", True),  # its tail on Saturday morning
    ("2026-03-07 02:00", False),
    ("2026-03-08 12:00", False),  # Sunday: closed
])
def test_is_open_at_uses_store_time_zone(local, expected):
    m = factories.merchant()
    s = factories.store(m, time_zone="Asia/Tokyo",
                        opening_hours={"mon": [["10:00", "22:00"]], "fri": [["18:00", "02:00"]]})
    tz = zoneinfo.ZoneInfo("Asia/Tokyo")
    when = dt.datetime.strptime(local, "%Y-%m-%d %H:%M").replace(tzinfo=tz)
    assert services.is_open_at(s, when.astimezone(dt.UTC)) is expected
    with pytest.raises(ValueError):
        services.is_open_at(s, when.replace(tzinfo=None))


def test_staff_lifecycle():
    m = factories.merchant()
    a, b = factories.store(m), factories.store(m)
    member = services.add_staff(m, "clerk", "a-long-password", stores=[a.public_id])
    assert member.user.role == Role.MERCHANT_STAFF
    assert [s.pk for s in member.stores.all()] == [a.pk]
    services.update_staff(m, member.public_id, stores=[a.public_id, b.public_id])
    assert {s.pk for s in member.stores.all()} == {a.pk, b.pk}
    other_store = factories.store(factories.merchant())
    with pytest.raises(NotFound):
        services.update_staff(m, member.public_id, stores=[other_store.public_id])
    assert {s.pk for s in member.stores.all()} == {a.pk, b.pk}
    services.deactivate_staff(m, member.public_id)
    member.refresh_from_db()
    member.user.refresh_from_db()
    # The work account existed for this merchant only: it ends, it does not become a customer.
    assert (member.is_active, member.stores.count()) == (False, 0)
    assert (member.user.role, member.user.is_active) == (Role.MERCHANT_STAFF, False)
    assert [e for e in _events(m) if e.startswith("staff.")] == ["staff.added", "staff.updated",
                                                                "staff.removed"]
    assert OutboxEvent.objects.filter(event_type="user.deactivated",
                                      aggregate_id=member.user.public_id).count() == 1


def test_add_staff_never_attaches_an_existing_account():
    """The takeover of issue 10 item 9: no password used to attach a customer by name."""
    m = factories.merchant()
    bob = factories.user(username="bob")
    for password in (None, ""):
        with pytest.raises(ValidationFailed) as exc:
            services.add_staff(m, "bob", password)
        assert exc.value.code == "password_required"
    with pytest.raises(Conflict) as exc:
        services.add_staff(m, "bob", "a-long-password", display_name="Front desk")
    assert exc.value.code == "username_taken"
    bob.refresh_from_db()
    assert (bob.role, bob.display_name, bob.is_active) == (Role.CUSTOMER, "bob", True)
    assert not StaffMember.objects.filter(user=bob).exists()
    with pytest.raises(Conflict) as exc:
        services.deactivate_staff(m, StaffMember.objects.get(user=m.owner).public_id)
    assert exc.value.code == "cannot_remove_owner"


def test_renaming_staff_names_the_membership_not_the_account():
    m = factories.merchant()
    customer = factories.user(username="lin")
    invitation, code = services.create_invitation(m, m.owner)
    member = services.accept_invitation(customer, code)
    services.update_staff(m, member.public_id, display_name="Front desk")
    customer.refresh_from_db()
    member.refresh_from_db()
    assert (customer.display_name, member.display_name, member.shown_name) == (
        "lin", "Front desk", "Front desk")


def test_database_refuses_coordinates_out_of_range():
    from django.db import IntegrityError, transaction

    s = factories.store(factories.merchant())
    with pytest.raises(IntegrityError), transaction.atomic():
        type(s).objects.filter(pk=s.pk).update(latitude=Decimal("95"))
    s.refresh_from_db()
    assert -90 <= s.latitude <= 90
