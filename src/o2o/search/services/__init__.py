"""Search services: indexing (indexing.py) and queries (query.py, nearby.py)."""

from o2o.search.services.indexing import (  # noqa: F401
    rebuild,
    refresh_signals,
    reindex_merchant,
    reindex_product,
    reindex_store,
)
from o2o.search.services.nearby import nearby  # noqa: F401
from o2o.search.services.query import search  # noqa: F401
