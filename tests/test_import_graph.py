"""The import graph of src/o2o points one way (design brief §3, §9).

grimp builds the graph from every import statement in the package, module-level and
function-level alike, so an import tucked into a function still counts as an edge.
The rules:

(a) no cycle between apps (the second component of a module name: ``o2o.orders``);
(b) no cycle between the modules of one app;
(c) no function-level import of an o2o module, except those in ALLOWED_LAZY, which are
    lazy for a reason other than a cycle;
(d) ``o2o.core`` reaches neither ``o2o.accounts`` nor ``o2o.demo``;
(e) no app reaches the top layers ``o2o.api`` or ``o2o.web``.

KNOWN lists the violations still being worked on, each with the reason it is still open. The test
asserts that the violations found are exactly KNOWN: a new one fails it, and so does a
fixed one left in the list.
"""

from __future__ import annotations

import ast
import importlib.util
from collections import defaultdict
from pathlib import Path

import grimp
import pytest

PACKAGE = "o2o"
# The project layer: wiring that may import anything and is imported by nothing.
PROJECT = {"o2o.settings", "o2o.urls", "o2o.wsgi", "o2o.cli"}
TOP_LAYERS = ("o2o.api", "o2o.web")

# Function-level imports that are lazy on purpose: (importer, imported) -> why. None of
# them hides a cycle: each runs once the app registry is ready, which module level cannot.
ALLOWED_LAZY: dict[tuple[str, str], str] = {
    ("o2o.ledger.apps", "o2o.ledger.handlers"): "AppConfig.ready() subscribes to the outbox",
    ("o2o.search.apps", "o2o.search.handlers"): "AppConfig.ready() subscribes to the outbox",
    ("o2o.webhooks.apps", "o2o.webhooks.handlers"): "AppConfig.ready() subscribes to the outbox",
    ("o2o.payments.apps", "o2o.payments.tasks"): "AppConfig.ready() registers the periodic tasks",
    ("o2o.shipping.apps", "o2o.orders.services"): "AppConfig.ready() lends orders the paid-cancel step",
    ("o2o.shipping.apps", "o2o.shipping.services"): "AppConfig.ready() lends orders the paid-cancel step",
    ("o2o.vouchers.apps", "o2o.orders.services"): "AppConfig.ready() hooks voucher issue into payment",
    ("o2o.orders.apps", "o2o.orders.services"): "AppConfig.ready() tells marketing who paid before",
    ("o2o.vouchers.apps", "o2o.vouchers.services"): "AppConfig.ready() hooks voucher issue into payment",
    ("o2o.cli", "o2o.payments.checks"): "`o2o serve` reads settings only after django.setup()",
    ("o2o.counter.apps", "o2o.orders.services"): "AppConfig.ready() redeems a paid conflict charge",
    ("o2o.counter.apps", "o2o.counter.resolve"): "AppConfig.ready() redeems a paid conflict charge",
}

# Violations still being fixed -> owner. Emptied once every fix has landed.
KNOWN: dict[str, str] = {}


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph(PACKAGE, cache_dir=None)


def _app(module: str) -> str:
    """`o2o.orders.services.checkout` -> `o2o.orders`; project modules stand for themselves."""
    return ".".join(module.split(".")[:2])


def _edges(graph: grimp.ImportGraph) -> set[tuple[str, str]]:
    return {(m, t) for m in graph.modules for t in graph.find_modules_directly_imported_by(m)}


def _cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """The strongly connected components of more than one node (Tarjan), each sorted."""
    out: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        out[a].add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(out[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(out):
        if node not in index:
            visit(node)
    return found


def _cycles_between_apps(graph: grimp.ImportGraph) -> dict[str, str]:
    """One violation per group of apps that import each other, with the imports inside it."""
    by_apps: dict[tuple[str, str], tuple[str, str]] = {}
    for a, b in sorted(_edges(graph)):
        if _app(a) != _app(b):
            by_apps.setdefault((_app(a), _app(b)), (a, b))
    found = {}
    for apps in _cycles(set(by_apps)):
        inside = [f"{a} -> {b}" for (x, y), (a, b) in sorted(by_apps.items()) if x in apps and y in apps]
        found["apps in a cycle: " + ", ".join(apps)] = "; ".join(inside)
    return found


def _cycles_inside_apps(graph: grimp.ImportGraph) -> dict[str, str]:
    edges = {(a, b) for a, b in _edges(graph) if _app(a) == _app(b) and a != b}
    found = {}
    for modules in _cycles(edges):
        inside = [f"{a} -> {b}" for a, b in sorted(edges) if a in modules and b in modules]
        found["modules in a cycle: " + ", ".join(modules)] = "; ".join(inside)
    return found


def _module_files() -> dict[str, Path]:
    spec = importlib.util.find_spec(PACKAGE)
    assert spec is not None and spec.submodule_search_locations
    root = Path(next(iter(spec.submodule_search_locations)))
    files = {}
    for path in root.rglob("*.py"):
        parts = [PACKAGE, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        files[".".join(parts)] = path
    return files


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _function_level_imports(files: dict[str, Path] | None = None) -> set[tuple[str, str, int]]:
    """(importer, imported, line) for every o2o import inside a function body. The imported
    name is resolved to a module where it is one (`from o2o.ledger import services`)."""
    files = files if files is not None else _module_files()
    found = set()
    for module, path in files.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        for function in functions:
            for node in ast.walk(function):
                if isinstance(node, ast.Import):
                    targets = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    base = _absolute(module, is_package, node)
                    targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names]
                else:
                    continue
                for target in targets:
                    if target == PACKAGE or target.startswith(PACKAGE + "."):
                        found.add((module, target, node.lineno))
    return found


def _lazy_imports() -> dict[str, str]:
    found: dict[str, str] = {}
    for importer, imported, line in sorted(_function_level_imports()):
        if (importer, imported) not in ALLOWED_LAZY:
            found.setdefault(f"function-level import: {importer} -> {imported}", f"line {line}")
    return found


def _forbidden_reach(graph: grimp.ImportGraph) -> dict[str, str]:
    """(d) and (e): chains from an app to a module it must never reach, even indirectly."""
    rules = [("o2o.core", target) for target in ("o2o.accounts", "o2o.demo")]
    apps = {_app(m) for m in graph.modules if "." in m} - PROJECT - set(TOP_LAYERS)
    rules += [(app, top) for app in sorted(apps) for top in TOP_LAYERS]
    found = {}
    for importer, imported in rules:
        chains = graph.find_shortest_chains(importer=importer, imported=imported, as_packages=True)
        if chains:
            found[f"{importer} imports {imported}"] = " -> ".join(min(sorted(chains), key=len))
    return found


def _violations() -> dict[str, str]:
    graph = _graph()
    return {**_cycles_between_apps(graph), **_cycles_inside_apps(graph), **_lazy_imports(),
            **_forbidden_reach(graph)}


def test_import_graph_has_only_the_known_violations() -> None:
    found = _violations()
    new = [f"{key}\n      ({found[key]})" for key in sorted(found.keys() - KNOWN.keys())]
    fixed = sorted(KNOWN.keys() - found.keys())
    assert not new and not fixed, (
        ("New violations:\n  " + "\n  ".join(new) + "\n" if new else "")
        + ("Fixed but still in KNOWN (remove them):\n  " + "\n  ".join(fixed) if fixed else ""))


@pytest.mark.parametrize(("lower", "higher"), [
    ("o2o.reviews", "o2o.search"),  # search ranks with reviews' rating formula
    ("o2o.orders", "o2o.ledger"),  # the ledger reads orders, payments and vouchers
    ("o2o.payments", "o2o.ledger"),
    ("o2o.vouchers", "o2o.ledger"),
    ("o2o.payments.services.notifications", "o2o.payments.services.attempts"),
])
def test_named_directions_hold(lower: str, higher: str) -> None:
    chains = _graph().find_shortest_chains(importer=lower, imported=higher, as_packages=True)
    assert not chains, f"{lower} reaches {higher}: " + " -> ".join(min(chains, key=len))


def test_every_allowed_lazy_import_still_exists() -> None:
    """An allow-list entry whose import is gone is stale: the list stays short and true."""
    present = {(importer, imported) for importer, imported, _ in _function_level_imports()}
    assert sorted(ALLOWED_LAZY.keys() - present) == []


@pytest.mark.parametrize(("source", "expected"), [
    # A function-level import of a sibling module is found and resolved to the module.
    ("def f():\n    from o2o.ledger import services\n", {"o2o.ledger.services"}),
    ("def f():\n    from . import commission\n", {"o2o.ledger.commission"}),
    ("class C:\n    def m(self):\n        import o2o.orders.models\n", {"o2o.orders.models"}),
    ("from o2o.ledger import posting\n", set()),  # module level: not lazy
    ("def f():\n    import json\n", set()),
])
def test_function_level_imports_are_detected(tmp_path, source, expected) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(source, encoding="utf-8")
    files = {m: p for m, p in _module_files().items() if m.startswith("o2o.ledger.")}
    found = _function_level_imports({**files, "o2o.ledger.probe": probe})
    assert {imported for importer, imported, _ in found if importer == "o2o.ledger.probe"} == expected


def test_cycles_are_found_between_and_inside_apps() -> None:
    graph = grimp.ImportGraph()
    for a, b in [("o2o.x.m", "o2o.y.m"), ("o2o.y.m", "o2o.x.m"), ("o2o.y.m", "o2o.z.m"),
                 ("o2o.x.a", "o2o.x.b"), ("o2o.x.b", "o2o.x.a")]:
        graph.add_import(importer=a, imported=b)
    assert _cycles_between_apps(graph) == {"apps in a cycle: o2o.x, o2o.y": "o2o.x.m -> o2o.y.m; o2o.y.m -> o2o.x.m"}
    assert _cycles_inside_apps(graph) == {"modules in a cycle: o2o.x.a, o2o.x.b": "o2o.x.a -> o2o.x.b; o2o.x.b -> o2o.x.a"}
