"""`o2o serve --with-worker` as in production (granian, a free port, SQLite and PostgreSQL):
sixteen concurrent payers all get a cashier while /healthz answers within a second, the
payment and callback URLs follow the port, and a killed worker is restarted while the web
server keeps serving."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import requests
from django.conf import settings

from tests.payments import helpers as h

# Latency figures mean nothing beside a busy test run: `make test` runs these alone.
pytestmark = pytest.mark.serial

ROOT = Path(__file__).resolve().parents[2]
PAYERS = 16
STARTED = re.compile(r"worker started \(pid (\d+)\)")


@dataclass
class Served:
    base: str
    proc: subprocess.Popen
    log: Path
    orders: list[dict]

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def worker_pids(self) -> list[int]:
        """The workers serve has started so far, by its log."""
        return [int(p) for p in STARTED.findall(self.output())]

    def live_worker(self) -> int | None:
        """The worker process running under serve now, by the process table."""
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except (OSError, IndexError, ValueError):
                continue
            if ppid == self.proc.pid and b"worker" in cmdline:
                return int(entry.name)
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_database(name: str) -> tuple[str, object]:
    """A fresh database beside the test database, and a function that drops it."""
    db = settings.DATABASES["default"]
    params = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"],
              "password": db["PASSWORD"] or None, "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**params) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(**params) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    url = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x"))
    return urlunsplit((url.scheme, url.netloc, f"/{name}", "", "")), drop


def _run(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True,  # noqa: S603
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def served(request, tmp_path_factory) -> Iterator[Served]:
    data = tmp_path_factory.mktemp(f"serve-{request.param}")
    drop = None
    if request.param == "postgres":
        db_url, drop = _postgres_database(f"o2o_serve_{os.getpid()}")
    else:
        db_url = f"sqlite:///{data / 'o2o.sqlite3'}"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WECHATPAY_", "O2O_PUBLIC_URL", "O2O_PAY_", "PYTEST_"))}
    env.update(DATABASE_URL=db_url, O2O_DATA_DIR=str(data), DJANGO_SETTINGS_MODULE="o2o.settings",
               O2O_LOG_LEVEL="INFO")
    _run(["o2o.cli", "migrate", "--no-input"], env)
    orders = [json.loads(line) for line in _run(["tests.core.serve_seed", str(PAYERS + 1)], env).splitlines()
              if line.startswith("{")]
    port = _free_port()
    log = data / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "o2o.cli", "serve", "--port", str(port), "--with-worker"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    served = Served(f"http://127.0.0.1:{port}", proc, log, orders)
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{served.base}/healthz", timeout=1).status_code == 200:
                break
        except requests.RequestException:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, served.output()[-3000:]
        time.sleep(0.2)
    # Ready when the worker has started and run its first round of periodic jobs (its log
    # has been quiet for a second), as a server is once its start-up is over.
    quiet_since, size = time.monotonic(), -1
    while time.monotonic() - quiet_since < 1.0 and time.monotonic() < deadline + 20:
        if "Starting worker" not in served.output() or log.stat().st_size != size:
            quiet_since, size = time.monotonic(), log.stat().st_size
        time.sleep(0.2)
    yield served
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the group this fixture started
        proc.wait()
    if drop is not None:
        drop()


def _pay(served: Served, order: dict, barrier: threading.Barrier) -> tuple[int, dict, float]:
    barrier.wait()
    started = time.monotonic()
    try:
        resp = requests.post(f"{served.base}/api/v1/orders/{order['order']}/pay", json={"channel": "native"},
                             headers={"Authorization": f"Bearer {order['token']}"}, timeout=30)
    except requests.RequestException as exc:
        return 0, {"error": str(exc)}, time.monotonic() - started
    return resp.status_code, resp.json(), time.monotonic() - started


def test_sixteen_concurrent_payers_all_get_a_cashier_while_healthz_answers(served):
    latencies: list[float] = []
    stop = threading.Event()
    barrier = threading.Barrier(PAYERS + 1)  # the payers and the first /healthz go together

    def probe() -> None:
        barrier.wait()
        while not stop.is_set():
            started = time.monotonic()
            try:
                ok = requests.get(f"{served.base}/healthz", timeout=5).status_code == 200
            except requests.RequestException:
                ok = False
            latencies.append(time.monotonic() - started if ok else float("inf"))
            time.sleep(0.05)

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        with ThreadPoolExecutor(PAYERS) as pool:
            results = list(pool.map(lambda o: _pay(served, o, barrier), served.orders[:PAYERS]))
    finally:
        stop.set()
        prober.join()
    cashier = f"{served.base}/sandbox/wechatpay/cashier/"
    failed = [(status, body) for status, body, _ in results
              if status != 200 or not body.get("cashier_url", "").startswith(cashier)]
    assert not failed, failed
    assert all(body["code_url"].startswith("weixin://wxpay/bizpayurl?pr=") for _, body, _ in results)
    assert latencies and max(latencies) < 1.0, latencies

    # The payment goes through end to end on this port: the cashier page is served here and
    # the worker delivers the gateway's notification to this server's notify URL.
    _, body, _ = results[0]
    assert h.cashier(body["cashier_url"], "pay").status_code == 200
    order, token = served.orders[0]["order"], served.orders[0]["token"]
    deadline = time.monotonic() + 30
    status = ""
    while time.monotonic() < deadline and status != "paid":
        time.sleep(0.5)
        status = requests.get(f"{served.base}/api/v1/orders/{order}", timeout=5,
                              headers={"Authorization": f"Bearer {token}"}).json()["status"]
    assert status == "paid", served.output()[-3000:]
    # DEBUG is off and the sandbox is on: serve says so, loudly.
    assert "PAYMENTS ARE IN SANDBOX MODE" in served.output()


def test_a_killed_worker_is_restarted_and_the_server_keeps_serving(served):
    first = served.live_worker()
    assert first is not None
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 20
    second = None
    while second in (None, first):
        assert time.monotonic() < deadline, served.output()[-3000:]
        assert served.proc.poll() is None, served.output()[-3000:]
        assert requests.get(f"{served.base}/healthz", timeout=1).status_code == 200
        time.sleep(0.2)
        second = served.live_worker()
    assert served.worker_pids()[-2:] == [first, second]
    assert f"worker (pid {first}) exited with code -9" in served.output()
    assert requests.get(f"{served.base}/healthz", timeout=1).json() == {"status": "ok"}
    # The new worker does the work: a payment's notification still arrives.
    order = served.orders[PAYERS]
    resp = requests.post(f"{served.base}/api/v1/orders/{order['order']}/pay", json={"channel": "native"},
                         headers={"Authorization": f"Bearer {order['token']}"}, timeout=30)
    assert resp.status_code == 200, resp.text
    assert h.cashier(resp.json()["cashier_url"], "pay").status_code == 200
    deadline = time.monotonic() + 30
    status = ""
    while time.monotonic() < deadline and status != "paid":
        time.sleep(0.5)
        status = requests.get(f"{served.base}/api/v1/orders/{order['order']}", timeout=5,
                              headers={"Authorization": f"Bearer {order['token']}"}).json()["status"]
    assert status == "paid", served.output()[-3000:]
