"""The platform's notify endpoint (WeChat's answer format, not the API's).

Writes what payments.services.handle_notification writes. Answers 204 when a
notification is applied (or was already), otherwise `{"code": "FAIL", "message"}` —
the body WeChat Pay reads — with 400 for a body that is not UTF-8 text (the protocol
signs and sends UTF-8 JSON, so nothing else can be genuine), 413 for one over
DATA_UPLOAD_MAX_MEMORY_SIZE, 401/400 as the service decides, and 500 only for a fault
of ours, so that the gateway retries later.
"""

from __future__ import annotations

import json
import logging

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from o2o.payments import services

log = logging.getLogger(__name__)


def _fail(status: int, message: str) -> HttpResponse:
    return HttpResponse(json.dumps({"code": "FAIL", "message": message}, ensure_ascii=False),
                        status=status, content_type="application/json")


@csrf_exempt
@require_POST
def wechatpay_notify(request: HttpRequest) -> HttpResponse:
    try:
        body = request.body
    except RequestDataTooBig:
        return _fail(413, "the body is too large")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        log.warning("payment notification refused: the body is not UTF-8 (%d bytes)", len(body))
        return _fail(400, "the body is not UTF-8")
    try:
        result = services.handle_notification(request.headers, body)
    except Exception:  # answer FAIL so the gateway retries later; never a bare 500 page
        log.exception("payment notification could not be applied")
        return _fail(500, "internal error, retry later")
    status, text = services.notification_response(result)
    return HttpResponse(text, status=status, content_type="application/json")
