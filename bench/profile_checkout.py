"""Where one checkout's time goes: cProfile over N in-process checkouts on PostgreSQL.

    .venv/bin/python bench/profile_checkout.py [--orders 300]

Uses the same dedicated database and data set-up as bench/checkout.py, calls the WSGI
stack through Django's test client (no network, no load generator), and writes the
per-checkout wall time, the time spent waiting on PostgreSQL, and the top functions
to bench/results/checkout_profile.txt.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import checkout  # noqa: E402  (sets DATABASE_URL to the bench database)

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=300)
    args = parser.parse_args()
    checkout.ensure_database()
    data = checkout.setup_data(1, args.orders + 10)

    from django.db import connection
    from django.test import Client

    client = Client()
    token, sku = data["tokens"][0], data["spread"][0]
    body = json.dumps({"lines": [{"sku": sku, "quantity": 1}], "shipping_address": checkout.ADDRESS})

    def one() -> None:
        r = client.post("/api/v1/orders", body, content_type="application/json",
                        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex})
        assert r.status_code == 201, r.content

    for _ in range(20):  # warm-up
        one()

    db_time = 0.0

    def timed(execute, sql, params, many, context):
        nonlocal db_time
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            db_time += time.perf_counter() - t

    profiler = cProfile.Profile()
    with connection.execute_wrapper(timed):
        start = time.perf_counter()
        profiler.enable()
        for _ in range(args.orders):
            one()
        profiler.disable()
        wall = time.perf_counter() - start
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(35)
    # Paths relative to the checkout, so the recorded profile says nothing of this machine.
    report = out.getvalue().replace(str(Path(__file__).resolve().parents[1]) + "/", "")
    per = wall / args.orders * 1000
    head = (f"{args.orders} checkouts in-process on PostgreSQL\n"
            f"wall per checkout: {per:.2f} ms (profiler on)\n"
            f"waiting on PostgreSQL: {db_time / args.orders * 1000:.2f} ms per checkout "
            f"({db_time / wall:.0%})\n")
    print(head)
    print(report[:6000])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "checkout_profile.txt").write_text(head + "\n" + report)


if __name__ == "__main__":
    main()
