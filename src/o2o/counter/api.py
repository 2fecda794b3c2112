"""The offline counter's API (docs/offline-counter.md): devices registered by staff and
managed by the owner; the device-token endpoints (the device, its offline bundle, an
online lookup, the upload of offline redemptions); conflicts and their resolution."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from o2o.accounts.auth import api_auth
from o2o.core.schemas import ERRORS
from o2o.counter import resolve, selectors, services
from o2o.counter.auth import device_auth
from o2o.counter.schemas import CapsIn, DeviceIn, UploadIn, UploadOut, conflict_dict, device_dict
from o2o.vouchers import services as vouchers
from o2o.vouchers.schemas import store_ref, voucher_summary

router = Router(tags=["counter"])


# --- devices (staff and owner) ----------------------------------------------------------------

@router.post("/counter/devices", response={201: dict, **ERRORS}, auth=api_auth)
def register_device(request, payload: DeviceIn):
    """Register this browser as a counter of a store you may act at. The `token` is shown
    once: keep it on the device; it authenticates the offline endpoints."""
    device, token = services.register_device(request.auth, payload.name, payload.store)
    return Status(201, device_dict(device, token))


@router.get("/counter/devices", response={200: dict, **ERRORS}, auth=api_auth)
def list_devices(request):
    """The merchant's counter devices, newest first (owner)."""
    return {"items": [device_dict(d) for d in selectors.merchant_devices(request.auth)[:200]]}


@router.post("/counter/devices/{device_id}/revoke", response={200: dict, **ERRORS}, auth=api_auth)
def revoke_device(request, device_id: str):
    """Revoke a device (owner): its token stops working; its queued uploads are refused."""
    return device_dict(services.revoke_device(request.auth, device_id))


@router.patch("/counter/devices/{device_id}", response={200: dict, **ERRORS}, auth=api_auth)
def set_caps(request, device_id: str, payload: CapsIn):
    """Set a device's offline caps (owner): uses and value in fen per offline period."""
    return device_dict(services.set_caps(request.auth, device_id, max_offline_uses=payload.max_offline_uses,
                                         max_offline_value_fen=payload.max_offline_value_fen))


# --- the device itself (device token) ------------------------------------------------------------

@router.get("/counter/device", response={200: dict, **ERRORS}, auth=device_auth)
def this_device(request):
    """The calling device, and what counts against its caps now."""
    device = request.auth
    uses, value = services.offline_used(device)
    return {**device_dict(device), "offline_used": {"uses": uses, "value_fen": value}}


@router.get("/counter/offline/bundle", response={200: dict, 304: None, **ERRORS}, auth=device_auth)
def offline_bundle(request: HttpRequest, store: str | None = None):
    """Keys, revocation list, today's bookings and caps for offline redemption. Send
    If-None-Match with the last version for a 304. Starts a new offline period."""
    device = services.require_live(request.auth)
    body = selectors.bundle(device, store)
    services.note_bundle(device)
    etag = f'"{body["version"]}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(json.dumps(body, ensure_ascii=False), content_type="application/json")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/counter/lookup", response={200: dict, **ERRORS}, auth=device_auth)
def device_lookup(request, code: str, uses: int = 1):
    """Online prepare step at the device's store: a typed code or a signed payload."""
    device = services.require_live(request.auth)
    voucher, store = vouchers.lookup(device.registered_by, device.store.public_id, code, uses)
    return {"voucher": voucher_summary(voucher), "store": store_ref(store), "uses": uses, "redeemable": True}


@router.post("/counter/offline/redemptions", response={200: UploadOut, **ERRORS}, auth=device_auth)
def upload(request, payload: UploadIn):
    """Upload offline redemptions in the order they were made; each nonce applies once.
    One result per item: applied, duplicate, conflict or refused (with the reason)."""
    results, (uses, value) = services.upload(request.auth, [item.dict() for item in payload.items])
    return {"results": results, "offline_used": {"uses": uses, "value_fen": value}}


# --- conflicts ------------------------------------------------------------------------------------

@router.get("/counter/conflicts", response={200: dict, **ERRORS}, auth=api_auth)
def conflicts(request, status: str | None = None):
    """The merchant's offline conflicts, newest first; filter by status."""
    return {"items": [conflict_dict(c) for c in selectors.merchant_conflicts(request.auth, status)[:200]]}


@router.post("/counter/conflicts/{conflict_id}/absorb", response={200: dict, **ERRORS}, auth=api_auth)
def absorb(request, conflict_id: str):
    """Close a conflict: the merchant gives the service (owner)."""
    resolve.absorb(request.auth, conflict_id)
    return conflict_dict(selectors.merchant_conflict(request.auth, conflict_id))


@router.post("/counter/conflicts/{conflict_id}/charge", response={200: dict, **ERRORS}, auth=api_auth)
def charge(request, conflict_id: str):
    """Charge the customer: a new order for the service at its value, pending payment (owner)."""
    resolve.charge(request.auth, conflict_id)
    return conflict_dict(selectors.merchant_conflict(request.auth, conflict_id))
