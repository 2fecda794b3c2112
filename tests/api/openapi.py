"""The API's own OpenAPI document, read to generate test cases from what it declares."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from o2o.urls import api  # the assembled API, with every router mounted

DOC: dict[str, Any] = api.get_openapi_schema()
METHODS = ("get", "post", "put", "patch", "delete")


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = DOC["components"]["schemas"][name]
    return schema


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in DOC["paths"].items():
        for method in METHODS:
            if method in item:
                yield method, path, item[method]


def json_body_schema(op: dict[str, Any]) -> dict[str, Any] | None:
    content = (op.get("requestBody") or {}).get("content") or {}
    body = content.get("application/json")
    return resolve(body["schema"]) if body else None


def role_for(path: str) -> str:
    """The role that passes the gate of a path, so the request reaches its validation."""
    rel = path.removeprefix("/api/v1")
    if rel.startswith("/operator/"):
        return "operator"
    if rel.startswith("/merchant/") and rel != "/merchant/apply" or rel == "/merchant":
        return "owner"
    if rel in ("/counter/device", "/counter/lookup") or rel.startswith("/counter/offline/"):
        return "device"  # a counter device's token (docs/offline-counter.md)
    return "customer"
