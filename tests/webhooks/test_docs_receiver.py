"""The receiver example of docs/webhooks.md works: the block is run as written (its last
line, which serves forever, is replaced by a server in a thread) against real deliveries,
and `o2o webhook-receiver` registers the demo endpoint through the services."""

from __future__ import annotations

import importlib
import re
import threading
from http.server import HTTPServer
from pathlib import Path

import pytest

from o2o.webhooks import services
from o2o.webhooks.models import Delivery, Endpoint
from tests import factories
from tests.webhooks.helpers import deliver, place_order, relay

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"

pytestmark = pytest.mark.django_db


def _example() -> str:
    (block,) = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    return block


def test_the_example_is_about_twenty_lines() -> None:
    assert len([ln for ln in _example().splitlines() if ln.strip()]) <= 20


def test_the_documented_receiver_verifies_and_dedupes(monkeypatch, capsys) -> None:
    m = factories.merchant()
    code = _example().replace(
        'HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8900"))), Receiver).serve_forever()', "")
    server = HTTPServer(("127.0.0.1", 0), None)  # bind a free port first: it is the endpoint's URL
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    endpoint, secret = services.create_endpoint(m.owner, url, ["order.*"])
    monkeypatch.setenv("WEBHOOK_SECRET", secret)
    namespace: dict = {}
    exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 (the documented code, as written)
    server.RequestHandlerClass = namespace["Receiver"]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        place_order(m)
        relay()
        deliver()
        d = Delivery.objects.get()
        services.replay(m.owner, endpoint.public_id, d.public_id)  # a duplicate: printed once
        deliver()
    finally:
        server.shutdown()
        server.server_close()
    assert Delivery.objects.get().attempts == 2 and Delivery.objects.get().response_code == 204
    printed = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("order.")]
    assert len(printed) == 1 and printed[0].startswith("order.created 1 ")


def test_the_demo_receiver_registers_once_and_rekeys() -> None:
    command = importlib.import_module("o2o.webhooks.management.commands.webhook-receiver")
    m = factories.merchant()
    first = command.register(m.owner.username, "http://127.0.0.1:8900/webhooks")
    second = command.register(m.owner.username, "http://127.0.0.1:8900/webhooks")
    endpoint = Endpoint.objects.get()
    assert first != second and endpoint.event_types == ["*"] and endpoint.merchant == m
    assert endpoint.previous_secret_sealed == ""  # the old secret no longer signs
