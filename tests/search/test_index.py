"""The index follows the catalog and merchants through the outbox (relayed here by hand,
as the worker does every few seconds), and a full rebuild converges on the same rows."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from o2o.catalog import services as catalog
from o2o.core import events
from o2o.merchants import services as merchants
from o2o.search import services as search
from o2o.search.models import Listing, SearchDocument
from tests import factories
from tests.vouchers import builders

pytestmark = pytest.mark.django_db


def found(q: str) -> set[str]:
    return {r["id"] for r in search.search(q).results}


def near(lat=22.533, lng=113.93) -> set[str]:
    return {r["product_id"] for r in search.nearby(lat, lng, 3000).results}


def test_publish_unpublish_edit_follow_the_outbox():
    m = factories.merchant("瑜伽馆")
    factories.store(m)
    p = builders.service(m, title="空中瑜伽体验课", published=False)
    events.relay()
    assert p.public_id not in found("瑜伽")
    catalog.publish(m, p.public_id)
    assert p.public_id not in found("瑜伽")  # not yet relayed: the delay is bounded by the relay interval
    events.relay()
    assert p.public_id in found("瑜伽") and p.public_id in near()
    catalog.update_product(m, p.public_id, {"title": "普拉提私教课"})
    events.relay()
    assert p.public_id in found("普拉提") and p.public_id not in found("空中")
    catalog.unpublish(m, p.public_id)
    events.relay()
    assert p.public_id not in found("普拉提") and p.public_id not in near()
    assert not Listing.objects.filter(product_pk=p.pk).exists()


def test_suspension_hides_everything_and_reinstatement_restores():
    m = factories.merchant("星光洗车")
    factories.store(m)
    p = builders.service(m, title="精致洗车")
    search.reindex_merchant(m.pk)
    assert p.public_id in found("洗车") and p.public_id in near()
    merchants.suspend(factories.operator(), m, "complaints")
    events.relay()
    assert found("洗车") == set() and near() == set()
    assert not SearchDocument.objects.filter(merchant_pk=m.pk).exists()
    merchants.reinstate(factories.operator(), m)
    events.relay()
    assert p.public_id in found("洗车") and p.public_id in near()


def test_store_move_and_deactivation_update_listings():
    m = factories.merchant()
    store = factories.store(m)
    p = builders.service(m, title="宠物洗护")
    search.reindex_product(p.pk)
    assert p.public_id in near()
    merchants.update_store(m, store.public_id, latitude="31.230000", longitude="121.470000")
    events.relay()
    assert p.public_id not in near() and p.public_id in near(31.23, 121.47)
    merchants.deactivate_store(m, store.public_id)
    events.relay()
    assert p.public_id not in near(31.23, 121.47)


def test_sku_price_change_updates_the_from_price():
    m = factories.merchant()
    factories.store(m)
    p = builders.service(m, title="美式咖啡券", price_fen=3000)
    search.reindex_product(p.pk)
    sku = p.skus.get()
    catalog.update_sku(m, p.public_id, sku.public_id, {"price_fen": 1500})
    events.relay()
    [hit] = search.search("咖啡").results
    assert hit["price_fen"] == 1500
    assert Listing.objects.get(product_pk=p.pk).price_fen == 1500


def test_reindex_command_rebuilds_and_prunes(capsys):
    m = factories.merchant("书店")
    factories.store(m)
    p = builders.service(m, title="读书会")
    gone = builders.service(m, title="旧活动")
    gone.status = "unpublished"
    gone.save(update_fields=["status"])
    SearchDocument.objects.all().delete()
    call_command("search", "reindex")
    err = capsys.readouterr().err
    assert "reindex [" in err
    assert p.public_id in found("读书会") and gone.public_id not in found("旧活动")
    before = sorted(SearchDocument.objects.values_list("doc_type", "object_pk", "tokens"))
    call_command("search", "reindex", "--quiet")
    assert sorted(SearchDocument.objects.values_list("doc_type", "object_pk", "tokens")) == before
