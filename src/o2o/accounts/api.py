"""Accounts API: who am I, and my API tokens (with scopes and a rate per minute).
Error codes: token_not_found (404), invalid_token_name, invalid_scope, invalid_rate_limit
(422)."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Status
from ninja.pagination import paginate
from pydantic import Field

from o2o.accounts import services
from o2o.accounts.auth import api_auth
from o2o.core.pagination import Cursor
from o2o.core.schemas import ERRORS, Schema

router = Router(tags=["accounts"], auth=api_auth)


class MeOut(Schema):
    id: str = Field(validation_alias="public_id")
    username: str
    display_name: str
    role: str = Field(description="The kind of account: customer, merchant_owner, merchant_staff "
                                   "(a work account made by a merchant) or operator")
    merchant_id: str | None = Field(None, description="The merchant this account works for, if any")
    merchant_role: str | None = Field(None, description="owner or staff, when merchant_id is set")
    store_ids: list[str] = []


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] | None = Field(None, max_length=10, description=(
        "catalog:read, catalog:write, orders, redemption, finance; every scope when left out"))
    rate_per_minute: int | None = Field(None, ge=1, le=100_000,
                                        description="calls a minute before 429 rate_limited (600)")


class TokenOut(Schema):
    id: str = Field(validation_alias="public_id")
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    scopes: list[str]
    rate_per_minute: int


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret. Shown this once only; store it now.")


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request):
    user = request.auth
    out = MeOut.model_validate(user, from_attributes=True)
    membership = getattr(user, "staff_membership", None)
    if membership is not None and membership.is_active:
        out.merchant_id = membership.merchant.public_id
        out.merchant_role = membership.role
        out.store_ids = [s.public_id for s in membership.stores.all()]
    return out


@router.get("/me/tokens", response={200: list[TokenOut], **ERRORS})
@paginate(Cursor)
def list_tokens(request):
    return services.list_tokens(request.auth)


@router.post("/me/tokens", response={201: TokenCreatedOut, **ERRORS})
def create_token(request, body: TokenIn):
    token, secret = services.create_token(request.auth, body.name, body.scopes, body.rate_per_minute)
    token.token = secret  # attached for this answer only; never stored
    return Status(201, token)


@router.delete("/me/tokens/{token_id}", response={200: TokenOut, **ERRORS})
def revoke_token(request, token_id: str):
    return services.revoke_token(request.auth, token_id)
