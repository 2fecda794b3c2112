"""Idempotency-Key support: a retry of the same request returns the first answer.

The key's record, the work and the stored answer share one transaction: on
PostgreSQL a concurrent retry blocks on the unique key until the first request
commits, then replays its answer; if the first request failed, nothing was kept
and the retry runs afresh.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from o2o.core import clock
from o2o.core.errors import ValidationFailed
from o2o.core.models import IdempotencyRecord

MAX_KEY_LENGTH = 128


def _hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def run_once(scope: str, user_id: int, key: str | None, payload: Any,
             work: Callable[[], tuple[int, Any]]) -> tuple[int, Any]:
    """Run `work()` (returning status and JSON body) once per (scope, user, key)."""
    if not key:
        with transaction.atomic():
            return work()
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationFailed("Idempotency-Key must be 1-128 printable characters",
                               "invalid_idempotency_key")
    digest = _hash(payload)
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                scope=scope, user_id=user_id, key=key, request_hash=digest, created_at=clock.now()
            )
            status, body = work()
            record.status_code = status
            record.response = body
            record.save(update_fields=["status_code", "response"])
            return status, body
    except IntegrityError:
        record = IdempotencyRecord.objects.filter(scope=scope, user_id=user_id, key=key).first()
        if record is None:  # pragma: no cover - the first attempt rolled back meanwhile
            raise
    if record.request_hash != digest:
        raise ValidationFailed("This Idempotency-Key was used for a different request",
                               "idempotency_key_reused")
    return record.status_code or 200, record.response
