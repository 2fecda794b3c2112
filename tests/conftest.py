from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.test import Client

from o2o.core import clock


def pytest_configure(config) -> None:
    # In CI the PostgreSQL run must really be on PostgreSQL: fail, never skip.
    if os.environ.get("O2O_REQUIRE_POSTGRES") == "1" and not settings.IS_POSTGRES:
        raise pytest.UsageError("O2O_REQUIRE_POSTGRES=1 but DATABASE_URL is not PostgreSQL")
    # Argon2 is deliberately slow; tests that are not about hashing use a fast hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 *settings.PASSWORD_HASHERS]


@pytest.fixture(autouse=True)
def _reset_clock():
    clock.reset()
    yield
    clock.reset()


class ApiClient:
    """A JSON client for /api/v1 with an optional bearer token."""

    def __init__(self, token: str | None = None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self, headers: dict | None) -> dict:
        h = dict(headers or {})
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        return h

    def _url(self, path: str) -> str:
        return path if path.startswith("/api/") else f"/api/v1{path}"

    def get(self, path: str, params: dict | None = None, headers: dict | None = None):
        return self.client.get(self._url(path), params or {}, headers=self._headers(headers))

    def post(self, path: str, body=None, headers: dict | None = None, raw: str | None = None):
        import json

        data = raw if raw is not None else json.dumps(body if body is not None else {})
        return self.client.post(self._url(path), data, content_type="application/json",
                                headers=self._headers(headers))

    def patch(self, path: str, body=None, headers: dict | None = None):
        import json

        return self.client.patch(self._url(path), json.dumps(body or {}),
                                 content_type="application/json", headers=self._headers(headers))

    def put(self, path: str, body=None, headers: dict | None = None):
        import json

        return self.client.put(self._url(path), json.dumps(body or {}),
                               content_type="application/json", headers=self._headers(headers))

    def delete(self, path: str, headers: dict | None = None):
        return self.client.delete(self._url(path), headers=self._headers(headers))


@pytest.fixture
def api_as():
    """api_as(user) -> ApiClient authenticated with a fresh token of that user."""
    from tests import factories

    def make(user=None) -> ApiClient:
        return ApiClient(factories.token_for(user) if user is not None else None)

    return make


@pytest.fixture
def anon() -> ApiClient:
    return ApiClient()


def pytest_collection_modifyitems(config, items) -> None:
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (run with DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords and not settings.IS_POSTGRES:
            item.add_marker(skip_pg)
