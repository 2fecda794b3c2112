"""Merchant-facing and operator reads go through each app's selectors: the web pages and
the API modules never touch a model manager (`<Model>.objects`), so every read there
starts from a selector that takes its scope (merchant, staff user, customer, operator)
as its first argument, and a forgotten scope shows up in one reviewed place.

An AST scan, not a grep: comments and strings do not count, any `.objects` (or
`_default_manager` / `_base_manager`) attribute does."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "o2o"
MANAGERS = {"objects", "_default_manager", "_base_manager"}


def scanned_files() -> list[Path]:
    web = sorted((PACKAGE / "web").rglob("*.py"))
    apis = sorted(PACKAGE.glob("*/api.py"))
    return web + apis


def manager_uses(source: str) -> list[tuple[int, str]]:
    """(line, expression) of every manager access in `source`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS:
            found.append((node.lineno, ast.unparse(node)))
    return sorted(found)


def offenders() -> dict[str, list[tuple[int, str]]]:
    result = {}
    for path in scanned_files():
        uses = manager_uses(path.read_text(encoding="utf-8"))
        if uses:
            result[path.relative_to(SRC).as_posix()] = uses
    return result


def test_the_scan_sees_managers_and_only_managers():
    source = (
        "from o2o.orders.models import Order\n"
        "a = Order.objects.filter(pk=1)\n"
        "b = type(a)._default_manager\n"
        "c = order.lines.all()  # objects in a comment\n"
        "d = 'Order.objects'\n"
        "def f(m):\n"
        "    return m.objects.get()\n"
    )
    assert manager_uses(source) == [(2, "Order.objects"), (3, "type(a)._default_manager"), (7, "m.objects")]


def test_the_scan_covers_web_and_every_api_module():
    names = {p.relative_to(SRC).as_posix() for p in scanned_files()}
    assert "o2o/web/ops/money.py" in names
    assert "o2o/web/counter/views.py" in names
    assert "o2o/payments/api.py" in names
    assert "o2o/shipping/api.py" in names
    assert not any(name.startswith("o2o/api/") for name in names)  # the router assembly only


def test_web_and_api_modules_read_through_selectors():
    found = offenders()
    assert not found, f"read through the app's selectors instead: {found}"
