"""Sign-in with a phone number and an SMS code, for the web pages (two steps).

Step one is the phone form on the login page; it posts here, the code goes out and the
number waits in the session (never in the URL) for step two, the code form. With the
sandbox SMS provider the code form shows the message that was "sent", so the demo runs
without a phone. Writes through o2o.identity.services only.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from o2o.accounts.masking import mask_phone
from o2o.core.errors import DomainError
from o2o.identity import phones, services, sms

_SESSION_KEY = "o2o_phone_sign_in"


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return target
    return reverse("web:home")


def _code_page(request: HttpRequest, phone: str, error: str = "", status: int = 200) -> HttpResponse:
    return render(request, "web/login_phone.html", {
        "masked_phone": mask_phone(phone), "next": _next(request), "error": error,
        "sandbox_messages": sms.sandbox_inbox(phone, limit=1),
    }, status=status)


@require_http_methods(["POST"])
def send_code(request: HttpRequest) -> HttpResponse:
    """Step one: send a code to the number typed on the login page (or, for "send again"
    on the code form, to the number waiting in the session). A refusal (a bad number, too
    many codes) goes back to the page it came from with the reason."""
    typed = request.POST.get("phone", "")
    back = reverse("web:login_phone_code") if not typed else reverse("web:login")
    try:
        phone = phones.normalise(typed or request.session.get(_SESSION_KEY, ""))
        services.request_sign_in_code(phone, ip=request.META.get("REMOTE_ADDR", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(f"{back}?{urlencode({'next': _next(request)})}")
    request.session[_SESSION_KEY] = phone
    return HttpResponseRedirect(f"{reverse('web:login_phone_code')}?{urlencode({'next': _next(request)})}")


@require_http_methods(["GET", "POST"])
def enter_code(request: HttpRequest) -> HttpResponse:
    """Step two: the code form; a right code signs in and goes on to `next`."""
    phone = request.session.get(_SESSION_KEY)
    if not phone:
        return HttpResponseRedirect(reverse("web:login"))
    if request.method == "GET":
        return _code_page(request, phone)
    try:
        user, _created = services.sign_in_with_code(phone, request.POST.get("code", ""))
    except DomainError as exc:
        return _code_page(request, phone, error=exc.message, status=exc.status)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.pop(_SESSION_KEY, None)
    return HttpResponseRedirect(_next(request))
