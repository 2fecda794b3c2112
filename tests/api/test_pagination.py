"""Cursor pagination on every list the OpenAPI document declares: a cursor we did not
issue is 422 `invalid_cursor` (it was a 500 page), `next`/`previous` are what docs/api.md
says (the URL of the adjacent page), and the token does not show an internal id."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client, override_settings

from o2o.accounts.models import Role
from o2o.core.pagination import seal
from o2o.webhooks import services as webhooks
from tests import factories
from tests.api.openapi import operations, role_for

pytestmark = pytest.mark.django_db

LISTS = [path for method, path, op in operations()
         if method == "get" and any(p["name"] == "cursor" for p in op.get("parameters", []))]

BAD_CURSORS = [
    "bz0tMQ==",  # base64 of "o=-1": ninja's own format, which crashed the page
    "cD0x",  # base64 of "p=1": the old token naming an internal id
    "not a cursor",
    "%%%",
    "A" * 2000,
]


def test_the_document_lists_the_paginated_endpoints():
    assert {"/api/v1/products", "/api/v1/orders", "/api/v1/merchants"} <= set(LISTS)


@pytest.fixture
def world(api_as):
    merchant = factories.merchant()
    product = factories.product(merchant)
    endpoint, _secret = webhooks.create_endpoint(merchant.owner, "http://127.0.0.1:9/hooks", ["*"])
    return {"merchant_id": merchant.public_id, "product_id": product.public_id, "endpoint_id": endpoint.public_id,
            "clients": {"operator": api_as(factories.user(Role.OPERATOR)),
                        "owner": api_as(merchant.owner), "customer": api_as(factories.user())}}


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("cursor", BAD_CURSORS, ids=range(len(BAD_CURSORS)))
def test_a_cursor_we_did_not_issue_is_422(world, path, cursor):
    client = world["clients"][role_for(path)]
    url = path.format(merchant_id=world["merchant_id"], product_id=world["product_id"],
                      endpoint_id=world["endpoint_id"])
    r = client.client.get(url, {"cursor": cursor}, headers=client._headers(None))
    assert r.status_code == 422, r.content
    assert r.json()["error"]["code"] == "invalid_cursor"


def test_a_tampered_or_foreign_token_is_refused(anon):
    for _ in range(3):
        factories.product(factories.merchant())
    first = anon.get("/products", {"page_size": 1}).json()
    token = parse_qs(urlsplit(first["next"]).query)["cursor"][0]
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert anon.get("/products", {"cursor": flipped}).json()["error"]["code"] == "invalid_cursor"
    with override_settings(SECRET_KEY="another-secret-key-for-another-deployment-0123456789"):
        assert anon.get("/products", {"cursor": token}).status_code == 422
    # A well-formed token of ours whose position is not a key is refused as well.
    assert anon.get("/products", {"cursor": seal({"p": "abc"})}).status_code == 422


def test_next_and_previous_walk_every_row_once(anon):
    made = {factories.product(factories.merchant()).public_id for _ in range(7)}
    seen: list[str] = []
    pages = []
    url: str | None = "/api/v1/products?page_size=3"
    while url:
        body = anon.client.get(url).json()
        pages.append(body)
        seen += [p["id"] for p in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 7 and set(seen) == made
    assert [len(p["results"]) for p in pages] == [3, 3, 1]
    assert pages[0]["previous"] is None
    back = anon.client.get(pages[2]["previous"]).json()
    assert [p["id"] for p in back["results"]] == [p["id"] for p in pages[1]["results"]]


def test_the_token_shows_no_internal_id(anon):
    products = [factories.product(factories.merchant()) for _ in range(3)]
    body = anon.get("/products", {"page_size": 1}).json()
    token = parse_qs(urlsplit(body["next"]).query)["cursor"][0]
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    # The old token was base64 of "p=<id>": neither the id nor the field name is readable.
    for p in products:
        assert f"p={p.pk}".encode() not in raw and f'"p":"{p.pk}"'.encode() not in raw
    assert b"p=" not in raw and b'"p"' not in raw
    # Two tokens for the same position differ (a fresh nonce each time).
    again = anon.get("/products", {"page_size": 1}).json()["next"]
    assert again != body["next"]


def test_a_bad_cursor_is_json_on_a_real_request():
    """Through the whole stack, as a browser or curl sends it (the 500 was an HTML page)."""
    r = Client(raise_request_exception=False).get("/api/v1/products?cursor=bz0tMQ==")
    assert r.status_code == 422 and r["Content-Type"].startswith("application/json")
