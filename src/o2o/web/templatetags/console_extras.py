"""Filters of the console and counter: order and parcel states in the page's language
(the same labels the storefront shows)."""

from __future__ import annotations

from django import template

from o2o.web.storefront.common import ORDER_STATUS, PARCEL_STATUS

register = template.Library()


@register.filter
def order_status(status: str) -> str:
    return str(ORDER_STATUS.get(status, status))


@register.filter
def parcel_status(status: str) -> str:
    return str(PARCEL_STATUS.get(status, status))
