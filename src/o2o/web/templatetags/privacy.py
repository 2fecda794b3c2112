"""{{ phone|mask_phone }}, {{ openid|mask_openid }}: personal identifiers as the console
and the operators' pages show them (o2o.accounts.masking)."""

from __future__ import annotations

from django import template

from o2o.accounts.masking import mask_openid as _mask_openid
from o2o.accounts.masking import mask_phone as _mask_phone

register = template.Library()


@register.filter
def mask_phone(value: object) -> str:
    return _mask_phone(str(value or ""))


@register.filter
def mask_openid(value: object) -> str:
    return _mask_openid(str(value or ""))
