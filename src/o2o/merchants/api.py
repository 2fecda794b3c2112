"""Merchants API: public directory, merchant application, the merchant's own profile,
stores and staff, staff invitations, and the operator's review queue.

Tenancy: every /merchant/* path is scoped to the caller's merchant (merchants.access);
another merchant's ids are 404 whatever the caller's role, and only then is the
owner role checked for writes (403 owner_role_required).

Staff join in two ways only: the owner creates a new work account (POST /merchant/staff,
409 username_taken if the name exists), or invites a person, who accepts while signed in
(POST /staff/invitations/accept). No endpoint attaches or looks up an existing account.
"""

# No `from __future__ import annotations`: @paginate wraps handlers, and ninja then
# resolves their string annotations (Literal) in the wrapper's module.

import datetime as dt
from typing import Any, Literal

from django.urls import reverse
from ninja import Query, Router, Status
from ninja.pagination import paginate
from pydantic import Field

from o2o.accounts.auth import api_auth
from o2o.accounts.models import Role
from o2o.core import clock
from o2o.core.pagination import Cursor
from o2o.core.schemas import ERRORS, Schema
from o2o.merchants import selectors, services
from o2o.merchants.access import merchant_of, require_operator
from o2o.merchants.hours import is_open_at

router = Router(tags=["merchants"], auth=api_auth)

_HOURS_DOC = ('Store-local opening hours: {"mon": [["10:00", "22:00"]], ..., "sun": []}; day keys '
              'mon..sun, HH:MM times, an end before the start runs past midnight.')
_HOURS_EXAMPLE = {"mon": [["10:00", "22:00"]], "fri": [["10:00", "14:00"], ["17:00", "02:00"]]}


# --- output schemas ------------------------------------------------------------

class MerchantPublicOut(Schema):
    id: str = Field(validation_alias="public_id")
    name: str
    name_en: str
    description: str
    business_type: str


class MerchantOut(MerchantPublicOut):
    status: str
    status_reason: str
    contact_phone: str
    commission_rate_bp: int
    created_at: dt.datetime
    updated_at: dt.datetime
    reviewed_at: dt.datetime | None


class OperatorMerchantOut(MerchantOut):
    owner_id: str
    owner_username: str

    @staticmethod
    def resolve_owner_id(obj) -> str:
        return obj.owner.public_id

    @staticmethod
    def resolve_owner_username(obj) -> str:
        return obj.owner.username


class StorePublicOut(Schema):
    id: str = Field(validation_alias="public_id")
    merchant_id: str
    name: str
    name_en: str
    address: str
    city: str
    phone: str
    latitude: float
    longitude: float
    h3_cell: str
    time_zone: str
    opening_hours: dict[str, list[list[str]]]
    is_open_now: bool

    @staticmethod
    def resolve_merchant_id(obj) -> str:
        return obj.merchant.public_id

    @staticmethod
    def resolve_is_open_now(obj) -> bool:
        return is_open_at(obj, clock.now())


class StoreOut(StorePublicOut):
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class StaffOut(Schema):
    id: str = Field(validation_alias="public_id")
    merchant_id: str
    user_id: str
    username: str
    display_name: str = Field(description="The name the merchant gives the member, else the user's own")
    role: str
    work_account: bool = Field(description="An account this merchant created; it ends when the member "
                                           "is removed. False: the person's own account, which they keep")
    is_active: bool
    store_ids: list[str] = Field(description="Stores the member may act at; empty = every store")
    created_at: dt.datetime

    @staticmethod
    def resolve_merchant_id(obj) -> str:
        return obj.merchant.public_id

    @staticmethod
    def resolve_user_id(obj) -> str:
        return obj.user.public_id

    @staticmethod
    def resolve_username(obj) -> str:
        return obj.user.username

    @staticmethod
    def resolve_display_name(obj) -> str:
        return obj.display_name or obj.user.display_name

    @staticmethod
    def resolve_work_account(obj) -> bool:
        return obj.user.role == Role.MERCHANT_STAFF

    @staticmethod
    def resolve_store_ids(obj) -> list[str]:
        return sorted(s.public_id for s in obj.stores.all())


class InvitationOut(Schema):
    id: str = Field(validation_alias="public_id")
    label: str
    state: Literal["pending", "accepted", "revoked", "expired"]
    store_ids: list[str] = Field(description="Stores the new member will act at; empty = every store")
    created_at: dt.datetime
    expires_at: dt.datetime
    accepted_at: dt.datetime | None
    accepted_username: str | None
    revoked_at: dt.datetime | None

    @staticmethod
    def resolve_state(obj) -> str:
        return obj.state_at(clock.now())

    @staticmethod
    def resolve_store_ids(obj) -> list[str]:
        return sorted(s.public_id for s in obj.stores.all())

    @staticmethod
    def resolve_accepted_username(obj) -> str | None:
        return obj.accepted_by.username if obj.accepted_by_id else None


class InvitationCreatedOut(InvitationOut):
    code: str = Field(description="The invitation code. Shown this once only; it is not stored.")
    accept_url: str = Field(description="A link that opens the accept page with the code filled in")


# --- input schemas -------------------------------------------------------------

class MerchantIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    name_en: str = Field("", max_length=100)
    description: str = Field("", max_length=2000)
    business_type: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=20)


class MerchantPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    name_en: str | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=2000)
    business_type: str | None = Field(None, max_length=50)
    contact_phone: str | None = Field(None, max_length=20)


class StoreIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    address: str = Field(min_length=1, max_length=300)
    latitude: float = Field(description="-90..90 (else 422 invalid_coordinates)")
    longitude: float = Field(description="-180..180 (else 422 invalid_coordinates)")
    name_en: str = Field("", max_length=100)
    city: str = Field("", max_length=50)
    phone: str = Field("", max_length=20)
    time_zone: str = Field("Asia/Shanghai", max_length=50,
                           description="IANA name (else 422 invalid_time_zone)")
    # Any JSON: the shape is checked by the service so that every bad shape answers
    # the one code invalid_opening_hours.
    opening_hours: Any = Field(None, description=_HOURS_DOC, examples=[_HOURS_EXAMPLE])


class StorePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    address: str | None = Field(None, min_length=1, max_length=300)
    latitude: float | None = None
    longitude: float | None = None
    name_en: str | None = Field(None, max_length=100)
    city: str | None = Field(None, max_length=50)
    phone: str | None = Field(None, max_length=20)
    time_zone: str | None = Field(None, max_length=50)
    opening_hours: Any = Field(None, description=_HOURS_DOC, examples=[_HOURS_EXAMPLE])
    is_active: bool | None = None


class StaffIn(Schema):
    username: str = Field(min_length=1, max_length=150,
                          description="A NEW username (409 username_taken if it exists)")
    password: str = Field(min_length=8, max_length=128, description="The new work account's password")
    display_name: str = Field("", max_length=100)
    store_ids: list[str] = Field(default_factory=list, max_length=200,
                                 description="This merchant's stores; empty = every store")


class InvitationIn(Schema):
    label: str = Field("", max_length=100, description="Whom it is for; shown in the owner's list only")
    store_ids: list[str] = Field(default_factory=list, max_length=200,
                                 description="This merchant's stores; empty = every store")
    expires_in_hours: int = Field(168, ge=1, le=720, strict=True)


class AcceptIn(Schema):
    code: str = Field(min_length=1, max_length=64, description="The invitation code (dashes optional)")


class StaffPatch(Schema):
    store_ids: list[str] | None = Field(None, max_length=200)
    display_name: str | None = Field(None, max_length=100)


class ReasonIn(Schema):
    reason: str = Field(max_length=500, description="Required, shown to the merchant")


def _changes(body: Schema) -> dict[str, Any]:
    return body.model_dump(exclude_unset=True)


# --- public ----------------------------------------------------------------------

@router.get("/merchants", response={200: list[MerchantPublicOut], **ERRORS}, auth=None)
@paginate(Cursor)
def list_merchants(request, q: str | None = Query(None, max_length=100)):
    return selectors.public_merchants(q)


@router.get("/merchants/{merchant_id}", response={200: MerchantPublicOut, **ERRORS}, auth=None)
def get_merchant(request, merchant_id: str):
    return selectors.public_merchant(merchant_id)


@router.get("/merchants/{merchant_id}/stores", response={200: list[StorePublicOut], **ERRORS},
            auth=None)
@paginate(Cursor)
def list_merchant_stores(request, merchant_id: str):
    merchant = selectors.public_merchant(merchant_id)
    return selectors.public_stores().filter(merchant=merchant)


@router.get("/stores/{store_id}", response={200: StorePublicOut, **ERRORS}, auth=None)
def get_public_store(request, store_id: str):
    return selectors.public_store(store_id)


# --- application and own profile ----------------------------------------------------

@router.post("/merchant/apply", response={201: MerchantOut, **ERRORS})
def apply(request, body: MerchantIn):
    """Apply to sell (pending review). The owner of a rejected merchant re-applies here."""
    data = body.model_dump()
    return Status(201, services.apply_merchant(request.auth, data.pop("name"), **data))


@router.get("/merchant", response={200: MerchantOut, **ERRORS})
def my_merchant(request):
    return merchant_of(request.auth)


@router.patch("/merchant", response={200: MerchantOut, **ERRORS})
def update_my_merchant(request, body: MerchantPatch):
    return services.update_merchant(merchant_of(request.auth, owner_only=True), **_changes(body))


# --- stores -------------------------------------------------------------------------

@router.get("/merchant/stores", response={200: list[StoreOut], **ERRORS})
@paginate(Cursor)
def list_my_stores(request):
    return selectors.stores_of_merchant(merchant_of(request.auth))


@router.post("/merchant/stores", response={201: StoreOut, **ERRORS})
def create_store(request, body: StoreIn):
    merchant = merchant_of(request.auth, owner_only=True)
    return Status(201, services.create_store(merchant, **body.model_dump()))


@router.get("/merchant/stores/{store_id}", response={200: StoreOut, **ERRORS})
def get_my_store(request, store_id: str):
    return services.get_store(merchant_of(request.auth), store_id)


@router.patch("/merchant/stores/{store_id}", response={200: StoreOut, **ERRORS})
def update_store(request, store_id: str, body: StorePatch):
    merchant = merchant_of(request.auth)
    services.get_store(merchant, store_id)  # another merchant's id: 404 before any role check
    merchant_of(request.auth, owner_only=True)
    return services.update_store(merchant, store_id, **_changes(body))


@router.delete("/merchant/stores/{store_id}", response={200: StoreOut, **ERRORS})
def deactivate_store(request, store_id: str):
    merchant = merchant_of(request.auth)
    services.get_store(merchant, store_id)
    merchant_of(request.auth, owner_only=True)
    return services.deactivate_store(merchant, store_id)


# --- staff (owner only) ---------------------------------------------------------------

@router.get("/merchant/staff", response={200: list[StaffOut], **ERRORS})
@paginate(Cursor)
def list_staff(request):
    return selectors.staff_of_merchant(merchant_of(request.auth, owner_only=True))


@router.post("/merchant/staff", response={201: StaffOut, **ERRORS})
def add_staff(request, body: StaffIn):
    """Create a new work account for the counter. An existing account is never attached:
    invite a person who has one (POST /merchant/staff/invitations)."""
    merchant = merchant_of(request.auth, owner_only=True)
    member = services.add_staff(merchant, body.username, body.password, stores=body.store_ids,
                                display_name=body.display_name)
    return Status(201, member)


# Declared before /merchant/staff/{staff_id} so that "invitations" is not taken for an id.

@router.get("/merchant/staff/invitations", response={200: list[InvitationOut], **ERRORS})
@paginate(Cursor)
def list_invitations(request):
    return selectors.invitations_of_merchant(merchant_of(request.auth, owner_only=True))


@router.post("/merchant/staff/invitations", response={201: InvitationCreatedOut, **ERRORS})
def create_invitation(request, body: InvitationIn):
    """A single-use invitation; the answer carries its code and link, shown this once."""
    merchant = merchant_of(request.auth, owner_only=True)
    invitation, code = services.create_invitation(merchant, request.auth, stores=body.store_ids,
                                                  label=body.label, expires_in_hours=body.expires_in_hours)
    invitation.code = code  # attached for this answer only; never stored
    invitation.accept_url = request.build_absolute_uri(f"{reverse('web:staff_join')}?code={code}")
    return Status(201, invitation)


@router.delete("/merchant/staff/invitations/{invitation_id}", response={200: InvitationOut, **ERRORS})
def revoke_invitation(request, invitation_id: str):
    merchant = merchant_of(request.auth)
    services.get_invitation(merchant, invitation_id)  # 404 for another merchant's id first
    merchant_of(request.auth, owner_only=True)
    return services.revoke_invitation(merchant, invitation_id)


@router.post("/staff/invitations/accept", response={201: StaffOut, **ERRORS})
def accept_invitation(request, body: AcceptIn):
    """Accept an invitation with the signed-in account: it works for the inviting merchant
    from now on and keeps everything it had (orders, cart, vouchers)."""
    return Status(201, services.accept_invitation(request.auth, body.code))


def _own_staff(request, staff_id: str):
    merchant = merchant_of(request.auth)
    member = services.get_staff(merchant, staff_id)  # 404 for another merchant's id first
    merchant_of(request.auth, owner_only=True)
    return merchant, member


@router.get("/merchant/staff/{staff_id}", response={200: StaffOut, **ERRORS})
def get_staff(request, staff_id: str):
    return _own_staff(request, staff_id)[1]


@router.patch("/merchant/staff/{staff_id}", response={200: StaffOut, **ERRORS})
def update_staff(request, staff_id: str, body: StaffPatch):
    merchant, _ = _own_staff(request, staff_id)
    changes = _changes(body)
    return services.update_staff(merchant, staff_id, stores=changes.get("store_ids"),
                                 display_name=changes.get("display_name"))


@router.delete("/merchant/staff/{staff_id}", response={200: StaffOut, **ERRORS})
def remove_staff(request, staff_id: str):
    merchant, _ = _own_staff(request, staff_id)
    return services.deactivate_staff(merchant, staff_id)


# --- operator review ----------------------------------------------------------------------

@router.get("/operator/merchants", response={200: list[OperatorMerchantOut], **ERRORS})
@paginate(Cursor)
def operator_list_merchants(request, status: Literal["pending", "active", "rejected", "suspended"] | None = None):
    require_operator(request.auth)
    return selectors.operator_merchants(status)


@router.get("/operator/merchants/{merchant_id}", response={200: OperatorMerchantOut, **ERRORS})
def operator_get_merchant(request, merchant_id: str):
    require_operator(request.auth)
    return selectors.operator_merchant(merchant_id)


@router.post("/operator/merchants/{merchant_id}/approve",
             response={200: OperatorMerchantOut, **ERRORS})
def operator_approve(request, merchant_id: str):
    return services.approve(require_operator(request.auth), merchant_id)


@router.post("/operator/merchants/{merchant_id}/reject", response={200: OperatorMerchantOut, **ERRORS})
def operator_reject(request, merchant_id: str, body: ReasonIn):
    return services.reject(require_operator(request.auth), merchant_id, body.reason)


@router.post("/operator/merchants/{merchant_id}/suspend",
             response={200: OperatorMerchantOut, **ERRORS})
def operator_suspend(request, merchant_id: str, body: ReasonIn):
    return services.suspend(require_operator(request.auth), merchant_id, body.reason)


@router.post("/operator/merchants/{merchant_id}/reinstate",
             response={200: OperatorMerchantOut, **ERRORS})
def operator_reinstate(request, merchant_id: str):
    return services.reinstate(require_operator(request.auth), merchant_id)
