"""Phone sign-in with an SMS code: the code is hashed, good for 5 minutes and 5 tries and
used once; sending is limited per number and per address; the answer never tells whether
the number has an account; a bound number reaches its account."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.core import clock
from o2o.identity import codes
from o2o.identity.models import PhoneCode, PhoneIdentity
from tests import factories
from tests.conftest import ApiClient
from tests.identity.helpers import last_code

pytestmark = pytest.mark.django_db

PHONE = "+8613812345678"


def _sign_in(client: ApiClient, phone: str = PHONE, **extra):
    assert client.post("/auth/phone/code", {"phone": phone}).status_code == 200
    return client.post("/auth/phone/verify", {"phone": phone, "code": last_code(phone), **extra})


def test_first_sign_in_creates_a_customer_and_the_next_reaches_the_same_account(anon):
    first = _sign_in(anon, "138 1234 5678")
    assert first.status_code == 200, first.content
    assert first.json()["created"] is True
    me = anon.get("/me")  # the session cookie signs the client in
    assert me.status_code == 200 and me.json()["id"] == first.json()["user_id"]
    assert me.json()["role"] == "customer"
    assert PhoneIdentity.objects.get(phone=PHONE).user.public_id == first.json()["user_id"]

    clock.advance(dt.timedelta(seconds=61))
    again = _sign_in(ApiClient())
    assert again.status_code == 200 and again.json() == {**first.json(), "created": False}


def test_a_token_is_given_when_asked(anon):
    answer = _sign_in(anon, token=True)
    assert answer.status_code == 200
    assert ApiClient(answer.json()["token"]).get("/me").json()["id"] == answer.json()["user_id"]


def test_the_code_is_stored_only_as_a_digest(anon):
    anon.post("/auth/phone/code", {"phone": PHONE})
    code = last_code(PHONE)
    row = PhoneCode.objects.get(phone=PHONE)
    stored = " ".join(str(v) for v in PhoneCode.objects.filter(pk=row.pk).values().first().values())
    assert code not in stored and len(row.digest) == 64


def test_the_answer_is_the_same_whether_or_not_the_number_has_an_account(anon):
    _sign_in(anon, "+8613900000001")  # this number now has an account
    clock.advance(dt.timedelta(seconds=61))
    known = ApiClient().post("/auth/phone/code", {"phone": "+8613900000001"})
    unknown = ApiClient().post("/auth/phone/code", {"phone": "+8613900000002"})
    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json() == {"sent": True, "expires_in": 300, "resend_in": 60}


def test_a_code_expires_after_5_minutes(anon):
    anon.post("/auth/phone/code", {"phone": PHONE})
    code = last_code(PHONE)
    clock.advance(dt.timedelta(minutes=5, seconds=1))
    r = anon.post("/auth/phone/verify", {"phone": PHONE, "code": code})
    assert r.status_code == 422 and r.json()["error"]["code"] == "code_expired"
    assert not PhoneIdentity.objects.exists()


def test_five_wrong_tries_kill_the_code(anon):
    anon.post("/auth/phone/code", {"phone": PHONE})
    code = last_code(PHONE)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    answers = [anon.post("/auth/phone/verify", {"phone": PHONE, "code": wrong}).json()["error"]["code"]
               for _ in range(codes.MAX_ATTEMPTS)]
    assert answers == ["invalid_code"] * 4 + ["too_many_attempts"]
    r = anon.post("/auth/phone/verify", {"phone": PHONE, "code": code})
    assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_attempts"
    assert not PhoneIdentity.objects.exists()


def test_a_code_is_used_once_and_only_the_newest_code_counts(anon):
    anon.post("/auth/phone/code", {"phone": PHONE})
    old = last_code(PHONE)
    clock.advance(dt.timedelta(seconds=61))
    anon.post("/auth/phone/code", {"phone": PHONE})
    new = last_code(PHONE)
    if old != new:
        r = anon.post("/auth/phone/verify", {"phone": PHONE, "code": old})
        assert r.json()["error"]["code"] == "invalid_code"
    assert anon.post("/auth/phone/verify", {"phone": PHONE, "code": new}).status_code == 200
    r = ApiClient().post("/auth/phone/verify", {"phone": PHONE, "code": new})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_code"


def test_one_code_a_minute_per_number_with_retry_after(anon):
    assert anon.post("/auth/phone/code", {"phone": PHONE}).status_code == 200
    r = ApiClient().post("/auth/phone/code", {"phone": PHONE})
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(r["Retry-After"]) <= 60
    clock.advance(dt.timedelta(seconds=61))
    assert anon.post("/auth/phone/code", {"phone": PHONE}).status_code == 200


def test_ten_codes_a_day_per_number(anon):
    for _ in range(codes.PER_PHONE_DAY):
        assert anon.post("/auth/phone/code", {"phone": PHONE}).status_code == 200
        clock.advance(dt.timedelta(seconds=61))
    r = anon.post("/auth/phone/code", {"phone": PHONE})
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
    assert int(r["Retry-After"]) > 3600
    clock.advance(dt.timedelta(days=1))
    assert anon.post("/auth/phone/code", {"phone": PHONE}).status_code == 200


def test_codes_per_client_address_are_limited(anon):
    for i in range(codes.PER_IP_HOUR):
        assert anon.post("/auth/phone/code", {"phone": f"+86139{i:08d}"}).status_code == 200
    r = anon.post("/auth/phone/code", {"phone": "+8613799999999"})
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited" and r["Retry-After"]
    assert not PhoneCode.objects.filter(phone="+8613799999999").exists()


@pytest.mark.parametrize("phone", ["12345", "+86123456789012", "not a phone", "+0123456789"])
def test_a_bad_number_is_refused(anon, phone):
    r = anon.post("/auth/phone/code", {"phone": phone})
    assert r.status_code == 422 and r.json()["error"]["code"] in ("invalid_phone", "validation_error")
    assert not PhoneCode.objects.exists()


def test_a_bound_number_signs_in_to_the_account_it_was_bound_to(api_as):
    person = factories.user()
    me = api_as(person)
    assert me.post("/me/phone", {"phone": PHONE}).status_code == 200
    bound = me.post("/me/phone/verify", {"phone": PHONE, "code": last_code(PHONE)})
    assert bound.status_code == 200 and bound.json() == {"phone": "+86 138****5678"}

    clock.advance(dt.timedelta(seconds=61))
    signed_in = _sign_in(ApiClient())
    assert signed_in.json() == {"user_id": person.public_id, "created": False, "token": None}


def test_a_number_of_another_account_is_not_bound(api_as):
    owner = _sign_in(ApiClient()).json()["user_id"]
    clock.advance(dt.timedelta(seconds=61))
    other = api_as(factories.user())
    other.post("/me/phone", {"phone": PHONE})
    r = other.post("/me/phone/verify", {"phone": PHONE, "code": last_code(PHONE)})
    assert r.status_code == 409 and r.json()["error"]["code"] == "phone_in_use"
    assert PhoneIdentity.objects.get(phone=PHONE).user.public_id == owner


def test_a_bind_code_is_good_only_for_the_account_that_asked(api_as):
    asker = api_as(factories.user())
    asker.post("/me/phone", {"phone": PHONE})
    r = api_as(factories.user()).post("/me/phone/verify", {"phone": PHONE, "code": last_code(PHONE)})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_code"
    assert not PhoneIdentity.objects.exists()
