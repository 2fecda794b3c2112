"""API authentication: `Authorization: Bearer <token>` or the web session."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from o2o.accounts import services


class BearerTokenAuth(HttpBearer):
    """A token's calls are counted against its rate (429 rate_limited past it); the token
    stays on the request so o2o.api.scopes can check its scopes."""

    def authenticate(self, request: HttpRequest, token: str):
        found = services.token_for(token)
        if found is None:
            return None
        services.count_call(found)
        request.api_token = found
        request.user = found.user
        return found.user


class ActiveSessionAuth(SessionAuth):
    def _get_key(self, request: HttpRequest):
        # CSRF guards a cookie that signs someone in. Without a signed-in session there is
        # nothing to forge: the caller is anonymous and gets 401, not 403 "CSRF check Failed".
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key):
        user = super().authenticate(request, key)
        if user is not None and not user.is_active:
            return None
        return user


#: Auth for every non-public API operation.
api_auth = [BearerTokenAuth(), ActiveSessionAuth()]
