"""Operators keep the category tree: create, rename, move (never into a cycle), delete empty."""

from __future__ import annotations

import pytest

from o2o.catalog import services
from o2o.catalog.models import Category
from o2o.core.errors import Conflict, PermissionDenied
from tests import factories
from tests.catalog import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def op(api_as):
    return api_as(helpers.operator())


def test_create_rename_and_move(op):
    r = op.post("/operator/categories", {"name": "Food", "slug": "food", "commission_rate_bp": 500})
    assert r.status_code == 201, r.json()
    food = r.json()["id"]
    r = op.post("/operator/categories", {"name": "面条", "parent_id": food})
    assert r.status_code == 201 and r.json()["parent_id"] == food and r.json()["slug"]
    noodles = r.json()["id"]
    r = op.post("/operator/categories", {"name": "Spa", "slug": "food"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "slug_taken"
    spa = op.post("/operator/categories", {"name": "Spa"}).json()["id"]

    r = op.patch(f"/operator/categories/{noodles}", {"parent_id": spa, "name": "Noodles"})
    assert r.status_code == 200 and r.json()["parent_id"] == spa and r.json()["name"] == "Noodles"
    r = op.patch(f"/operator/categories/{noodles}", {"parent_id": None})
    assert r.status_code == 200 and r.json()["parent_id"] is None
    assert len(helpers.events("category.created")) == 3
    assert len(helpers.events("category.moved")) == 2
    assert helpers.events("category.moved")[0].merchant_id == ""


def test_moves_that_would_make_a_cycle_are_refused(op):
    a = helpers.category("A")
    b = helpers.category("B", parent=a)
    c = helpers.category("C", parent=b)
    before = helpers.snapshot()
    for node, parent in ((a, c), (a, b), (b, b)):
        r = op.patch(f"/operator/categories/{node.public_id}", {"parent_id": parent.public_id})
        assert r.status_code == 409 and r.json()["error"]["code"] == "category_cycle"
    assert helpers.snapshot() == before
    r = op.patch(f"/operator/categories/{c.public_id}", {"parent_id": a.public_id})
    assert r.status_code == 200
    c.refresh_from_db()
    assert c.parent_id == a.pk


def test_only_empty_categories_can_be_deleted(op):
    parent = helpers.category("Parent")
    child = helpers.category("Child", parent=parent)
    factories.product(factories.merchant(), category=child)
    r = op.delete(f"/operator/categories/{parent.public_id}")
    assert r.status_code == 409 and r.json()["error"]["code"] == "category_not_empty"
    r = op.delete(f"/operator/categories/{child.public_id}")
    assert r.status_code == 409 and r.json()["error"]["code"] == "category_not_empty"
    assert Category.objects.count() == 2
    empty = helpers.category("Empty")
    assert op.delete(f"/operator/categories/{empty.public_id}").status_code == 204
    assert not Category.objects.filter(pk=empty.pk).exists()
    assert [e.aggregate_id for e in helpers.events("category.deleted")] == [empty.public_id]
    assert op.delete(f"/operator/categories/{empty.public_id}").status_code == 404
    assert op.delete("/operator/categories/garbage").status_code == 404


@pytest.mark.parametrize(("body", "code"), [
    ({"name": ""}, "validation_error"),
    ({"name": "x" * 61}, "validation_error"),
    ({"name": "ok", "slug": "Not a slug!"}, "invalid_slug"),
    ({"name": "ok", "commission_rate_bp": 10001}, "validation_error"),
    ({"name": "ok", "parent_id": "cat_0000000000000000"}, "category_not_found"),
])
def test_bad_category_requests(op, body, code):
    before = helpers.snapshot()
    r = op.post("/operator/categories", body)
    assert 400 <= r.status_code < 500 and r.json()["error"]["code"] == code
    assert helpers.snapshot() == before


def test_services_check_the_operator_role_themselves():
    c = helpers.category("X")
    owner = factories.merchant().owner
    with pytest.raises(PermissionDenied):
        services.delete_category(owner, c.public_id)
    with pytest.raises(Conflict):
        services.move_category(helpers.operator(), c.public_id, c.public_id)
