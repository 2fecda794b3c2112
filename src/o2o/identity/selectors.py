"""Reads of o2o.identity: the customer's own data for export, the sandbox inbox, and the
masked phone of an account for the console. Every read takes the account it is about."""

from __future__ import annotations

from typing import Any

from o2o.accounts.masking import mask_phone
from o2o.accounts.models import User
from o2o.identity.models import MergeRecord, PhoneIdentity
from o2o.marketing.models import Coupon
from o2o.orders.models import Order
from o2o.payments.models import Payment
from o2o.reviews.models import Review
from o2o.vouchers.models import Voucher
from o2o.wxauth.reassign import identities_of


def phone_of(user: User) -> str:
    """The number bound to the account, unmasked ("" when none)."""
    return PhoneIdentity.objects.filter(user=user).values_list("phone", flat=True).first() or ""


def masked_phone(user: User) -> str:
    return mask_phone(phone_of(user))


def export(user: User) -> dict[str, Any]:
    """Everything o2o keeps about the person behind `user`, as JSON-ready values (the
    person's own data, unmasked: they asked for it)."""
    phone = PhoneIdentity.objects.filter(user=user).first()
    orders = Order.objects.filter(customer=user).select_related("merchant").prefetch_related("lines")
    return {
        "account": {
            "id": user.public_id, "username": user.username, "display_name": user.display_name,
            "email": user.email, "phone": phone.phone if phone else "",
            "phone_verified_at": phone.verified_at.isoformat() if phone else None,
            "date_joined": user.date_joined.isoformat(), "has_password": user.has_usable_password(),
        },
        "wechat_identities": identities_of(user.pk),
        "merged_accounts": [
            {"id": m.absorbed.public_id, "merged_at": m.merged_at.isoformat(), "proof": m.proof}
            for m in MergeRecord.objects.filter(survivor=user).select_related("absorbed")],
        "orders": [{
            "id": o.public_id, "merchant": o.merchant.name, "status": o.status, "kind": o.kind,
            "total_fen": o.total_fen, "currency": o.currency, "created_at": o.created_at.isoformat(),
            "paid_at": o.paid_at.isoformat() if o.paid_at else None,
            "shipping_address": o.shipping_address, "note": o.note,
            "lines": [{"title": line.title, "quantity": line.quantity, "unit_price_fen": line.unit_price_fen}
                      for line in o.lines.all()],
        } for o in orders],
        "vouchers": [{
            "id": v.public_id, "order": v.order.public_id, "title": v.title, "status": v.status,
            "uses_left": v.uses_left, "uses_total": v.uses_total, "valid_until": v.valid_until.isoformat(),
        } for v in Voucher.objects.filter(customer=user).select_related("order")],
        "payments": [{
            "id": p.public_id, "order": p.order.public_id, "amount_fen": p.amount_fen, "status": p.status,
            "channel": p.channel, "payer_openid": p.payer_openid,
        } for p in Payment.objects.filter(customer=user).select_related("order")],
        "coupons": [{
            "id": c.public_id, "title": c.template.title, "status": c.status,
            "valid_until": c.valid_until.isoformat(),
        } for c in Coupon.objects.filter(customer=user).select_related("template")],
        "reviews": [{
            "id": r.public_id, "order": r.order.public_id, "rating": r.rating, "text": r.text,
        } for r in Review.objects.filter(customer=user).select_related("order")],
    }
