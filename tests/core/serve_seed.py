"""Seed a served database for tests/core/test_serve.py: `python -m tests.core.serve_seed N`
creates N customers, each with one unpaid goods order and an API token, through the
services, and prints them as JSON lines {"token", "order"}."""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "o2o.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from o2o.orders import services as orders  # noqa: E402
from o2o.orders.services import Item  # noqa: E402
from tests import factories  # noqa: E402
from tests.orders import builders as b  # noqa: E402


def main(count: int) -> None:
    # The customers sign in with API tokens; their passwords need no slow hash here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    merchant = factories.merchant()
    sku = b.goods(merchant, price_fen=1990, stock=count)
    for _ in range(count):
        customer = factories.user()
        (order,) = orders.place_orders(customer, [Item(sku.public_id, 1)], shipping_address=b.ADDRESS)
        print(json.dumps({"token": factories.token_for(customer), "order": order.public_id}), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
