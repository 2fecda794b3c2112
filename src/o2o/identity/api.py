"""Identity API: phone sign-in with an SMS code, binding a phone to the signed-in
account, merging a second account into it, the customer's data export and deletion.

Thin: every rule is in o2o.identity.services. Error codes: invalid_phone, invalid_code,
code_expired, invalid_credentials, proof_required (422); rate_limited (429 with Retry-After),
too_many_attempts (429); account_disabled, reauthentication_failed (403);
account_not_found (404); phone_in_use, no_phone, merge_same_account, merge_not_customer,
merge_staff_account, open_orders (409); sms_unavailable (503).
"""

from __future__ import annotations

from django.contrib.auth import login, logout
from django.http import HttpRequest
from ninja import Router, Status
from pydantic import Field

from o2o.accounts import services as accounts
from o2o.accounts.auth import api_auth
from o2o.core.errors import ValidationFailed
from o2o.core.schemas import ERRORS, ErrorOut, Schema
from o2o.identity import selectors, services

router = Router(tags=["identity"], auth=api_auth)

CODE_ERRORS = {**ERRORS, 429: ErrorOut, 503: ErrorOut}


def _ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or ""


class PhoneIn(Schema):
    phone: str = Field(min_length=5, max_length=24, description="E.164 (+8613812345678) or a mainland "
                                                                 "mobile number (13812345678)")


class PhoneCodeIn(PhoneIn):
    code: str = Field(min_length=1, max_length=12, description="The 6-digit code of the text message")


class SignInIn(PhoneCodeIn):
    token: bool = Field(False, description="Also create a bearer token for an app (shown once)")


class CodeSentOut(Schema):
    sent: bool = Field(True, description="Always true: the answer never tells whether the number "
                                         "has an account")
    expires_in: int
    resend_in: int


class SignedInOut(Schema):
    user_id: str
    created: bool = Field(description="True when this sign-in created the account")
    token: str | None = Field(None, description="The bearer token, when asked for; shown this once")


class PhoneOut(Schema):
    phone: str = Field(description="Masked: +86 138****5678")


class MergeIn(Schema):
    phone: str | None = Field(None, max_length=24, description="Prove the other account by a code "
                                                              "sent to its number (POST /me/merge/code)")
    code: str | None = Field(None, max_length=12)
    username: str | None = Field(None, max_length=150, description="... or by its username and password")
    password: str | None = Field(None, max_length=256)


class MergeOut(Schema):
    id: str
    survivor: str
    absorbed: str
    moved: dict[str, int]


class DeleteIn(Schema):
    password: str | None = Field(None, max_length=256)
    code: str | None = Field(None, max_length=12, description="A code from POST /me/delete/code")


@router.post("/auth/phone/code", response={200: CodeSentOut, **CODE_ERRORS}, auth=None)
def phone_code(request, body: PhoneIn):
    return services.request_sign_in_code(body.phone, ip=_ip(request))


@router.post("/auth/phone/verify", response={200: SignedInOut, **CODE_ERRORS}, auth=None)
def phone_verify(request, body: SignInIn):
    user, created = services.sign_in_with_code(body.phone, body.code)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    secret = accounts.create_token(user, "phone sign-in")[1] if body.token else None
    return SignedInOut(user_id=user.public_id, created=created, token=secret)


@router.post("/me/phone", response={200: CodeSentOut, **CODE_ERRORS})
def bind_code(request, body: PhoneIn):
    return services.request_bind_code(request.auth, body.phone, ip=_ip(request))


@router.post("/me/phone/verify", response={200: PhoneOut, **CODE_ERRORS})
def bind_verify(request, body: PhoneCodeIn):
    services.bind_phone(request.auth, body.phone, body.code)
    return PhoneOut(phone=selectors.masked_phone(request.auth))


@router.post("/me/merge/code", response={200: CodeSentOut, **CODE_ERRORS})
def merge_code(request, body: PhoneIn):
    return services.request_merge_code(request.auth, body.phone, ip=_ip(request))


@router.post("/me/merge", response={200: MergeOut, **CODE_ERRORS})
def merge(request, body: MergeIn):
    if body.phone and body.code:
        record = services.merge_by_phone(request.auth, body.phone, body.code)
    elif body.username and body.password:
        record = services.merge_by_password(request.auth, body.username, body.password)
    else:
        raise ValidationFailed("give phone and code, or username and password", "proof_required")
    return MergeOut(id=record.public_id, survivor=record.survivor.public_id,
                    absorbed=record.absorbed.public_id, moved=record.moved)


@router.get("/me/export", response={200: dict, **ERRORS})
def export(request):
    return selectors.export(request.auth)


@router.post("/me/delete/code", response={200: CodeSentOut, **CODE_ERRORS})
def delete_code(request):
    return services.request_delete_code(request.auth, ip=_ip(request))


@router.post("/me/delete", response={204: None, **CODE_ERRORS})
def delete(request, body: DeleteIn):
    services.delete_account(request.auth, password=body.password or "", code=body.code or "")
    logout(request)
    return Status(204, None)
