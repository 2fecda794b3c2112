"""Payment burst benchmark (a script, not a test).

    .venv/bin/python bench/pay_burst.py [--payers 16] [--orders 50] [--db sqlite,postgres]

For each database (SQLite in a temporary folder; PostgreSQL in a dedicated database
o2o_bench_pay, created and dropped here) it migrates, seeds `--orders` unpaid goods
orders of as many customers (tests/core/serve_seed.py), starts `o2o serve --with-worker`
on a free port exactly as in production (granian, 4 blocking threads, the sandbox gateway
in the same server) and, once the worker has settled, sends the payments in waves of
`--payers` concurrent `POST /api/v1/orders/{id}/pay` while one client polls /healthz.

Reports per database: answers by status, pay latency p50/p95/max, the slowest /healthz,
and writes bench/results/pay_burst.json. Before the sandbox was called in-process, 8
concurrent payers got 502 NETWORK after 10 s and /healthz waited as long.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "pay_burst.json"
PG_ADMIN = os.environ.get("O2O_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True,  # noqa: S603
                          text=True, timeout=600, check=False)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return done.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(base: str, log: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(log.read_text()[-3000:])
        time.sleep(0.2)
    quiet_since, size = time.monotonic(), -1  # the worker's first round of periodic jobs
    while time.monotonic() - quiet_since < 1.0 and time.monotonic() < deadline:
        if "Starting worker" not in log.read_text() or log.stat().st_size != size:
            quiet_since, size = time.monotonic(), log.stat().st_size
        time.sleep(0.2)


def _burst(base: str, orders: list[dict], payers: int) -> dict:
    health: list[float] = []
    stop = threading.Event()

    def probe() -> None:
        while not stop.is_set():
            started = time.monotonic()
            try:
                requests.get(f"{base}/healthz", timeout=15)
                health.append(time.monotonic() - started)
            except requests.RequestException:
                health.append(float("inf"))
            time.sleep(0.05)

    def pay(order: dict) -> tuple[str, float]:
        started = time.monotonic()
        try:
            resp = requests.post(f"{base}/api/v1/orders/{order['order']}/pay", json={"channel": "native"},
                                 headers={"Authorization": f"Bearer {order['token']}"}, timeout=30)
            ok = resp.status_code == 200 and resp.json().get("cashier_url")
            outcome = "200 cashier" if ok else f"{resp.status_code} {resp.json().get('error', {}).get('code')}"
        except requests.RequestException as exc:
            outcome = type(exc).__name__
        return outcome, time.monotonic() - started

    prober = threading.Thread(target=probe)
    prober.start()
    results: list[tuple[str, float]] = []
    with ThreadPoolExecutor(payers) as pool:
        for at in range(0, len(orders), payers):
            results += pool.map(pay, orders[at:at + payers])
    stop.set()
    prober.join()
    latencies = sorted(t for _, t in results)
    return {"answers": dict(Counter(o for o, _ in results)),
            "pay_ms": {"p50": round(statistics.median(latencies) * 1000),
                       "p95": round(latencies[int(len(latencies) * 0.95) - 1] * 1000),
                       "max": round(latencies[-1] * 1000)},
            "healthz_max_ms": round(max(health) * 1000) if health else None,
            "healthz_samples": len(health)}


def run(db: str, payers: int, count: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        if db == "postgres":
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute('DROP DATABASE IF EXISTS "o2o_bench_pay" WITH (FORCE)')
                conn.execute('CREATE DATABASE "o2o_bench_pay"')
            url = PG_ADMIN.rsplit("/", 1)[0] + "/o2o_bench_pay"
        else:
            url = f"sqlite:///{data / 'o2o.sqlite3'}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WECHATPAY_", "O2O_PUBLIC_URL"))}
        env.update(DATABASE_URL=url, O2O_DATA_DIR=str(data), DJANGO_SETTINGS_MODULE="o2o.settings")
        _run(["o2o.cli", "migrate", "--no-input"], env)
        orders = [json.loads(line) for line in _run(["tests.core.serve_seed", str(count)], env).splitlines()
                  if line.startswith("{")]
        port, log = _free_port(), data / "serve.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", "o2o.cli", "serve", "--port", str(port), "--with-worker"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base, log, proc)
            result = _burst(base, orders, payers)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if db == "postgres":
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute('DROP DATABASE IF EXISTS "o2o_bench_pay" WITH (FORCE)')
        return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--payers", type=int, default=16)
    parser.add_argument("--orders", type=int, default=50)
    parser.add_argument("--db", default="sqlite,postgres")
    args = parser.parse_args()
    report = {"payers": args.payers, "orders": args.orders, "cpus": os.cpu_count(),
              "load_average": [round(x, 1) for x in os.getloadavg()], "databases": {}}
    for db in args.db.split(","):
        report["databases"][db] = run(db, args.payers, args.orders)
        print(db, json.dumps(report["databases"][db]), flush=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
