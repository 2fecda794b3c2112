"""Token scopes of the merchant API: which scope a bearer token needs for an operation.

A call signed in by session (the console, the browser) is not scoped; a call with a
token needs the scope of its path family, if any: `catalog:read` to read and
`catalog:write` to change the catalogue, `orders`, `redemption`, `finance`. Paths of no
family (the merchant's profile, staff, webhooks; customers' and operators' paths) take
any token. The OpenAPI document lists the scope of each operation (its bearer
security requirement and `x-scopes`). Writes nothing. Error code: 403 scope_required.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest
from ninja import Router

from o2o.accounts.models import Scope
from o2o.api.gates import wrap_operations
from o2o.core.errors import PermissionDenied

#: Path families (relative to /api/v1) -> (scope to read, scope to change).
FAMILIES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("/merchant/products", "/merchant/locations", "/merchant/stock", "/merchant/schedules", "/merchant/slots",
      "/merchant/closures", "/merchant/quotas", "/merchant/stores", "/merchant/shipping-rule",
      "/merchant/coupon-templates", "/merchant/spend-tiers", "/merchant/sku-prices"),
     Scope.CATALOG_READ, Scope.CATALOG_WRITE),
    (("/merchant/orders", "/merchant/after-sales", "/merchant/reviews"), Scope.ORDERS, Scope.ORDERS),
    (("/merchant/vouchers", "/merchant/redemptions", "/merchant/pickup"), Scope.REDEMPTION, Scope.REDEMPTION),
    (("/merchant/ledger", "/merchant/settlements", "/merchant/payouts"), Scope.FINANCE, Scope.FINANCE),
)


def scope_for(path: str, method: str) -> str | None:
    for prefixes, read, write in FAMILIES:
        if any(path == p or path.startswith(p + "/") for p in prefixes):
            return str(read if method.upper() in ("GET", "HEAD") else write)
    return None


def _needs(scope: str) -> Callable[[HttpRequest, Any], None]:
    """The scope check (only for calls with a token; a session is not scoped)."""
    def check(request: HttpRequest, user: Any) -> None:
        token = getattr(request, "api_token", None)
        if token is not None and scope not in token.scopes:
            raise PermissionDenied(f"This token lacks the {scope} scope", "scope_required",
                                   details={"scope": scope})
    return check


def _scope_check(path: str, method: str) -> Callable[[HttpRequest, Any], None] | None:
    scope = scope_for(path, method)
    return None if scope is None else _needs(scope)


def apply(routers: Iterable[Router]) -> None:
    """Put the scope check on every operation of a scoped path (after gates.apply)."""
    wrap_operations(routers, _scope_check)


def document(schema: dict[str, Any], prefix: str = "/api/v1") -> dict[str, Any]:
    """Name each operation's scope in the OpenAPI document."""
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            scope = scope_for(path.removeprefix(prefix), method)
            if scope is None or "security" not in operation:
                continue
            operation["x-scopes"] = [scope]
            operation["security"] = [{name: [scope] if name == "BearerTokenAuth" else []}
                                     for req in operation["security"] for name in req]
    bearer = schema.get("components", {}).get("securitySchemes", {}).get("BearerTokenAuth")
    if bearer is not None:
        bearer["description"] = ("An API token. Scopes: " + ", ".join(f"`{s.value}` ({s.label})" for s in Scope)
                                 + "; each operation of the merchant API names the one it needs.")
    return schema
