"""Masks for personal identifiers shown to people who are not their owner (the console,
the operators' pages, logs): phone numbers and WeChat OpenIDs/UnionIDs. Writes nothing."""

from __future__ import annotations


def mask_phone(phone: str) -> str:
    """`+8613812345678` -> `+86 138****5678`, `13812345678` -> `138****5678`; other numbers keep their first and last
    digits only. An empty value stays empty."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    if phone.startswith("+86") and len(phone) == 14:
        return f"+86 {phone[3:6]}****{phone[-4:]}"
    if len(phone) == 11 and phone.isdigit() and phone.startswith("1"):  # a mainland mobile as typed
        return f"{phone[:3]}****{phone[-4:]}"
    digits = phone.lstrip("+")
    if len(digits) <= 4:
        return "*" * len(phone)
    keep = 2 if len(digits) <= 8 else 3
    prefix = "+" if phone.startswith("+") else ""
    return prefix + digits[:keep] + "*" * (len(digits) - keep - 2) + digits[-2:]


def mask_openid(openid: str) -> str:
    """An OpenID or UnionID with its first 4 and last 4 characters kept: `oAbC…wXyZ`."""
    openid = (openid or "").strip()
    if len(openid) <= 8:
        return "*" * len(openid)
    return f"{openid[:4]}…{openid[-4:]}"
