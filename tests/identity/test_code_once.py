"""20 concurrent verifications of one sign-in code on PostgreSQL: exactly one signs in
(one session, one account); the other 19 are refused as a used code."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.sessions.models import Session
from django.db import connection

from o2o.accounts.models import User
from o2o.identity.models import PhoneIdentity
from tests.conftest import ApiClient
from tests.identity.helpers import last_code

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PHONE = "+8613812345678"
CLIENTS = 20


def test_one_code_verified_20_times_at_once_gives_one_session():
    assert ApiClient().post("/auth/phone/code", {"phone": PHONE}).status_code == 200
    code = last_code(PHONE)
    gate = threading.Barrier(CLIENTS)

    def verify(_):
        client = ApiClient()
        gate.wait()
        try:
            r = client.post("/auth/phone/verify", {"phone": PHONE, "code": code})
            return r.status_code, (r.json().get("error") or {}).get("code"), "sessionid" in r.cookies
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        answers = list(pool.map(verify, range(CLIENTS)))

    assert sorted(a[:2] for a in answers) == [(200, None)] + [(422, "invalid_code")] * (CLIENTS - 1)
    assert [a[2] for a in answers].count(True) == 1
    assert Session.objects.count() == 1
    assert PhoneIdentity.objects.filter(phone=PHONE).count() == 1
    assert User.objects.filter(phone=PHONE).count() == 1
