"""Webhook fan-out benchmark (a script, not a test).

    .venv/bin/python bench/webhooks.py [--events 10000] [--endpoints 100] [--merchants 10]
                                        [--workers 2] [--threads 4]

On a dedicated PostgreSQL database (o2o_bench_webhooks, created and migrated here):

1. `--merchants` merchants get `--endpoints` endpoints between them, every one
   subscribed to `*`, all pointing at one loopback receiver process (a path per
   endpoint) that verifies every request with `standardwebhooks`;
2. `--events` outbox events are written (order.created then order.paid for each of
   events/2 orders, spread over the merchants) and relayed: each becomes a delivery for
   every endpoint of its merchant (events x endpoints / merchants deliveries);
3. `--workers` delivery processes (each `delivery.deliver_due` with `--threads` threads,
   as `o2o worker` runs it) post until nothing is pending.

Then it checks: no loss (every delivery succeeded and the receiver verified each
(endpoint, event) at least once), the same webhook-id on any duplicate, and per-object
order at every endpoint. Results go to bench/results/webhooks.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "o2o_bench_webhooks"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
os.environ["DATABASE_URL"] = f"{PG}/{DB_NAME}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "o2o.settings")
os.environ.setdefault("O2O_WEBHOOK_ALLOW_LOOPBACK", "1")


def serve_receiver(port: int, secrets_file: str, log_file: str) -> None:
    """The receiver process: verify, record `path webhook-id type data.id sequence`, 204."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from standardwebhooks import Webhook

    hooks = {path: Webhook(secret) for path, secret in json.loads(Path(secrets_file).read_text()).items()}
    out = open(log_file, "a", buffering=1)  # noqa: SIM115 (open for the server's life)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            try:
                event = hooks[self.path].verify(body, {k.lower(): v for k, v in self.headers.items()})
            except Exception:
                self.send_response(400)
                self.end_headers()
                return
            out.write(f"{self.path} {self.headers['webhook-id']} {event['type']} {event['data']['id']} "
                      f"{event['sequence']}\n")
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 256
    server.serve_forever()


def deliver_until_done(threads: int) -> None:
    """A delivery worker process: passes of deliver_due until nothing is pending."""
    import django

    django.setup()
    from o2o.webhooks import delivery
    from o2o.webhooks.models import Delivery, DeliveryStatus

    while Delivery.objects.filter(status=DeliveryStatus.PENDING).exists():
        delivery.deliver_due(concurrency=threads, max_seconds=30)


def ensure_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    o2o = str(Path(sys.executable).with_name("o2o"))
    subprocess.run([o2o, "migrate", "--noinput", "-v", "0"], check=True, env=os.environ.copy())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--endpoints", type=int, default=100)
    parser.add_argument("--merchants", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8977)
    parser.add_argument("--serve-receiver", nargs=2, metavar=("SECRETS", "LOG"))
    parser.add_argument("--deliver", action="store_true")
    args = parser.parse_args()
    if args.serve_receiver:
        serve_receiver(args.port, *args.serve_receiver)
        return
    if args.deliver:
        deliver_until_done(args.threads)
        return

    ensure_database()
    import django

    django.setup()
    from django.db import transaction

    from o2o.accounts import services as accounts
    from o2o.core import clock, events
    from o2o.core.models import OutboxEvent
    from o2o.merchants import services as merchants
    from o2o.webhooks import services
    from o2o.webhooks.models import Delivery, DeliveryStatus

    operator = accounts.create_user("bench-operator", "bench-password-1", role="operator")
    shops, secrets = [], {}
    for i in range(args.merchants):
        owner = accounts.create_user(f"bench-owner-{i}", "bench-password-1")
        shops.append(merchants.approve(operator, merchants.apply_merchant(owner, f"Bench shop {i}")))
    for n in range(args.endpoints):
        shop = shops[n % args.merchants]
        path = f"/e/{n}"
        _endpoint, secrets[path] = services.create_endpoint(
            shop.owner, f"http://127.0.0.1:{args.port}{path}", ["*"])
    tmp = Path(tempfile.mkdtemp(prefix="o2o-bench-webhooks-"))
    (tmp / "secrets.json").write_text(json.dumps(secrets))
    log = tmp / "received.log"
    receiver = subprocess.Popen([sys.executable, __file__, "--port", str(args.port), "--serve-receiver",
                                 str(tmp / "secrets.json"), str(log)])
    time.sleep(1.0)

    try:
        started = time.monotonic()
        now = clock.now()
        rows = []
        for k in range(args.events // 2):
            shop = shops[k % args.merchants]
            for kind in ("order.created", "order.paid"):
                rows.append(OutboxEvent(event_type=kind, aggregate_type="order", aggregate_id=f"ord_bench{k:011d}",
                                        merchant_id=shop.public_id, payload={"total_fen": 5000, "amount_fen": 5000},
                                        created_at=now))
        with transaction.atomic():
            OutboxEvent.objects.bulk_create(rows, batch_size=1000)
        written = time.monotonic() - started
        started = time.monotonic()
        while events.relay(batch_size=500):
            pass
        fanned = time.monotonic() - started
        expected = Delivery.objects.count()
        print(f"{len(rows)} events written in {written:.1f} s, relayed into {expected} deliveries "
              f"in {fanned:.1f} s", flush=True)

        started = time.monotonic()
        workers = [subprocess.Popen([sys.executable, __file__, "--deliver", "--threads", str(args.threads)])
                   for _ in range(args.workers)]
        for w in workers:
            w.wait()
        delivered_in = time.monotonic() - started
    finally:
        receiver.terminate()
        receiver.wait()

    succeeded = Delivery.objects.filter(status=DeliveryStatus.SUCCEEDED).count()
    attempts = sum(Delivery.objects.values_list("attempts", flat=True))
    lines = [ln.split() for ln in log.read_text().splitlines()]
    by_id = defaultdict(set)
    per_object = defaultdict(list)
    for path, webhook_id, _type, object_id, sequence in lines:
        by_id[webhook_id].add(path)
        per_object[(path, object_id)].append(int(sequence))
    in_order = all(seqs == sorted(seqs) for seqs in per_object.values())
    result = {
        "database": "postgresql", "events": len(rows), "endpoints": args.endpoints, "merchants": args.merchants,
        "deliveries": expected, "succeeded": succeeded, "attempts": attempts,
        "received": len(lines), "distinct_webhook_ids": len(by_id),
        "duplicates": len(lines) - len(by_id), "lost": expected - len(by_id),
        "one_endpoint_per_webhook_id": all(len(p) == 1 for p in by_id.values()),
        "in_order_per_object": in_order, "workers": args.workers, "threads_per_worker": args.threads,
        "relay_seconds": round(fanned, 1), "deliver_seconds": round(delivered_in, 1),
        "deliveries_per_second": round(expected / delivered_in, 1) if delivered_in else None,
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results" / "webhooks.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    assert result["lost"] == 0 and succeeded == expected and in_order, "deliveries were lost or out of order"


if __name__ == "__main__":
    main()
