"""Phone sign-in, binding a phone to an account, merging two accounts of one person, and
deleting an account on its owner's request.

Writes identity.PhoneIdentity and identity.MergeRecord here, identity.PhoneCode through
o2o.identity.codes, and the other apps' rows through their own services: accounts
(create_user, lifecycle), orders, vouchers, payments, marketing, reviews, shipping and wxauth
(`reassign_customer` of each). A merge is one transaction that locks both accounts in id
order. The ledger is never written: its entries name orders, and a MergeRecord resolves
the absorbed account to the survivor.

Events: phone.bound, account.merged, account.deleted (and those of the services called).
Error codes: invalid_phone, invalid_code, code_expired (422), too_many_attempts,
rate_limited (429), account_disabled (403), phone_in_use (409), no_phone (409),
invalid_credentials (422), merge_same_account, merge_not_customer, merge_staff_account
(409), account_not_found (404), open_orders (409), reauthentication_failed (403).
"""

from __future__ import annotations

import secrets

from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from o2o.accounts import lifecycle as accounts_lifecycle
from o2o.accounts import services as accounts
from o2o.accounts.masking import mask_phone
from o2o.accounts.models import Role, User
from o2o.core import clock, events
from o2o.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from o2o.identity import codes, phones
from o2o.identity.models import MergeRecord, PhoneIdentity, Purpose
from o2o.identity.selectors import phone_of
from o2o.marketing import reassign as marketing_reassign
from o2o.orders.services import reassign as orders_reassign
from o2o.payments.services import reassign as payments_reassign
from o2o.reviews import reassign as reviews_reassign
from o2o.shipping.services import reassign as shipping_reassign
from o2o.vouchers import reassign as vouchers_reassign
from o2o.wxauth import reassign as wxauth_reassign

#: Every app that keeps rows of a customer, in the order a merge moves them.
REASSIGNERS = (
    ("orders", orders_reassign.reassign_customer),
    ("vouchers", vouchers_reassign.reassign_customer),
    ("payments", payments_reassign.reassign_customer),
    ("marketing", marketing_reassign.reassign_customer),
    ("reviews", reviews_reassign.reassign_customer),
    ("shipping", shipping_reassign.reassign_customer),
    ("wxauth", wxauth_reassign.reassign_customer),
)


# --- sign-in ---------------------------------------------------------------------------

def request_sign_in_code(raw_phone: str, *, ip: str = "") -> dict:
    """Send a sign-in code. The answer is the same whether the number has an account."""
    return codes.send_code(phones.normalise(raw_phone), Purpose.SIGN_IN, ip=ip)


def sign_in_with_code(raw_phone: str, code: str) -> tuple[User, bool]:
    """The account bound to the number, created as a customer on its first sign-in;
    (user, created)."""
    phone = phones.normalise(raw_phone)
    codes.check_code(phone, Purpose.SIGN_IN, code)
    bound = PhoneIdentity.objects.select_related("user").filter(phone=phone).first()
    if bound is not None:
        if not bound.user.is_active:
            raise PermissionDenied(_("This account is closed"), "account_disabled")
        return bound.user, False
    try:
        with transaction.atomic():
            user = accounts.create_user(f"m_{secrets.token_hex(6)}", None, role=Role.CUSTOMER,
                                        display_name=mask_phone(phone), phone=phone)
            identity = PhoneIdentity.objects.create(user=user, phone=phone, verified_at=clock.now())
            events.emit("phone.bound", user, {"created": True})
    except IntegrityError:  # the same number signed in at the same moment with another code
        identity = PhoneIdentity.objects.select_related("user").get(phone=phone)
        return identity.user, False
    return user, True


# --- binding a number to the signed-in account -------------------------------------------

def request_bind_code(user: User, raw_phone: str, *, ip: str = "") -> dict:
    return codes.send_code(phones.normalise(raw_phone), Purpose.BIND, ip=ip, requested_by=user)


def bind_phone(user: User, raw_phone: str, code: str) -> PhoneIdentity:
    """Bind the number (proved by the code) to `user`, replacing the user's former number.
    A number bound to another account is refused (phone_in_use): merge the two instead."""
    phone = phones.normalise(raw_phone)
    codes.check_code(phone, Purpose.BIND, code, requested_by=user)
    with transaction.atomic():
        owner = PhoneIdentity.objects.select_for_update().filter(phone=phone).first()
        if owner is not None and owner.user_id != user.pk:
            raise Conflict(_("This number belongs to another account; merge the two accounts "
                             "to use it here"), "phone_in_use")
        try:
            with transaction.atomic():
                identity, _created = PhoneIdentity.objects.update_or_create(
                    user=user, defaults={"phone": phone, "verified_at": clock.now()})
        except IntegrityError:  # bound elsewhere a moment ago
            raise Conflict(_("This number belongs to another account"), "phone_in_use") from None
        accounts_lifecycle.set_contact_phone(user.pk, phone)
        events.emit("phone.bound", user, {"created": False})
    return identity


# --- merging ------------------------------------------------------------------------------

def request_merge_code(user: User, raw_phone: str, *, ip: str = "") -> dict:
    return codes.send_code(phones.normalise(raw_phone), Purpose.MERGE, ip=ip, requested_by=user)


def merge_by_phone(survivor: User, raw_phone: str, code: str) -> MergeRecord:
    """Merge the account bound to the number (proved by a code sent to it) into `survivor`."""
    phone = phones.normalise(raw_phone)
    codes.check_code(phone, Purpose.MERGE, code, requested_by=survivor)
    bound = PhoneIdentity.objects.select_related("user").filter(phone=phone).first()
    if bound is None:
        raise NotFound(_("No account uses this number"), "account_not_found")
    return merge(survivor, bound.user, proof="phone")


def merge_by_password(survivor: User, username: str, password: str) -> MergeRecord:
    other = authenticate(username=username, password=password)
    if other is None:
        raise ValidationFailed(_("Wrong username or password"), "invalid_credentials")
    return merge(survivor, other, proof="password")


def merge(survivor: User, absorbed: User, *, proof: str) -> MergeRecord:
    """Move everything of `absorbed` to `survivor` in one transaction and close `absorbed`
    (it can no longer sign in; its phone number now reaches the survivor)."""
    if absorbed.pk == survivor.pk:
        raise Conflict(_("This is the account you are signed in to"), "merge_same_account")
    with transaction.atomic():
        first, second = sorted((survivor.pk, absorbed.pk))
        locked = {u.pk: u for u in (accounts.lock_active_user(User(pk=first)),
                                    accounts.lock_active_user(User(pk=second))) if u is not None}
        if len(locked) != 2:
            raise NotFound(_("That account is closed"), "account_not_found")
        s, a = locked[survivor.pk], locked[absorbed.pk]
        if s.role != Role.CUSTOMER or a.role != Role.CUSTOMER:
            raise Conflict(_("Only customer accounts can be merged"), "merge_not_customer")
        membership = getattr(a, "staff_membership", None)
        if membership is not None and membership.is_active:
            raise Conflict(_("The other account works for a merchant; it cannot be merged"),
                           "merge_staff_account")
        moved: dict[str, int] = {}
        for _name, reassign in REASSIGNERS:
            moved.update(reassign(a.pk, s.pk))
        moved.update(_move_phone(a, s))
        moved.update(accounts_lifecycle.reassign_customer(a.pk, s.pk))
        record = MergeRecord.objects.create(absorbed=a, survivor=s, proof=proof, moved=moved,
                                            merged_at=clock.now())
        events.emit("account.merged", record, {"survivor": s.public_id, "absorbed": a.public_id,
                                               "moved": moved})
    return record


def _move_phone(absorbed: User, survivor: User) -> dict[str, int]:
    """The absorbed account's number reaches the survivor, unless the survivor has one."""
    theirs = PhoneIdentity.objects.select_for_update().filter(user=absorbed).first()
    if theirs is None:
        return {"phone": 0}
    if PhoneIdentity.objects.filter(user=survivor).exists():
        theirs.delete()
        return {"phone": 0}
    PhoneIdentity.objects.filter(pk=theirs.pk).update(user=survivor)
    return {"phone": 1}


def survivor_of(user_id: int) -> int:
    """The account that an account id now stands for, following merges (ledger entries and
    events name the customer they had then)."""
    seen = {user_id}
    while True:
        nxt = MergeRecord.objects.filter(absorbed_id=user_id).values_list("survivor_id", flat=True).first()
        if nxt is None or nxt in seen:
            return user_id
        seen.add(nxt)
        user_id = nxt


# --- deletion on request --------------------------------------------------------------------

def request_delete_code(user: User, *, ip: str = "") -> dict:
    phone = phone_of(user)
    if not phone:
        raise Conflict(_("No phone number is bound to this account; confirm with your password"),
                       "no_phone")
    return codes.send_code(phone, Purpose.DELETE, ip=ip, requested_by=user)


def delete_account(user: User, *, password: str = "", code: str = "") -> User:
    """Anonymise the account after its owner proved it again (password, or a code sent to
    the bound number): names, e-mail, phone and sign-in identities go; orders, payments and
    the books stay, naming an anonymous account. Refused while an order is still open."""
    if code:
        phone = phone_of(user)
        if not phone:
            raise Conflict(_("No phone number is bound to this account"), "no_phone")
        codes.check_code(phone, Purpose.DELETE, code, requested_by=user)
    elif not (password and user.has_usable_password() and user.check_password(password)):
        raise PermissionDenied(_("Confirm with your password or a code sent to your phone"),
                               "reauthentication_failed")
    with transaction.atomic():
        # Under the account lock: a second deletion of the same account waits here.
        if accounts.lock_active_user(user) is None:
            raise NotFound(_("That account is closed"), "account_not_found")
        if orders_reassign.has_open_orders(user.pk):
            raise Conflict(_("An order is still open; delete the account once it is finished"),
                           "open_orders")
        PhoneIdentity.objects.filter(user=user).delete()
        wxauth_reassign.forget_customer(user.pk)
        addresses = orders_reassign.anonymise_customer(user.pk)
        payments_reassign.forget_payer(user.pk)
        anonymous = accounts_lifecycle.anonymise(user.pk)
        events.emit("account.deleted", anonymous, {"addresses_blanked": addresses})
    return anonymous
