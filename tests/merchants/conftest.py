from __future__ import annotations

from dataclasses import dataclass

import pytest

from o2o.accounts.models import User
from o2o.core.models import OutboxEvent
from o2o.merchants.models import Merchant, StaffInvitation, StaffMember, Store
from tests import factories


@dataclass
class Tenant:
    merchant: Merchant
    store: Store
    other_store: Store
    owner: object
    staff_user: object
    staff: StaffMember


def make_tenant(name: str) -> Tenant:
    m = factories.merchant(name)
    s1, s2 = factories.store(m, opening_hours={"mon": [["10:00", "22:00"]]}), factories.store(m)
    staff_user = factories.staff(m, [s1])
    return Tenant(m, s1, s2, m.owner, staff_user, StaffMember.objects.get(user=staff_user))


@pytest.fixture
def tenants() -> tuple[Tenant, Tenant]:
    return make_tenant("Alpha Noodles"), make_tenant("Beta Barbers")


def db_state() -> tuple:
    """Everything a merchants write could change, to prove a refused request changed nothing."""
    return (
        list(Merchant.objects.order_by("id").values_list("id", "status", "name", "updated_at")),
        list(Store.objects.order_by("id").values_list("id", "name", "is_active", "latitude",
                                                      "time_zone", "opening_hours", "updated_at")),
        list(StaffMember.objects.order_by("id").values_list("id", "merchant_id", "is_active",
                                                            "user__role")),
        sorted(StaffMember.stores.through.objects.values_list("staffmember_id", "store_id")),
        list(StaffInvitation.objects.order_by("id").values_list("id", "accepted_at", "revoked_at")),
        list(User.objects.order_by("id").values_list("id", "role", "display_name", "is_active")),
        OutboxEvent.objects.count(),
    )
