"""Users, roles and API tokens: every write of the accounts app.

Other apps change a user only through these functions (merchants creates work
accounts, sets the owner role, ends work accounts). Events: user.created,
user.role_changed, user.deactivated, api_token.created, api_token.revoked.
Error codes: invalid_username, invalid_role, weak_password (422), username_taken
(409), token_not_found (404), invalid_token_name, invalid_scope, invalid_rate_limit
(422), rate_limited (429 with Retry-After: a token's calls per minute are counted in
the cache, in windows of one minute).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from o2o.accounts import tokens
from o2o.accounts.models import DEFAULT_RATE_PER_MINUTE, ApiToken, Role, Scope, User
from o2o.core import clock, events
from o2o.core.errors import Conflict, DomainError, NotFound, ValidationFailed

_LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def create_user(username: str, password: str | None, *, role: str = Role.CUSTOMER,
                display_name: str = "", email: str = "", phone: str = "",
                check_password: bool = True) -> User:
    username = (username or "").strip()
    if not username or len(username) > 150:
        raise ValidationFailed("username must be 1-150 characters", "invalid_username")
    if role not in Role.values:
        raise ValidationFailed(f"unknown role {role!r}", "invalid_role")
    if password and check_password:
        try:
            validate_password(password)
        except ValidationError as exc:
            raise ValidationFailed(" ".join(exc.messages), "weak_password") from exc
    with transaction.atomic():
        if User.objects.filter(username=username).exists():
            raise Conflict("this username is taken", "username_taken")
        user = User(username=username, role=role, display_name=display_name or username,
                    email=email, phone=phone)
        if role == Role.OPERATOR:
            user.is_staff = True
            user.is_superuser = True
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # the same name created concurrently
            raise Conflict("this username is taken", "username_taken") from None
        events.emit("user.created", user, {"role": role})
    return user


def set_role(user: User, role: str) -> User:
    if role not in Role.values:
        raise ValidationFailed(f"unknown role {role!r}", "invalid_role")
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(role=role)
        user.role = role
        events.emit("user.role_changed", user, {"role": role})
    return user


def lock_active_user(user: User) -> User | None:
    """The user's row, locked until the caller's transaction ends (None when the
    account is gone or inactive), so that two requests of one user go one at a time."""
    return User.objects.select_for_update().filter(pk=user.pk, is_active=True).first()


def deactivate_user(user: User, reason: str) -> User:
    """End an account: it can no longer sign in, and its tokens and sessions stop
    working (both check is_active). Idempotent."""
    with transaction.atomic():
        if User.objects.filter(pk=user.pk, is_active=True).update(is_active=False):
            events.emit("user.deactivated", user, {"reason": reason})
        user.is_active = False
    return user


def create_token(user: User, name: str, scopes: list[str] | None = None,
                 rate_per_minute: int | None = None) -> tuple[ApiToken, str]:
    """Create a token (every scope and the default rate unless given); the clear secret
    is returned once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed("token name must be 1-100 characters", "invalid_token_name")
    scopes = list(Scope.values) if scopes is None else scopes
    if not isinstance(scopes, list) or any(s not in Scope.values for s in scopes):
        raise ValidationFailed("unknown scope", "invalid_scope", details={"scopes": list(Scope.values)})
    rate = DEFAULT_RATE_PER_MINUTE if rate_per_minute is None else rate_per_minute
    if isinstance(rate, bool) or not isinstance(rate, int) or not 1 <= rate <= 100_000:
        raise ValidationFailed("rate_per_minute must be 1 to 100000", "invalid_rate_limit")
    secret, prefix, digest = tokens.generate()
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=prefix, digest=digest,
                                        scopes=sorted(set(scopes)), rate_per_minute=rate, created_at=clock.now())
        events.emit("api_token.created", token, {"user": user.public_id, "scopes": token.scopes})
    return token, secret


def list_tokens(user: User):
    return ApiToken.objects.filter(user=user)


def revoke_token(user: User, token_public_id: str) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().filter(user=user, public_id=token_public_id).first()
        if token is None:
            raise NotFound("no such token", "token_not_found")
        if token.revoked_at is None:
            token.revoked_at = clock.now()
            token.save(update_fields=["revoked_at"])
            events.emit("api_token.revoked", token, {"user": user.public_id})
    return token


def token_for(raw: str) -> ApiToken | None:
    """The active token whose secret is `raw`, with its user, or None."""
    prefix = tokens.split(raw or "")
    if prefix is None:
        return None
    token = ApiToken.objects.select_related("user").filter(prefix=prefix, revoked_at__isnull=True).first()
    if token is None or not tokens.matches(raw, token.digest) or not token.user.is_active:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_RESOLUTION:
        # Coarse-grained so a busy client does not write on every request.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"


def count_call(token: ApiToken) -> None:
    """Count one call of `token`; RateLimited (429, Retry-After: the seconds left in this
    minute) past its rate_per_minute. The count lives in the cache (Redis when present,
    so every API process shares it)."""
    now = clock.now()
    window = int(now.timestamp()) // 60
    key = f"o2o:token-rate:{token.prefix}:{window}"  # the prefix is random and unique, never reused
    cache.add(key, 0, timeout=120)
    try:
        calls = cache.incr(key)
    except ValueError:  # expired between add and incr: this call starts the window
        cache.set(key, 1, timeout=120)
        calls = 1
    if calls > token.rate_per_minute:
        exc = RateLimited("Too many requests with this token, retry later",
                          details={"limit_per_minute": token.rate_per_minute})
        exc.retry_after = max(1, 60 - int(now.timestamp()) % 60)
        raise exc
