"""Periodic search work (registered by core's autodiscovery of tasks modules)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from o2o.core import schedule
from o2o.search.models import DocType, SearchDocument
from o2o.search.services import indexing


@schedule.every(dt.timedelta(hours=1), name="search.refresh_sales")
@task()
def refresh_sales() -> int:
    """Recent sales fall out of their window with time: refresh the figures hourly."""
    pks = list(SearchDocument.objects.filter(doc_type=DocType.PRODUCT, sales_recent__gt=0)
               .values_list("object_pk", flat=True))
    for pk in pks:
        indexing.refresh_signals(pk)
    return len(pks)


@schedule.every(dt.timedelta(minutes=5), name="search.drop_unpurchasable")
@task()
def drop_unpurchasable() -> int:
    """A deal ends at its valid_until without any event: drop it from search within minutes
    (cart and checkout refuse it from the second it ends)."""
    return indexing.drop_unpurchasable()
