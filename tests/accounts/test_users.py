"""Account writes other apps call: ending a work account, locking a user, and a
username taken by a concurrent sign-up (409, never an integrity error)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from o2o.accounts import services
from o2o.accounts.models import Role, User
from o2o.core.errors import Conflict, DomainError
from o2o.core.models import OutboxEvent
from tests import factories


@pytest.mark.django_db
def test_a_deactivated_account_signs_in_nowhere(api_as):
    user = factories.user(Role.MERCHANT_STAFF)
    client = api_as(user)
    assert client.get("/me").status_code == 200
    services.deactivate_user(user, "staff_removed")
    services.deactivate_user(user, "staff_removed")  # idempotent
    assert client.get("/me").status_code == 401
    assert services.lock_active_user(user) is None
    assert not User.objects.get(pk=user.pk).is_active
    assert OutboxEvent.objects.filter(event_type="user.deactivated",
                                      aggregate_id=user.public_id).count() == 1


@pytest.mark.django_db
def test_a_taken_username_is_a_conflict():
    factories.user(username="lin")
    with pytest.raises(Conflict) as exc:
        services.create_user("lin", "a-long-password")
    assert exc.value.code == "username_taken"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_of_one_name_create_one_account():
    barrier = threading.Barrier(4)
    results: list = [None] * 4

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = services.create_user("same-name", "a-long-password")
        except Exception as exc:  # noqa: BLE001 - an IntegrityError must show up as a failure
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(isinstance(r, User | DomainError) for r in results), results
    assert sum(isinstance(r, User) for r in results) == 1
    assert {r.code for r in results if isinstance(r, DomainError)} == {"username_taken"}
    assert User.objects.filter(username="same-name").count() == 1
