"""One-time SMS codes: sending (rate-limited) and checking (expiry, attempts, single use).

A code is 6 digits, good for CODE_TTL and MAX_ATTEMPTS wrong tries, used once; only an
HMAC of it (keyed by SECRET_KEY, bound to the number and the purpose) is stored, and only
the newest code of a number and purpose counts. Sending answers the same whether or not
the number has an account. Limits: one code a minute and PER_PHONE_DAY a day per number,
PER_IP_HOUR an hour per client address (429 rate_limited with Retry-After).

Writes identity.PhoneCode (and, through the provider, identity.SmsMessage). Error codes:
invalid_phone (422), rate_limited (429), sms_unavailable (503), invalid_code,
code_expired (422), too_many_attempts (429).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from o2o.accounts.masking import mask_phone
from o2o.core import clock
from o2o.core.errors import DomainError, ValidationFailed
from o2o.identity import sms
from o2o.identity.models import PhoneCode, Purpose

log = logging.getLogger(__name__)

CODE_TTL = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
RESEND_SECONDS = 60
PER_PHONE_DAY = 10
PER_IP_HOUR = 30


class TooManyRequests(DomainError):
    status = 429
    code = "rate_limited"


def _refuse(message: str, retry_after: int, code: str = "rate_limited") -> TooManyRequests:
    exc = TooManyRequests(message, code)
    exc.retry_after = max(1, retry_after)
    return exc


def _digest(phone: str, purpose: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{purpose}:{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def _check_limits(phone: str, ip: str) -> None:
    now = clock.now()
    # The minute gate is an atomic cache add (shared through Redis when present), so two
    # requests in the same instant do not both send; the database counts back it up.
    window = int(now.timestamp()) // RESEND_SECONDS
    if not cache.add(f"o2o:sms-gate:{_digest(phone, 'gate', '')}:{window}", 1, timeout=RESEND_SECONDS * 2):
        raise _refuse(_("A code was just sent to this number; wait a minute"), RESEND_SECONDS)
    last = PhoneCode.objects.filter(phone=phone).order_by("-id").values_list("created_at", flat=True).first()
    if last is not None and now - last < dt.timedelta(seconds=RESEND_SECONDS):
        raise _refuse(_("A code was just sent to this number; wait a minute"),
                      RESEND_SECONDS - int((now - last).total_seconds()))
    day = PhoneCode.objects.filter(phone=phone, created_at__gt=now - dt.timedelta(days=1))
    if day.count() >= PER_PHONE_DAY:
        first = day.order_by("created_at").values_list("created_at", flat=True).first()
        raise _refuse(_("Too many codes for this number today"),
                      int((first + dt.timedelta(days=1) - now).total_seconds()))
    if ip:
        hour = PhoneCode.objects.filter(ip=ip, created_at__gt=now - dt.timedelta(hours=1))
        if hour.count() >= PER_IP_HOUR:
            first = hour.order_by("created_at").values_list("created_at", flat=True).first()
            raise _refuse(_("Too many codes from this address; retry later"),
                          int((first + dt.timedelta(hours=1) - now).total_seconds()))


def send_code(phone: str, purpose: str, *, ip: str = "", requested_by=None) -> dict:
    """Make a new code for `phone` and send it. `phone` is already normalised."""
    if purpose not in Purpose.values:
        raise ValidationFailed("unknown purpose", "invalid_purpose")
    _check_limits(phone, ip)
    code = f"{secrets.randbelow(10**6):06d}"
    now = clock.now()
    with transaction.atomic():
        PhoneCode.objects.create(phone=phone, purpose=purpose, requested_by=requested_by, ip=ip[:45],
                                 digest=_digest(phone, purpose, code), created_at=now,
                                 expires_at=now + CODE_TTL)
    text = _("[o2o] Your verification code is %(code)s, valid for 5 minutes. "
             "Do not tell anyone.") % {"code": code}
    try:
        sms.provider().send(phone, text)
    except Exception:  # the provider's own failure: the person may ask again
        log.exception("sms to %s failed", mask_phone(phone))
        raise DomainError(_("Text messages cannot be sent now; retry later"), "sms_unavailable",
                          status=503) from None
    log.info("sign-in code sent to %s (%s)", mask_phone(phone), purpose)
    return {"expires_in": int(CODE_TTL.total_seconds()), "resend_in": RESEND_SECONDS}


def check_code(phone: str, purpose: str, code: str, *, requested_by=None) -> None:
    """Use the newest code of `phone` for `purpose`, or raise. Runs in its own transaction
    (call it outside any other), so a wrong try is counted even though the answer is an
    error; the row lock lets one of many concurrent right answers through."""
    code = (code or "").strip()
    now = clock.now()
    outcome = "ok"
    with transaction.atomic():
        rows = PhoneCode.objects.select_for_update().filter(phone=phone, purpose=purpose)
        if requested_by is not None:
            rows = rows.filter(requested_by=requested_by)
        row = rows.order_by("-id").first()
        if row is None or row.used_at is not None:
            outcome = "invalid"
        elif row.expires_at <= now:
            outcome = "expired"
        elif row.attempts >= MAX_ATTEMPTS:
            outcome = "locked"
        elif not (len(code) == 6 and code.isdigit()
                  and hmac.compare_digest(row.digest, _digest(phone, purpose, code))):
            PhoneCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
            outcome = "locked" if row.attempts + 1 >= MAX_ATTEMPTS else "wrong"
        elif not PhoneCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):
            outcome = "invalid"
    if outcome == "ok":
        return
    if outcome == "expired":
        raise ValidationFailed(_("This code has expired; ask for a new one"), "code_expired")
    if outcome == "locked":
        raise DomainError(_("Too many wrong codes; ask for a new one"), "too_many_attempts", status=429)
    raise ValidationFailed(_("The code is not right"), "invalid_code")
