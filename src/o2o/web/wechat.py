"""Sign in with WeChat, web side: /auth/wechat/start and /auth/wechat/callback.

start: a `state` bound to this session (single use, 10 minutes, at most a few open at
once) and a redirect to WeChat's authorize page: inside the WeChat browser the official
account (`mp`) with snsapi_base (silent) or snsapi_userinfo; outside it the website app
(`open`) with the QR sign-in (snsapi_login). callback: the state must be one this
session opened and not yet used (else 400); the code is exchanged through wxauth's
OAuth client, and wxauth.services links or creates the account. A silent attempt that
fails is remembered in the session, so the login page shows its form instead of trying
again (no redirect loop); so is signing out (no signing straight back in).
"""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlencode

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from o2o.core.errors import DomainError
from o2o.wxauth import config
from o2o.wxauth import services as wxauth
from o2o.wxauth.client import OAuthClient, OAuthError

STATES = "wx_oauth_states"
SILENT_AT = "wx_silent_at"  # when this session was last sent out for a silent sign-in
SILENT_OFF = "wx_silent_off"  # a silent attempt failed, or the customer signed out
STATE_TTL = 600
SILENT_RETRY_SECONDS = 120
MAX_OPEN_STATES = 4
_BACKEND = "django.contrib.auth.backends.ModelBackend"


def inside_wechat(request: HttpRequest) -> bool:
    """The WeChat browser (its user agent says MicroMessenger), or the sandbox's switch."""
    if "MicroMessenger" in request.headers.get("User-Agent", ""):
        return True
    return config.sandbox_on() and request.COOKIES.get(config.SANDBOX_IN_WECHAT_COOKIE) == "1"


def start_url(next_url: str, *, scope: str = "", silent: bool = False) -> str:
    query = {"next": next_url}
    if scope:
        query["scope"] = scope
    if silent:
        query["silent"] = "1"
    return f"{reverse('web:wechat_start')}?{urlencode(query)}"


def should_sign_in_silently(request: HttpRequest) -> bool:
    """Inside WeChat, for an anonymous GET, unless a silent attempt failed or was just made."""
    if request.method != "GET" or request.user.is_authenticated or not inside_wechat(request):
        return False
    if request.session.get(SILENT_OFF):
        return False
    return time.time() - float(request.session.get(SILENT_AT, 0)) > SILENT_RETRY_SECONDS


def stop_silent_sign_in(request: HttpRequest) -> None:
    request.session[SILENT_OFF] = True


def _safe_next(request: HttpRequest, raw: str | None) -> str:
    if raw and url_has_allowed_host_and_scheme(raw, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return raw
    return reverse("web:home")


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request, request.GET.get("next"))
    silent = request.GET.get("silent") == "1"
    if inside_wechat(request):
        kind = "mp"
        scope = request.GET.get("scope") if request.GET.get("scope") in ("snsapi_base", "snsapi_userinfo") else (
            "snsapi_base" if silent else "snsapi_userinfo")
    else:
        kind, scope, silent = "open", "snsapi_login", False
    now = time.time()
    states = {k: v for k, v in request.session.get(STATES, {}).items() if v.get("exp", 0) > now}
    for old in sorted(states, key=lambda k: states[k]["exp"])[:max(0, len(states) - MAX_OPEN_STATES + 1)]:
        states.pop(old)
    state = secrets.token_hex(16)
    states[state] = {"next": next_url, "kind": kind, "scope": scope, "silent": silent, "exp": now + STATE_TTL}
    request.session[STATES] = states
    if silent:
        request.session[SILENT_AT] = now
    client = OAuthClient(config.app(kind), redirect_uri=request.build_absolute_uri(reverse("web:wechat_callback")),
                         scope=scope, state=state)
    return HttpResponseRedirect(client.authorization_url())


def _refuse(request: HttpRequest, status: int, message: str, *, silent: bool, next_url: str = "") -> HttpResponse:
    if silent:
        # The silent attempt failed: the login page shows its form from now on.
        stop_silent_sign_in(request)
    login_url = f"{reverse('web:login')}?{urlencode({'next': next_url})}" if next_url else reverse("web:login")
    return render(request, "web/wechat_error.html", {
        "message": message, "retry_url": start_url(next_url or reverse("web:home")), "login_url": login_url,
    }, status=status)


@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    states = dict(request.session.get(STATES, {}))
    entry = states.pop(state, None) if state else None
    request.session[STATES] = states  # a state is spent on first arrival, whatever happens next
    if entry is None or entry.get("exp", 0) <= time.time():
        return _refuse(request, 400, _("This sign-in link is not valid for this browser or was already used. "
                                       "Please start signing in again."), silent=False)
    silent, next_url = bool(entry.get("silent")), entry["next"]
    code = request.GET.get("code", "")
    if not code:
        return _refuse(request, 400, _("WeChat sign-in was cancelled."), silent=silent, next_url=next_url)
    try:
        auth = OAuthClient(config.app(entry["kind"]), scope=entry["scope"]).exchange(code)
    except OAuthError as exc:
        if exc.errcode == 40163:
            msg, status = _("This WeChat sign-in code was already used. Please start signing in again."), 400
        elif exc.errcode in (40029, 42003):
            msg, status = _("This WeChat sign-in code is not valid or has expired. Please start again."), 400
        elif exc.errcode == 0:
            msg, status = _("WeChat could not be reached. Please try again shortly."), 502
        else:
            msg, status = _("WeChat refused the sign-in (error %(code)s).") % {"code": exc.errcode}, 400
        return _refuse(request, status, msg, silent=silent, next_url=next_url)
    try:
        result = wxauth.sign_in(auth, current_user=request.user if request.user.is_authenticated else None)
    except DomainError as exc:
        return _refuse(request, exc.status, exc.message, silent=silent, next_url=next_url)
    if not request.user.is_authenticated:
        login(request, result.user, backend=_BACKEND)
    request.session.pop(SILENT_OFF, None)
    return HttpResponseRedirect(next_url)
