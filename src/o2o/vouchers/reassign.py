"""Vouchers and voucher refunds of one customer account handed to another (account
merging in o2o.identity). Writes: vouchers.Voucher, vouchers.VoucherRefund (customer).
Joins the caller's transaction. Error codes: none."""

from __future__ import annotations

from django.db import transaction

from o2o.vouchers.models import Voucher, VoucherRefund


def reassign_customer(from_user_id: int, to_user_id: int) -> dict[str, int]:
    with transaction.atomic():
        vouchers = Voucher.objects.filter(customer_id=from_user_id).update(customer_id=to_user_id)
        refunds = VoucherRefund.objects.filter(customer_id=from_user_id).update(customer_id=to_user_id)
    return {"vouchers": vouchers, "voucher_refunds": refunds}
