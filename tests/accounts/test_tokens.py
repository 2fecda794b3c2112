from __future__ import annotations

import pytest

from o2o.accounts.models import ApiToken
from tests import factories

pytestmark = pytest.mark.django_db


def test_token_is_shown_once_and_stored_hashed(api_as):
    user = factories.user()
    client = api_as(user)
    r = client.post("/me/tokens", {"name": "cli"})
    assert r.status_code == 201
    secret = r.json()["token"]
    stored = ApiToken.objects.get(public_id=r.json()["id"])
    assert secret not in (stored.digest, stored.prefix)
    listed = client.get("/me/tokens").json()["results"]
    assert all("token" not in t for t in listed)
    assert {t["id"] for t in listed} >= {stored.public_id}


def test_revoked_token_no_longer_authenticates(api_as, anon):
    user = factories.user()
    client = api_as(user)
    r = client.post("/me/tokens", {"name": "ci"})
    new = anon.__class__(r.json()["token"])
    assert new.get("/me").status_code == 200
    assert client.delete(f"/me/tokens/{r.json()['id']}").status_code == 200
    assert new.get("/me").status_code == 401
    assert new.get("/me").json()["error"]["code"] == "not_authenticated"


def test_tokens_of_another_user_are_not_found(api_as):
    a, b = factories.user(), factories.user()
    r = api_as(a).post("/me/tokens", {"name": "mine"})
    resp = api_as(b).delete(f"/me/tokens/{r.json()['id']}")
    assert resp.status_code == 404
    assert ApiToken.objects.get(public_id=r.json()["id"]).revoked_at is None


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer o2o_short_x", "Token abc", "Bearer "])
def test_bad_tokens_are_401(anon, header):
    r = anon.client.get("/api/v1/me", headers={"Authorization": header})
    assert r.status_code == 401


def test_password_is_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = settings.PASSWORD_HASHERS[1:]
    assert settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    user = factories.user()
    assert user.password.startswith("argon2")
