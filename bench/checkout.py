"""Checkout benchmark (a script, not a test).

    .venv/bin/python bench/checkout.py [--clients 16] [--seconds 10] [--flash-stock 500]

On a dedicated PostgreSQL database (o2o_bench, created and migrated here) it starts
`o2o serve` with 2 worker processes on 127.0.0.1 and drives N concurrent HTTP
clients (threads with keep-alive connections) placing orders through POST
/api/v1/orders with an Idempotency-Key:

- spread: every order picks one of 50 SKUs with plenty of stock;
- flash:  every order takes 1 unit of ONE SKU, until it sells out or time is up;
          afterwards the script checks that no unit was oversold;
- promo:  as spread, on a merchant with a spend tier (满15减2) and a coupon
          template (满15减1); each client rotates over 10 buyers holding 8 coupons
          each (a realistic wallet), so every order is priced through the whole
          pipeline (best combination, coupons omitted) and reserves one coupon.
          Run right after spread, it must stay within 10 % of spread's orders/s.

In the same run it measures pgbench with a one-row conditional decrement (the
physical limit of "take one unit" on this machine) and counts the SQL queries of
one checkout (plain and promo) with Django's CaptureQueriesContext. Results go to
bench/results/checkout.json.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "o2o_bench"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DATABASE_URL = f"{PG}/{DB_NAME}"
HOST = "127.0.0.1"

os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "o2o.settings")
os.environ.setdefault("CONN_MAX_AGE", "60")

ADDRESS = {"receiver": "Bench", "phone": "13800138000", "province": "广东省", "city": "深圳市",
           "district": "南山区", "detail": "1 Bench Road"}


def ensure_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    o2o = str(Path(sys.executable).with_name("o2o"))
    subprocess.run([o2o, "migrate", "--noinput", "-v", "0"], check=True, env=os.environ.copy())


def setup_data(clients: int, flash_stock: int) -> dict:
    import django

    django.setup()
    from o2o.accounts import services as accounts
    from o2o.accounts.models import Role, User
    from o2o.catalog.models import Product, ProductStatus, Sku
    from o2o.core import clock
    from o2o.inventory import services as inventory
    from o2o.merchants.models import Merchant, MerchantStatus, StaffMember, StaffRole

    now = clock.now()
    tag = uuid.uuid4().hex[:8]
    owner = User.objects.create(username=f"bench-owner-{tag}", role=Role.MERCHANT_OWNER)
    merchant = Merchant.objects.create(name=f"Bench {tag}", owner=owner, status=MerchantStatus.ACTIVE,
                                       created_at=now, updated_at=now)
    StaffMember.objects.create(merchant=merchant, user=owner, role=StaffRole.OWNER, created_at=now)
    loc = inventory.create_location(merchant, name="Bench warehouse")

    def sku(title: str, stock: int) -> str:
        p = Product.objects.create(merchant=merchant, kind="GOODS", title=title,
                                   status=ProductStatus.PUBLISHED, published_at=now,
                                   created_at=now, updated_at=now)
        s = Sku.objects.create(product=p, name="default", price_fen=1990, created_at=now, updated_at=now)
        inventory.set_stock(merchant, s.public_id, loc.public_id, stock)
        return s.public_id

    spread = [sku(f"Spread {i}", 1_000_000) for i in range(50)]
    flash = sku("Flash deal", flash_stock)
    tokens, buyers = [], []
    for i in range(clients + 1):
        u = User.objects.create(username=f"bench-buyer-{tag}-{i}", role=Role.CUSTOMER)
        tokens.append(accounts.create_token(u, "bench")[1])
        buyers.append(u)
    promo, promo_tokens = setup_promo(tag, buyers[-1], clients)
    return {"spread": spread, "flash": flash, "promo": promo, "promo_tokens": promo_tokens, "tokens": tokens,
            "merchant": merchant.pk}


PROMO_BUYERS_PER_CLIENT = 10
COUPONS_PER_BUYER = 8


def setup_promo(tag: str, counter, clients: int) -> tuple[list[str], list[list[str]]]:
    """A second merchant with 50 SKUs, a spend tier and a coupon template; per client,
    10 buyers holding 8 coupons each (claimed through marketing.services.claim), and a
    few for `counter`, the buyer whose checkout the query count watches."""
    import datetime as dt

    from o2o.accounts import services as accounts
    from o2o.accounts.models import Role, User
    from o2o.catalog.models import Product, ProductStatus, Sku
    from o2o.core import clock
    from o2o.inventory import services as inventory
    from o2o.marketing import services as marketing
    from o2o.marketing.models import CouponKind, CouponTemplate, SpendTier
    from o2o.merchants.models import Merchant, MerchantStatus, StaffMember, StaffRole

    now = clock.now()
    owner = User.objects.create(username=f"bench-promo-owner-{tag}", role=Role.MERCHANT_OWNER)
    merchant = Merchant.objects.create(name=f"Bench promo {tag}", owner=owner, status=MerchantStatus.ACTIVE,
                                       created_at=now, updated_at=now)
    StaffMember.objects.create(merchant=merchant, user=owner, role=StaffRole.OWNER, created_at=now)
    loc = inventory.create_location(merchant, name="Promo warehouse")
    skus = []
    for i in range(50):
        p = Product.objects.create(merchant=merchant, kind="GOODS", title=f"Promo {i}",
                                   status=ProductStatus.PUBLISHED, published_at=now, created_at=now, updated_at=now)
        s = Sku.objects.create(product=p, name="default", price_fen=1990, created_at=now, updated_at=now)
        inventory.set_stock(merchant, s.public_id, loc.public_id, 1_000_000)
        skus.append(s.public_id)
    SpendTier.objects.create(merchant=merchant, threshold_fen=1500, amount_off_fen=200, starts_at=now,
                             ends_at=now + dt.timedelta(days=1), created_at=now)
    template = CouponTemplate.objects.create(
        merchant=merchant, title="满15减1", kind=CouponKind.AMOUNT, amount_off_fen=100, threshold_fen=1500,
        total_quantity=1_000_000, per_customer_limit=COUPONS_PER_BUYER, valid_days=1, merchant_share_bp=10_000,
        claim_starts_at=now, created_by=owner, created_at=now, updated_at=now)
    for _ in range(2):
        marketing.claim(counter, template.public_id)
    tokens: list[list[str]] = []
    for i in range(clients):
        mine = []
        for j in range(PROMO_BUYERS_PER_CLIENT):
            u = User.objects.create(username=f"bench-promo-{tag}-{i}-{j}", role=Role.CUSTOMER)
            for _ in range(COUPONS_PER_BUYER):
                marketing.claim(u, template.public_id)
            mine.append(accounts.create_token(u, "bench")[1])
        tokens.append(mine)
    return skus, tokens


def count_queries(token: str, sku: str, *, promo: bool = False) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    body = json.dumps({"lines": [{"sku": sku, "quantity": 1}], "shipping_address": ADDRESS})
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
    client.post("/api/v1/orders", body, content_type="application/json", headers=headers)  # warm-up
    headers["Idempotency-Key"] = uuid.uuid4().hex
    with CaptureQueriesContext(connection) as ctx:
        r = client.post("/api/v1/orders", body, content_type="application/json", headers=headers)
    assert r.status_code == 201, r.content
    assert promo is False or r.json()["orders"][0]["discount_fen"] == 300, r.content  # tier + coupon
    return {"count": len(ctx.captured_queries),
            "sql": [q["sql"][:160] for q in ctx.captured_queries]}


def start_server(port: int) -> subprocess.Popen:
    o2o = str(Path(sys.executable).with_name("o2o"))
    env = os.environ.copy()
    proc = subprocess.Popen([o2o, "serve", "--host", HOST, "--port", str(port), "--workers", "2"],  # noqa: S603
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection(HOST, port, timeout=2)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("server did not start")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop the server's whole process group (it was started in its own session)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=10)
            break
        except ProcessLookupError:
            return
        except subprocess.TimeoutExpired:
            continue
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # leftovers of the group, if any
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def drive(port: int, tokens: list[str], pick, seconds: float, stop_on_sold_out: bool,
          token_for=None) -> dict:
    """Each client thread places orders back to back on its keep-alive connection (as
    its buyer, or as token_for(i, n) when given)."""
    latencies: list[float] = []
    codes: dict[str, int] = {}
    lock = threading.Lock()
    stop = threading.Event()
    start_gate = threading.Barrier(len(tokens) + 1)

    def client(i: int, token: str) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        local_lat, local_codes, n = [], {}, 0
        start_gate.wait()
        end = time.monotonic() + seconds
        while not stop.is_set() and time.monotonic() < end:
            body = json.dumps({"lines": [{"sku": pick(i, n), "quantity": 1}], "shipping_address": ADDRESS})
            who = token_for(i, n) if token_for is not None else token
            headers = {"Authorization": f"Bearer {who}", "Content-Type": "application/json",
                       "Idempotency-Key": uuid.uuid4().hex}
            t0 = time.perf_counter()
            conn.request("POST", "/api/v1/orders", body, headers)
            resp = conn.getresponse()
            payload = resp.read()
            local_lat.append(time.perf_counter() - t0)
            code = "created" if resp.status == 201 else json.loads(payload)["error"]["code"]
            local_codes[code] = local_codes.get(code, 0) + 1
            n += 1
            if code == "out_of_stock" and stop_on_sold_out:
                stop.set()
        conn.close()
        with lock:
            latencies.extend(local_lat)
            for k, v in local_codes.items():
                codes[k] = codes.get(k, 0) + v

    threads = [threading.Thread(target=client, args=(i, t)) for i, t in enumerate(tokens)]
    for t in threads:
        t.start()
    start_gate.wait()
    t0 = time.monotonic()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    latencies.sort()
    created = codes.get("created", 0)
    return {
        "clients": len(tokens), "seconds": round(elapsed, 2), "requests": len(latencies),
        "orders_created": created, "orders_per_s": round(created / elapsed, 1),
        "requests_per_s": round(len(latencies) / elapsed, 1), "outcomes": codes,
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2) if latencies else None,
    }


def pgbench() -> dict:
    import psycopg

    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_stock")
        conn.execute("CREATE TABLE bench_stock (id int PRIMARY KEY, qty bigint NOT NULL)")
        conn.execute("INSERT INTO bench_stock VALUES (1, 1000000000)")
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write("UPDATE bench_stock SET qty = qty - 1 WHERE id = 1 AND qty > 0;\n")
        script = f.name
    try:
        out = subprocess.run(["pgbench", "-n", "-f", script, "-c", "8", "-j", "2", "-T", "10",  # noqa: S607
                              "-h", "127.0.0.1", "-U", "postgres", DB_NAME],
                             capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script)
    tps = float(re.search(r"tps = ([0-9.]+)", out).group(1))
    lat = re.search(r"latency average = ([0-9.]+) ms", out)
    return {"tps": round(tps, 1), "latency_avg_ms": float(lat.group(1)) if lat else None,
            "command": "pgbench -n -f <one-row conditional decrement> -c 8 -j 2 -T 10"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--flash-stock", type=int, default=500)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    args.clients = max(1, min(args.clients, 64))  # bounded: one connection per client
    args.seconds = max(1.0, min(args.seconds, 60.0))

    ensure_database()
    data = setup_data(args.clients, args.flash_stock)
    queries = count_queries(data["tokens"][-1], data["spread"][0])
    promo_queries = count_queries(data["tokens"][-1], data["promo"][0], promo=True)
    tokens = data["tokens"][: args.clients]
    server = start_server(args.port)
    try:
        spread_skus = data["spread"]
        # Warm-up (discarded): workers import the app and open their connections.
        drive(args.port, tokens, lambda i, n: spread_skus[i % len(spread_skus)], 2, stop_on_sold_out=False)
        spread = drive(args.port, tokens, lambda i, n: spread_skus[(i * 7 + n) % len(spread_skus)],
                       args.seconds, stop_on_sold_out=False)
        promo_skus = data["promo"]
        promo_tokens = data["promo_tokens"]
        promo = drive(args.port, tokens, lambda i, n: promo_skus[(i * 7 + n) % len(promo_skus)],
                      args.seconds, stop_on_sold_out=False,
                      token_for=lambda i, n: promo_tokens[i][n % len(promo_tokens[i])])
        flash = drive(args.port, tokens, lambda i, n: data["flash"], args.seconds, stop_on_sold_out=True)
    finally:
        stop_server(server)

    from o2o.inventory.models import StockLevel
    from o2o.orders.models import OrderLine

    level = StockLevel.objects.get(sku__public_id=data["flash"])
    sold = sum(OrderLine.objects.filter(sku__public_id=data["flash"]).values_list("quantity", flat=True))
    flash["stock"] = args.flash_stock
    flash["oversold"] = max(0, sold - args.flash_stock)
    flash["check"] = {"units_in_orders": sold, "reserved": level.reserved, "on_hand": level.on_hand,
                      "consistent": sold == level.reserved <= level.on_hand}
    pg = pgbench()
    result = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "server": "o2o serve --workers 2 (granian WSGI, 4 blocking threads each), PostgreSQL",
        "cpus": os.cpu_count(),
        "spread": spread, "flash": flash, "promo": promo, "pgbench": pg,
        "flash_vs_pgbench": round(flash["orders_per_s"] / pg["tps"], 3),
        "promo_vs_spread": round(promo["orders_per_s"] / spread["orders_per_s"], 3),
        "queries_per_checkout": queries,
        "queries_per_promo_checkout": promo_queries,
    }
    out = ROOT / "bench" / "results" / "checkout.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"spread: {spread['orders_per_s']} orders/s, p50 {spread['p50_ms']} ms, p99 {spread['p99_ms']} ms"
          f" ({spread['clients']} clients)")
    print(f"flash:  {flash['orders_per_s']} orders/s, p50 {flash['p50_ms']} ms, p99 {flash['p99_ms']} ms,"
          f" outcomes {flash['outcomes']}, oversold {flash['oversold']}")
    print(f"pgbench one-row conditional decrement: {pg['tps']} tps"
          f" -> flash reaches {result['flash_vs_pgbench']:.1%} of it")
    print(f"promo:  {promo['orders_per_s']} orders/s, p50 {promo['p50_ms']} ms, p99 {promo['p99_ms']} ms"
          f" -> {result['promo_vs_spread']:.1%} of spread, outcomes {promo['outcomes']}")
    print(f"queries per checkout: {queries['count']} plain, {promo_queries['count']} with a spend tier and a coupon")
    print(f"written {out.relative_to(ROOT)}")
    ok = (flash["oversold"] == 0 and flash["check"]["consistent"] and promo_queries["count"] <= 15
          and result["promo_vs_spread"] >= 0.9)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
