"""Search finds only what can be bought: a deal past its valid_until is not indexed, and
one that ends while indexed is dropped by the periodic sweep (no event marks its end)."""

from __future__ import annotations

import datetime as dt

import pytest

from o2o.core import clock
from o2o.search import services as search
from o2o.search import tasks
from o2o.search.models import DocType, Listing, SearchDocument
from tests import factories
from tests.vouchers import builders

pytestmark = pytest.mark.django_db


def found(q: str) -> set[str]:
    return {r["id"] for r in search.search(q).results}


def near() -> set[str]:
    return {r["product_id"] for r in search.nearby(22.533, 113.93, 3000).results}


def _deal(m, title: str, *, ends_in: dt.timedelta):
    return builders.service(m, title=title, validity_days=None, valid_from=clock.now() - dt.timedelta(days=1),
                            valid_until=clock.now() + ends_in)


def test_an_ended_deal_is_not_indexed():
    m = factories.merchant("春风茶楼")
    factories.store(m)
    ended = _deal(m, "早茶双人套餐", ends_in=dt.timedelta(hours=-1))
    running = _deal(m, "午茶双人套餐", ends_in=dt.timedelta(days=3))
    assert search.reindex_product(ended.pk) is None
    assert search.reindex_product(running.pk) is not None
    assert found("双人套餐") == {running.public_id}
    assert near() == {running.public_id}


def test_a_deal_that_ends_while_indexed_is_dropped_by_the_sweep():
    m = factories.merchant("夏日冰室")
    factories.store(m)
    deal = _deal(m, "冰室下午茶", ends_in=dt.timedelta(days=1))
    goods = factories.product(m, title="冰室杯子")
    search.reindex_merchant(m.pk)
    assert deal.public_id in found("冰室") and deal.public_id in near()
    clock.advance(dt.timedelta(days=1, seconds=1))
    assert tasks.drop_unpurchasable.call() == 1
    assert found("冰室") == {goods.public_id}
    assert deal.public_id not in near()
    assert not Listing.objects.filter(product_pk=deal.pk).exists()
    # A full rebuild converges on the same rows.
    search.rebuild()
    assert not SearchDocument.objects.filter(object_pk=deal.pk, doc_type=DocType.PRODUCT).exists()
    assert tasks.drop_unpurchasable.call() == 0
