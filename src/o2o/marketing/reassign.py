"""Coupons of one customer account handed to another (account merging in o2o.identity).

A customer holds coupons of a template numbered 1..n (unique template, customer, seq), so
a moved coupon takes the next free number of the survivor for its template: both
accounts' coupons are kept, even past the per-customer limit (they were claimed within
it). Writes: marketing.Coupon (customer, seq). Joins the caller's transaction. Error
codes: none.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from o2o.marketing.models import Coupon


def reassign_customer(from_user_id: int, to_user_id: int) -> dict[str, int]:
    with transaction.atomic():
        top = dict(Coupon.objects.filter(customer_id=to_user_id).values("template_id")
                   .annotate(top=Max("seq")).values_list("template_id", "top"))
        moved = 0
        for coupon in Coupon.objects.select_for_update().filter(customer_id=from_user_id).order_by("id"):
            seq = top.get(coupon.template_id, 0) + 1
            top[coupon.template_id] = seq
            Coupon.objects.filter(pk=coupon.pk).update(customer_id=to_user_id, seq=seq)
            moved += 1
    return {"coupons": moved}
