"""The end of a customer account, written for o2o.identity: merging one account into
another, and anonymising an account deleted on request.

Writes: accounts.User (is_active, names, email, phone, password), accounts.ApiToken
(revoked_at). Events: user.absorbed, user.anonymised, api_token.revoked. Every function
joins the caller's transaction. Error codes: none (the caller has checked the rules).
"""

from __future__ import annotations

from django.db import transaction

from o2o.accounts.models import ApiToken, User
from o2o.core import clock, events


def revoke_all_tokens(user_id: int) -> int:
    """Revoke every active token of the user; how many were revoked."""
    with transaction.atomic():
        tokens = list(ApiToken.objects.select_for_update().filter(user_id=user_id, revoked_at__isnull=True))
        now = clock.now()
        for token in tokens:
            token.revoked_at = now
            token.save(update_fields=["revoked_at"])
            events.emit("api_token.revoked", token, {"reason": "account_closed"})
    return len(tokens)


def reassign_customer(from_user_id: int, to_user_id: int) -> dict[str, int]:
    """The absorbed account of a merge: its tokens are revoked (they named the old account),
    the account is deactivated so it can no longer sign in, and its contact phone, if the
    survivor has none, carries over."""
    with transaction.atomic():
        source = User.objects.select_for_update().get(pk=from_user_id)
        target = User.objects.select_for_update().get(pk=to_user_id)
        revoked = revoke_all_tokens(from_user_id)
        if source.phone and not target.phone:
            User.objects.filter(pk=target.pk).update(phone=source.phone)
        User.objects.filter(pk=source.pk).update(is_active=False, phone="")
        events.emit("user.absorbed", source, {"into": target.public_id})
    return {"tokens_revoked": revoked}


def set_contact_phone(user_id: int, phone: str) -> None:
    """The phone shown on the account (the sign-in binding itself lives in o2o.identity)."""
    User.objects.filter(pk=user_id).update(phone=phone)


def anonymise(user_id: int) -> User:
    """Delete a person from an account that the books still need: the row stays (orders and
    ledger entries point at it) but nothing in it names the person, and it cannot sign in."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        revoke_all_tokens(user_id)
        user.username = f"deleted_{user.public_id}"
        user.first_name = user.last_name = user.email = user.phone = ""
        user.display_name = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(update_fields=["username", "first_name", "last_name", "email", "phone",
                                 "display_name", "is_active", "password"])
        events.emit("user.anonymised", user, {})
    return user
