from __future__ import annotations

import pytest

from o2o.accounts.models import ApiToken
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("raw", ['{"name": "a\\u0000b"}', '{"name": "ok", "x": "\\u0000"}',
                                 '{"name": "\\\\\\u0000"}'])
def test_json_nul_escape_is_refused_before_any_write(api_as, raw):
    client = api_as(factories.user())
    before = ApiToken.objects.count()
    r = client.post("/me/tokens", raw=raw)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_characters"
    assert ApiToken.objects.count() == before


def test_nul_in_query_string_is_refused(anon):
    r = anon.client.get("/api/v1/products?q=%00")
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_characters")


def test_an_escaped_backslash_before_u0000_text_is_not_a_nul(api_as):
    client = api_as(factories.user())
    r = client.post("/me/tokens", raw='{"name": "literal \\\\u0000 text"}')
    assert r.status_code == 201
    assert r.json()["name"] == "literal \\u0000 text"
