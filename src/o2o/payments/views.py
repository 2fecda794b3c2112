"""The platform's notify endpoint (WeChat's answer format, not the API's)."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from o2o.payments import services

log = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def wechatpay_notify(request: HttpRequest) -> HttpResponse:
    try:
        result = services.handle_notification(request.headers, request.body)
    except Exception:  # answer FAIL so the gateway retries later; never a bare 500 page
        log.exception("payment notification could not be applied")
        return HttpResponse('{"code":"FAIL","message":"internal error, retry later"}', status=500,
                            content_type="application/json")
    status, body = services.notification_response(result)
    return HttpResponse(body, status=status, content_type="application/json")
