"""Role gates: who may call an operation, checked together with authentication.

ninja authenticates before it reads the body, so a role checked here answers 403
before any body is validated: a customer's `POST /operator/categories {}` is refused
as `operator_role_required`, not told which fields are missing. The views keep their
own finer checks (owner only, store bound); the gate is the coarse one a whole path
family shares. Writes nothing. Error codes: 401 not_authenticated, 403
operator_role_required / merchant_role_required.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.constants import NOT_SET

from o2o.accounts.models import User
from o2o.merchants.access import merchant_of, require_operator


def _merchant_member(user: User) -> None:
    merchant_of(user)


#: Path families (relative to /api/v1) and the role each needs.
GATES: tuple[tuple[str, Callable[[User], Any]], ...] = (
    ("/operator/", require_operator),
    ("/merchant/", _merchant_member),
)

#: Paths inside a gated family open to any signed-in user.
OPEN: frozenset[str] = frozenset({
    "/merchant/apply",  # a customer applies to sell
})


def gate_for(path: str) -> Callable[[User], Any] | None:
    if path in OPEN:
        return None
    for prefix, check in GATES:
        if path.startswith(prefix) or path == prefix.rstrip("/"):
            return check
    return None


class _Gated:
    """An auth callback, then a check of the request and the user it authenticated."""

    def __init__(self, inner: Callable[[HttpRequest], Any],
                 check: Callable[[HttpRequest, User], Any]) -> None:
        self.inner = inner
        self.check = check
        self.is_async = False
        # ninja documents an auth by its openapi_security_schema under its class name.
        schema = getattr(inner, "openapi_security_schema", None)
        if schema is not None:
            self.openapi_security_schema = schema

    def __call__(self, request: HttpRequest) -> Any:
        user = self.inner(request)
        if user:
            self.check(request, user)  # a DomainError: ninja answers it through the API's handler
        return user


def wrap_auth(inner: Callable[[HttpRequest], Any],
              check: Callable[[HttpRequest, User], Any]) -> _Gated:
    """`inner`, then `check(request, user)`; named after the wrapped scheme, so the
    OpenAPI security names stay the same. Shared by the role gates and token scopes."""
    cls = type(type(inner).__name__, (_Gated,), {})
    return cls(inner, check)


def as_list(auth: Any) -> list[Callable[[HttpRequest], Any]]:
    if auth is NOT_SET or auth is None:
        return []
    return list(auth) if isinstance(auth, Sequence) else [auth]


def wrap_operations(routers: Iterable[Router],
                    check_for: Callable[[str, str], Callable[[HttpRequest, User], Any] | None]) -> None:
    """Wrap the auth of every operation that is not explicitly public with
    `check_for(path, method)`, when that names a check. Shared by the role gates and
    token scopes; call before the API builds its URLs (ninja copies operations then)."""
    for router in routers:
        for path, view in router.path_operations.items():
            for operation in view.operations:
                check = check_for(path, operation.methods[0])
                own = operation.auth_param
                auth = as_list(router.auth if own is NOT_SET else own)
                if check is None or not auth:
                    continue  # not checked here, or explicitly public (auth=None)
                callbacks = [wrap_auth(a, check) for a in auth]
                operation.auth_param = callbacks
                operation.auth_callbacks = callbacks


def _gate_check(path: str, _method: str) -> Callable[[HttpRequest, User], Any] | None:
    check = gate_for(path)
    return None if check is None else (lambda _request, user: check(user))


def apply(routers: Iterable[Router]) -> None:
    """Put the gates on every operation of a gated path that is not explicitly public."""
    wrap_operations(routers, _gate_check)
