"""The sandbox gateway's HTTP face: the v3 endpoints (signed both ways) and the cashier."""

from __future__ import annotations

import datetime as dt
import functools
import gzip
import hashlib
import json

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from o2o.sandbox import protocol, services
from o2o.sandbox.protocol import ProtocolError

_BILL_SALT = "o2o.sandbox.bill"


def base_url(request: HttpRequest) -> str:
    """Where this gateway is reachable, as the caller sees it (mounted or standalone)."""
    root = reverse("sandbox:root")
    return request.build_absolute_uri(root).rstrip("/")


def v3(view):
    """Authenticate the merchant's signature, parse JSON, and turn ProtocolError into
    WeChat's signed {"code","message"} answers."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        try:
            merchant = protocol.authenticate(request)
            data = {}
            if request.method == "POST":
                try:
                    data = json.loads(request.body or b"{}")
                except ValueError:
                    raise ProtocolError(400, "PARAM_ERROR", "the body is not JSON") from None
                if not isinstance(data, dict):
                    raise ProtocolError(400, "PARAM_ERROR", "the body must be a JSON object")
            return view(request, merchant, data, *args, **kwargs)
        except ProtocolError as exc:
            return protocol.error(exc.status, exc.code, exc.message)

    return wrapped


@require_POST
@v3
def prepay(request, merchant, data, channel: str):
    if channel not in services.TRADE_TYPES:
        raise ProtocolError(404, "NOT_FOUND", "no such API")
    txn = services.create_transaction(merchant, channel, data)
    return protocol.respond(200, services.prepay_answer(txn, channel, base_url(request)))


@require_GET
@v3
def query(request, merchant, data, out_trade_no: str):
    if request.GET.get("mchid") != merchant.mchid:
        raise ProtocolError(400, "PARAM_ERROR", "mchid is missing or not the signer's")
    return protocol.respond(200, services.transaction_view(services.find_transaction(merchant, out_trade_no)))


@require_POST
@v3
def close(request, merchant, data, out_trade_no: str):
    if data.get("mchid") != merchant.mchid:
        raise ProtocolError(400, "PARAM_ERROR", "mchid is missing or not the signer's")
    services.close_transaction(merchant, out_trade_no)
    return protocol.respond(204)


@require_POST
@v3
def refunds(request, merchant, data):
    r = services.create_refund(merchant, data)
    return protocol.respond(200, getattr(r, "accepted_view", None) or services.refund_view(r))


@require_GET
@v3
def refund_query(request, merchant, data, out_refund_no: str):
    return protocol.respond(200, services.refund_view(services.find_refund(merchant, out_refund_no)))


@require_GET
@v3
def tradebill(request, merchant, data):
    try:
        bill_date = dt.date.fromisoformat(request.GET.get("bill_date", ""))
    except ValueError:
        raise ProtocolError(400, "PARAM_ERROR", "bill_date must be YYYY-MM-DD") from None
    bill_type = request.GET.get("bill_type", "ALL")
    if bill_type not in ("ALL", "SUCCESS", "REFUND"):
        raise ProtocolError(400, "PARAM_ERROR", "bill_type must be ALL, SUCCESS or REFUND")
    tar_type = request.GET.get("tar_type", "")
    content = services.trade_bill(merchant, bill_date, bill_type)
    token = signing.dumps({"m": merchant.mchid, "d": bill_date.isoformat(), "t": bill_type, "z": tar_type},
                          salt=_BILL_SALT)
    return protocol.respond(200, {
        "hash_type": "SHA1", "hash_value": hashlib.sha1(content).hexdigest(),  # noqa: S324 - WeChat's format
        "download_url": f"{base_url(request)}/v3/billdownload/file?token={token}"})


@require_GET
@v3
def bill_download(request, merchant, data):
    try:
        spec = signing.loads(request.GET.get("token", ""), salt=_BILL_SALT, max_age=3600)
    except signing.BadSignature:
        raise ProtocolError(400, "PARAM_ERROR", "the download token is invalid or expired") from None
    if spec["m"] != merchant.mchid:
        raise ProtocolError(403, "NO_AUTH", "this bill belongs to another merchant")
    content = services.trade_bill(merchant, dt.date.fromisoformat(spec["d"]), spec["t"])
    # The download itself is not signed (the hash in the bill answer guards it).
    if spec["z"] == "GZIP":
        return HttpResponse(gzip.compress(content), content_type="application/octet-stream")
    return HttpResponse(content, content_type="text/plain; charset=utf-8")


@require_http_methods(["GET", "POST"])
def cashier(request: HttpRequest, token: str):
    """The stand-in for the customer's wallet: pay, fail or abandon the payment."""
    txn = services.cashier_transaction(token)
    if txn is None:
        return render(request, "sandbox/cashier.html", {"missing": True}, status=404)
    outcome, problem = "", ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "pay":
                txn = services.pay(token, openid=request.POST.get("openid", ""))
                outcome = "paid"
            elif action == "fail":
                txn = services.fail(token)
                outcome = "failed"
            elif action == "abandon":
                outcome = "abandoned"
            else:
                problem = "Choose pay, fail or abandon."
        except ProtocolError as exc:
            problem = exc.message
    return render(request, "sandbox/cashier.html", {
        "txn": txn, "yuan": services._yuan(txn.amount_fen), "outcome": outcome, "problem": problem,
        "return_url": request.GET.get("redirect_url", ""),
    }, status=400 if problem else 200)


def root(request: HttpRequest):
    return HttpResponse("o2o sandbox WeChat Pay v3 gateway\n", content_type="text/plain")
