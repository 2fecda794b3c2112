"""Strict input, checked against every operation the OpenAPI document declares: a JSON
boolean is not a number (pydantic's lax mode read `true` as quantity 1, as 1 use), and a
body that is not a JSON object where one is declared is refused (`[]` to /checkout placed
an order). The cases are generated from the document, so a new endpoint is covered."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from o2o.accounts.models import Role
from o2o.counter import services as counter
from o2o.orders.models import Cart, Order
from tests import factories
from tests.api.openapi import json_body_schema, operations, resolve, role_for
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db

Path = tuple[str | int, ...]


def number_leaves(schema: dict[str, Any], path: Path = (), depth: int = 0) -> Iterator[Path]:
    """Every place in a body schema where a number (and not a boolean) is declared."""
    if depth > 8:
        return
    schema = resolve(schema)
    options = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf")
    if options:
        resolved = [resolve(o) for o in options]
        if any(o.get("type") == "boolean" for o in resolved):
            return
        for option in resolved:
            yield from number_leaves(option, path, depth + 1)
        return
    kind = schema.get("type")
    if kind in ("integer", "number"):
        yield path
    elif kind == "object":
        for name, sub in (schema.get("properties") or {}).items():
            yield from number_leaves(sub, (*path, name), depth + 1)
    elif kind == "array" and "items" in schema:
        yield from number_leaves(schema["items"], (*path, 0), depth + 1)


def put_at(path: Path, value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    return [put_at(rest, value)] if isinstance(head, int) else {head: put_at(rest, value)}


def _fill(path: str) -> str:
    # Ids need not exist: validation answers before any lookup.
    return path.replace("{", "").replace("}", "")


BOOL_CASES = sorted({(method, path, leaf) for method, path, op in operations()
                     if (schema := json_body_schema(op)) is not None
                     for leaf in number_leaves(schema)}, key=str)
OBJECT_CASES = [(method, path) for method, path, op in operations()
                if (schema := json_body_schema(op)) is not None and schema.get("type") == "object"]


def test_the_document_declares_what_these_tests_rely_on():
    """A guard against a silently empty parametrization."""
    assert ("post", "/api/v1/cart/lines", ("quantity",)) in BOOL_CASES
    assert ("post", "/api/v1/checkout") in OBJECT_CASES
    assert len(BOOL_CASES) > 20 and len(OBJECT_CASES) > 40


@pytest.fixture
def clients(api_as):
    merchant = factories.merchant()
    _, device_token = counter.register_device(merchant.owner, "Counter", factories.store(merchant).public_id)
    return {"operator": api_as(factories.user(Role.OPERATOR)), "owner": api_as(merchant.owner),
            "customer": api_as(factories.user()), "device": ApiClient(device_token)}


def _send(client, method: str, path: str, raw: str):
    return client.client.generic(method.upper(), _fill(path), raw, content_type="application/json",
                                 headers=client._headers(None))


@pytest.mark.parametrize(("method", "path", "leaf"), BOOL_CASES,
                         ids=[f"{m} {p} {'.'.join(map(str, f))}" for m, p, f in BOOL_CASES])
def test_a_boolean_is_not_a_number(clients, method, path, leaf):
    r = _send(clients[role_for(path)], method, path, json.dumps(put_at(leaf, True)))
    assert r.status_code == 422, r.content
    error = r.json()["error"]
    assert error["code"] == "validation_error"
    name = [p for p in leaf if isinstance(p, str)][-1]
    assert any(d["loc"][-1] == name and "boolean" in d["msg"] for d in error["details"]), error


@pytest.mark.parametrize(("method", "path"), OBJECT_CASES, ids=[f"{m} {p}" for m, p in OBJECT_CASES])
@pytest.mark.parametrize("body", ["[]", "[{}]", '"text"', "7"])
def test_a_body_that_is_not_an_object_is_refused(clients, method, path, body):
    r = _send(clients[role_for(path)], method, path, body)
    assert r.status_code == 422, r.content
    error = r.json()["error"]
    assert error["code"] == "validation_error"
    assert any(d["type"] == "model_type" for d in error["details"]), error


def test_true_is_not_quantity_one_and_an_empty_array_places_no_order(api_as):
    """The two cases the issue reports, end to end: nothing is carted or ordered."""
    merchant = factories.merchant()
    sku = factories.product(merchant).skus.get()
    customer = api_as(factories.user())
    r = customer.post("/cart/lines", {"sku": sku.public_id, "quantity": True})
    assert r.status_code == 422
    assert customer.post("/cart/lines", {"sku": sku.public_id, "quantity": 1}).status_code == 201
    r = customer.post("/checkout", raw="[]")
    assert (r.status_code, r.json()["error"]["code"]) == (422, "validation_error")
    assert not Order.objects.exists()
    assert Cart.objects.get().lines.count() == 1
