"""Discovery benchmark (a script, not a test).

    .venv/bin/python bench/discovery.py [--listings 1000000] [--stores 200000] [--queries 300]
                                        [--db sqlite,postgres]

For each database (SQLite in a temporary file; PostgreSQL in a dedicated database
o2o_bench_discovery, created, migrated and dropped here) it loads N service listings
across S stores scattered in and around eight Chinese cities straight into the search
tables (one product document per listing, titles built from a word list, tokenized
with jieba once per distinct title shape; SQLite executemany with the FTS5 index
rebuilt afterwards, PostgreSQL COPY with the GIN index built afterwards), then times
the search services in-process (no HTTP):

- nearby:       3 km around a random store position (jittered), 20 nearest;
- nearby+text:  the same with a Chinese word or an English prefix;
- text:         full-text search with ranking and facets (no position).

Prints p50/p95/p99 in milliseconds and writes bench/results/discovery.json (or
discovery-<N>.json for runs other than the default size).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PG_DB = "o2o_bench_discovery"

CITIES = [  # name, lat, lng
    ("深圳", 22.543, 114.058), ("广州", 23.129, 113.264), ("上海", 31.230, 121.474),
    ("北京", 39.904, 116.407), ("成都", 30.573, 104.066), ("杭州", 30.274, 120.155),
    ("重庆", 29.563, 106.551), ("西安", 34.341, 108.940),
]
PREFIXES = ["老街", "川味", "金牌", "小巷", "阿婆", "正宗", "网红", "城南", "湘味", "粤式", "日式",
            "韩式", "泰式", "精品", "皇家", "悦享", "禾木", "鑫源", "半山", "星光"]
TOPICS = [("火锅", "hotpot"), ("烧烤", "barbecue"), ("美甲", "nails"), ("按摩", "massage"),
          ("足疗", "reflexology"), ("理发", "haircut"), ("咖啡", "coffee"), ("奶茶", "milktea"),
          ("健身", "fitness"), ("瑜伽", "yoga"), ("洗车", "carwash"), ("宠物", "petcare"),
          ("摄影", "photography"), ("密室", "escape"), ("自助餐", "buffet"), ("小龙虾", "crayfish"),
          ("寿司", "sushi"), ("烤鸭", "roastduck"), ("面馆", "noodles"), ("甜品", "dessert"),
          ("采耳", "earcleaning"), ("spa", "spa"), ("桌游", "boardgames"), ("游泳", "swimming"),
          ("网球", "tennis"), ("钢琴", "piano"), ("美容", "facial"), ("麻辣烫", "malatang"),
          ("早茶", "dimsum"), ("酒吧", "cocktails")]
SUFFIXES = [("套餐", "set"), ("双人餐", "for two"), ("体验课", "trial class"), ("单人券", "single pass"),
            ("四人餐", "for four"), ("代金券", "voucher"), ("畅玩券", "day pass"), ("月卡", "monthly card")]
TEXT_QUERIES = ["火锅", "美甲", "按摩", "咖啡", "小龙虾", "瑜伽", "hotp", "massa", "coffee", "sushi",
                "川味火锅", "日式美甲", "yoga trial", "烧烤 套餐", "hotpto"]
HOURS = {d: [["10:00", "22:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(times: list[float], hits: list[int]) -> dict:
    return {"n": len(times), "p50_ms": round(percentile(times, 50), 2), "p95_ms": round(percentile(times, 95), 2),
            "p99_ms": round(percentile(times, 99), 2), "mean_ms": round(statistics.fmean(times), 2),
            "mean_results": round(statistics.fmean(hits), 1)}


# --------------------------------------------------------------------------- child: one database

def _stores(n: int, rng: random.Random) -> list[tuple[float, float]]:
    """Positions: 85% in a city (gaussian, sigma 8 km), 15% around it (uniform within 40 km)."""
    out = []
    for i in range(n):
        _, clat, clng = CITIES[i % len(CITIES)]
        if rng.random() < 0.85:
            dlat, dlng = rng.gauss(0, 8000), rng.gauss(0, 8000)
        else:
            dlat, dlng = rng.uniform(-40000, 40000), rng.uniform(-40000, 40000)
        lat = clat + dlat / 111_195
        lng = clng + dlng / (111_195 * math.cos(math.radians(clat)))
        out.append((round(lat, 6), round(lng, 6)))
    return out


def load(listings: int, stores: int, seed: int = 7) -> dict:
    import h3
    from django.db import connection

    from o2o.core import clock
    from o2o.search import text

    rng = random.Random(seed)
    started = time.monotonic()
    now = clock.now()
    positions = _stores(stores, rng)
    cells = [(h3.latlng_to_cell(a, b, 8), h3.latlng_to_cell(a, b, 7), h3.latlng_to_cell(a, b, 5))
             for a, b in positions]
    shapes: dict[tuple[int, int, int], tuple[str, str, str, str]] = {}
    for pi, prefix in enumerate(PREFIXES):
        for ti, (topic, topic_en) in enumerate(TOPICS):
            for si, (suffix, suffix_en) in enumerate(SUFFIXES):
                title, title_en = f"{prefix}{topic}{suffix}", f"{topic_en} {suffix_en}"
                tokens = text.index_tokens(title, title_en, topic)
                shapes[(pi, ti, si)] = (title, title_en, " ".join(tokens),
                                        " ".join(text.index_tokens(title, title_en)))
    vocabulary = sorted({t for v in shapes.values() for t in v[2].split() if text.is_latin(t) and len(t) >= 3})
    hours = json.dumps(HOURS)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")  # SQLite stores naive UTC text
    per_store = max(1, listings // stores)

    def rows():
        for i in range(listings):
            s = i // per_store if i // per_store < stores else rng.randrange(stores)
            key = (rng.randrange(len(PREFIXES)), rng.randrange(len(TOPICS)), rng.randrange(len(SUFFIXES)))
            title, _, tokens, title_tokens = shapes[key]
            price = rng.randrange(19, 999) * 100
            count = rng.choice((0, 0, 1, 3, 12, 40, 150))
            total = min(5 * count, round(count * rng.uniform(3.2, 4.9)))
            bayes = (10 * 4.0 + total) / (10 + count)
            sales = rng.choice((0, 1, 5, 20, 80, 300))
            yield i + 1, s, key, title, tokens, title_tokens, price, count, total, bayes, sales

    vendor = connection.vendor
    with connection.cursor() as cur:
        if vendor == "sqlite":
            cur.execute("DROP TRIGGER IF EXISTS search_doc_ai")
            cur.execute("PRAGMA cache_size = -1000000")  # 1 GB: index inserts stay in memory
        else:
            cur.execute("DROP INDEX IF EXISTS search_doc_tsv")
    batch_docs, batch_lst = [], []

    def flush_sqlite(cur) -> None:
        cur.executemany(
            "INSERT INTO search_searchdocument (id, doc_type, object_pk, public_id, merchant_pk, "
            "merchant_public_id, title, subtitle, tokens, title_tokens, kind, booking_mode, category_pk, "
            "category_public_id, min_price_fen, rating_count, rating_sum, rating_bayes, sales_recent, "
            "cover_url, updated_at) VALUES (%s, 'product', %s, %s, %s, %s, %s, '', %s, %s, 'SERVICE', "
            "'voucher', NULL, '', %s, %s, %s, %s, %s, '', %s)", batch_docs)
        cur.executemany(
            "INSERT INTO search_listing (id, document_id, product_pk, store_pk, merchant_pk, product_public_id, "
            "store_public_id, title, store_name, kind, booking_mode, category_pk, price_fen, lat, lng, h3_r8, "
            "h3_r7, h3_r5, time_zone, opening_hours, rating_bayes, rating_count, sales_recent, tokens) VALUES "
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, 'SERVICE', 'voucher', NULL, %s, %s, %s, %s, %s, %s, "
            "'Asia/Shanghai', %s, %s, %s, %s, %s)", batch_lst)
        batch_docs.clear()
        batch_lst.clear()

    with connection.cursor() as cur:
        if vendor == "sqlite":
            for i, s, _key, title, tokens, title_tokens, price, count, total, bayes, sales in rows():
                pid, spid, mpid = f"prd_b{i:015d}", f"sto_b{s:015d}", f"mer_b{s:015d}"
                batch_docs.append((i, i, pid, s, mpid, title, tokens, title_tokens, price, count, total,
                                   bayes, sales, stamp))
                lat, lng = positions[s]
                r8, r7, r5 = cells[s]
                batch_lst.append((i, i, i, s, s, pid, spid, title, f"{title[:4]}{s}店", price, lat, lng, r8, r7,
                                  r5, hours, bayes, count, sales, tokens))
                if len(batch_docs) >= 20000:
                    flush_sqlite(cur)
            if batch_docs:
                flush_sqlite(cur)
            cur.execute("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
            cur.execute("CREATE TRIGGER search_doc_ai AFTER INSERT ON search_searchdocument BEGIN "
                        "INSERT INTO search_fts(rowid, tokens, title_tokens) "
                        "VALUES (new.id, new.tokens, new.title_tokens); END")
            cur.executemany("INSERT INTO search_searchterm (term, first, length, doc_count) VALUES (%s, %s, %s, 1)",
                            [(t, t[0], len(t)) for t in vocabulary])
            cur.execute("ANALYZE")
        else:
            raw = cur.cursor
            with raw.copy("COPY search_searchdocument (id, doc_type, object_pk, public_id, merchant_pk, "
                          "merchant_public_id, title, subtitle, tokens, title_tokens, kind, booking_mode, "
                          "category_public_id, min_price_fen, rating_count, rating_sum, rating_bayes, "
                          "sales_recent, cover_url, updated_at) FROM STDIN") as cp:
                lst_rows = []
                for i, s, _key, title, tokens, title_tokens, price, count, total, bayes, sales in rows():
                    pid, spid, mpid = f"prd_b{i:015d}", f"sto_b{s:015d}", f"mer_b{s:015d}"
                    cp.write_row((i, "product", i, pid, s, mpid, title, "", tokens, title_tokens, "SERVICE",
                                  "voucher", "", price, count, total, bayes, sales, "", now))
                    lat, lng = positions[s]
                    r8, r7, r5 = cells[s]
                    lst_rows.append((i, i, i, s, s, pid, spid, title, f"{title[:4]}{s}店", "SERVICE", "voucher",
                                     price, lat, lng, r8, r7, r5, "Asia/Shanghai", hours, bayes, count, sales,
                                     tokens))
            with raw.copy("COPY search_listing (id, document_id, product_pk, store_pk, merchant_pk, "
                          "product_public_id, store_public_id, title, store_name, kind, booking_mode, price_fen, "
                          "lat, lng, h3_r8, h3_r7, h3_r5, time_zone, opening_hours, rating_bayes, rating_count, "
                          "sales_recent, tokens) FROM STDIN") as cp:
                for row in lst_rows:
                    cp.write_row(row)
            del lst_rows
            cur.execute("CREATE INDEX search_doc_tsv ON search_searchdocument USING gin (tsv)")
            for t in vocabulary:
                cur.execute("INSERT INTO search_searchterm (term, first, length, doc_count) VALUES (%s, %s, %s, 1)",
                            [t, t[0], len(t)])
            cur.execute("SELECT setval(pg_get_serial_sequence('search_searchdocument', 'id'), %s)", [listings])
            cur.execute("SELECT setval(pg_get_serial_sequence('search_listing', 'id'), %s)", [listings])
            # What autovacuum would do soon after a bulk load: statistics, and the visibility
            # map that lets the covering index answer without visiting the table.
            cur.execute("VACUUM ANALYZE search_searchdocument")
            cur.execute("VACUUM ANALYZE search_listing")
    return {"seconds": round(time.monotonic() - started, 1), "positions": positions}


def measure(positions: list[tuple[float, float]], queries: int, seed: int = 11) -> dict:
    from o2o.search.services import nearby, search

    rng = random.Random(seed)

    def point() -> tuple[float, float]:
        lat, lng = rng.choice(positions)
        return lat + rng.uniform(-0.003, 0.003), lng + rng.uniform(-0.003, 0.003)

    words = [t for t, _ in TOPICS] + [e[:4] for _, e in TOPICS]
    for _ in range(20):  # warm-up: jieba, caches, connection
        nearby(*point(), 3000, q=rng.choice(words))
        search(rng.choice(TEXT_QUERIES))
    out = {}
    for name, run in (
        ("nearby_3km", lambda: nearby(*point(), 3000).results),
        ("nearby_3km_text", lambda: nearby(*point(), 3000, q=rng.choice(words)).results),
        ("text", lambda: search(rng.choice(TEXT_QUERIES)).results),
    ):
        times, hits = [], []
        n = queries if name != "text" else max(50, queries // 3)
        for _ in range(n):
            t0 = time.perf_counter()
            results = run()
            times.append((time.perf_counter() - t0) * 1000)
            hits.append(len(results))
        out[name] = summary(times, hits)
    # How many listings a 3 km disk holds around the sampled points (density context).
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM search_listing")
        out["listings_total"] = cur.fetchone()[0]
    sample = [len(nearby(*point(), 3000, limit=50, sort="score").results) for _ in range(5)]
    out["note"] = f"sort=score sample result counts (capped at 50): {sample}"
    return out


def child(args) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "o2o.settings")
    django.setup()
    from django.core.management import call_command

    t0 = time.monotonic()
    call_command("migrate", verbosity=0)
    migrate_s = round(time.monotonic() - t0, 1)
    loaded = load(args.listings, args.stores)
    result = {"migrate_seconds": migrate_s, "load_seconds": loaded["seconds"]}
    result.update(measure(loaded["positions"], args.queries))
    print("RESULT " + json.dumps(result), flush=True)


# --------------------------------------------------------------------------- parent

def run_db(db: str, args) -> dict:
    env = dict(os.environ, O2O_BENCH_CHILD="1", CONN_MAX_AGE="600")
    tmp = None
    if db == "sqlite":
        tmp = tempfile.mkdtemp(prefix="o2o-bench-discovery-")
        env["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        env["O2O_DATA_DIR"] = tmp
    else:
        _psql(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        _psql(f"CREATE DATABASE {PG_DB}")
        env["DATABASE_URL"] = f"{PG}/{PG_DB}"
    try:
        cmd = [sys.executable, __file__, "--listings", str(args.listings), "--stores", str(args.stores),
               "--queries", str(args.queries)]
        proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
        line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
        if proc.returncode or line is None:
            sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-5000:])
            raise SystemExit(f"{db} run failed")
        return json.loads(line[len("RESULT "):])
    finally:
        if db == "postgres":
            _psql(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        if tmp:
            subprocess.run(["rm", "-rf", tmp], check=False)


def _psql(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listings", type=int, default=1_000_000)
    parser.add_argument("--stores", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--db", default="sqlite,postgres")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    if os.environ.get("O2O_BENCH_CHILD") == "1":
        child(args)
        return
    report = {"listings": args.listings, "stores": args.stores, "queries": args.queries,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
              "targets_ms": {"nearby_p95": 20, "nearby_text_p95": 50}, "databases": {}}
    for db in args.db.split(","):
        t0 = time.monotonic()
        result = run_db(db, args)
        result["total_seconds"] = round(time.monotonic() - t0, 1)
        report["databases"][db] = result
        print(f"{db}: load {result['load_seconds']} s; " + "; ".join(
            f"{k} p50 {v['p50_ms']} ms p95 {v['p95_ms']} ms (avg {v['mean_results']} results)"
            for k, v in result.items() if isinstance(v, dict)), flush=True)
    name = "discovery.json" if args.listings == 1_000_000 else f"discovery-{args.listings}.json"
    out = ROOT / "bench" / "results" / name
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
