"""Paying inside WeChat with JSAPI: the same payments service as every channel, with the
customer's OpenID in the payment merchant's app (wxauth), and a page that hands the
signed parameters to `WeixinJSBridge.invoke('getBrandWCPayRequest', ...)`.

A customer with no OpenID there yet (signed in with a password, say) is first sent
through WeChat's silent authorization, which binds it, and comes back to the pay page.
Outside WeChat this view is not offered; a stray POST goes back to the pay page, which
pays with H5 / Native as before."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from o2o.core.errors import DomainError
from o2o.payments import services as payments
from o2o.web import wechat
from o2o.web.storefront.account import own_order
from o2o.web.storefront.common import refuse
from o2o.wxauth import selectors as wx_read


@login_required
@require_POST
def pay_jsapi(request: HttpRequest, order_id: str) -> HttpResponse:
    order = own_order(request.user, order_id)
    pay_page = reverse("web:pay", kwargs={"order_id": order.public_id})
    back = reverse("web:order", kwargs={"order_id": order.public_id})
    if not wechat.inside_wechat(request):
        return redirect(pay_page)
    openid = wx_read.pay_openid(request.user)
    if not openid:
        return redirect(wechat.start_url(pay_page, scope="snsapi_base"))
    try:
        view = payments.start_payment(request.user, order.public_id, "jsapi", openid=openid,
                                      client_ip=request.META.get("REMOTE_ADDR", "") or "127.0.0.1")
    except DomainError as exc:
        return refuse(request, exc, back)
    if not view.invoke:  # already paid or closed meanwhile: the order page says which
        messages.info(request, _("This order is no longer awaiting payment."))
        return redirect(back)
    return render(request, "web/storefront/pay_wechat.html", {
        "order": order, "invoke": view.invoke, "done_url": back, "pay_url": pay_page,
        # The sandbox plays the WeChat pay sheet where the real bridge is missing.
        "bridge_shim": settings.PAYMENTS["SANDBOX"],
        "gateway_url": settings.PAYMENTS["WECHATPAY"]["GATEWAY_URL"].rstrip("/"),
    })
