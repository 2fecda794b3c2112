"""The sandbox OAuth server's HTTP face, at WeChat's paths under /sandbox/wechat/:
/connect/oauth2/authorize and /connect/qrconnect (the page where the demo user is
picked or agrees), /sns/oauth2/access_token, /sns/oauth2/refresh_token, /sns/userinfo,
/sns/auth; and / (this browser's "WeChat": which demo user it is signed in as, and the
switch that makes the storefront treat this browser as the WeChat browser)."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from o2o.sandbox import oauth
from o2o.sandbox.oauth import DEMO_USERS, DEVICE_COOKIE, OAuthFailure
from o2o.wxauth import config as wx

_COOKIE_SALT = "o2o.sandbox.oauth.device"
_YEAR = 365 * 86400


def device_user(request: HttpRequest) -> str:
    """The demo user this browser's WeChat is signed in as ('' if none)."""
    try:
        key = signing.get_cookie_signer(salt=_COOKIE_SALT).unsign(request.COOKIES.get(DEVICE_COOKIE, ""))
    except signing.BadSignature:
        return ""
    return key if key in DEMO_USERS else ""


def device_cookie_value(user_key: str) -> str:
    """The cookie that signs this browser's WeChat in as `user_key` (what the picker sets)."""
    return signing.get_cookie_signer(salt=_COOKIE_SALT).sign(user_key)


def _remember(response: HttpResponse, user_key: str) -> None:
    response.set_cookie(DEVICE_COOKIE, device_cookie_value(user_key), max_age=_YEAR, httponly=True,
                        samesite="Lax")


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _json(data: dict) -> JsonResponse:
    # WeChat answers errors with HTTP 200 and an errcode.
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def _sns(fn):
    def wrapped(request: HttpRequest) -> JsonResponse:
        try:
            return _json(fn(request))
        except OAuthFailure as exc:
            return _json(exc.answer())

    wrapped.__name__ = fn.__name__
    return require_GET(wrapped)


@_sns
def access_token(request: HttpRequest) -> dict:
    q = request.GET
    return oauth.exchange_code(q.get("appid", ""), q.get("secret", ""), q.get("code", ""), q.get("grant_type", ""))


@_sns
def refresh_token(request: HttpRequest) -> dict:
    q = request.GET
    return oauth.refresh(q.get("appid", ""), q.get("refresh_token", ""), q.get("grant_type", ""))


@_sns
def userinfo(request: HttpRequest) -> dict:
    return oauth.userinfo(request.GET.get("access_token", ""), request.GET.get("openid", ""), _base(request))


@_sns
def check(request: HttpRequest) -> dict:
    return oauth.check_token(request.GET.get("access_token", ""), request.GET.get("openid", ""))


def _problem(request: HttpRequest, errcode: int, text: str) -> HttpResponse:
    return render(request, "sandbox/oauth_error.html", {"errcode": errcode, "text": text}, status=400)


def _back(redirect_uri: str, params: dict[str, str]) -> HttpResponseRedirect:
    joiner = "&" if "?" in redirect_uri else "?"
    return HttpResponseRedirect(redirect_uri + joiner + urlencode(params))


@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest, qr: bool = False) -> HttpResponse:
    """The authorization page. snsapi_base with a signed-in device user is silent (a
    redirect at once); otherwise the person picks a demo user or agrees."""
    q = request.GET
    appid, redirect_uri, scope, state = (q.get("appid", ""), q.get("redirect_uri", ""), q.get("scope", ""),
                                         q.get("state", ""))
    wx_app = wx.app_by_appid(appid)
    if wx_app is None:
        return _problem(request, 10016, "appid 参数错误 / invalid appid")
    parts = urlsplit(redirect_uri)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return _problem(request, 10003, "redirect_uri 参数错误 / invalid redirect_uri")
    if q.get("response_type") != "code" or scope not in oauth.SCOPES or (scope == "snsapi_login") != qr:
        return _problem(request, 10005, "scope 参数错误或没有 scope 权限 / invalid scope")
    if len(state) > 128 or not state.isalnum() and state:
        return _problem(request, 10004, "state 参数错误 / invalid state")
    back = {"state": state} if state else {}
    current = device_user(request)
    if request.method == "GET" and scope == "snsapi_base" and current:
        return _back(redirect_uri, {"code": oauth.issue_code(appid, current, scope), **back})
    if request.method == "POST":
        if request.POST.get("action") == "deny":
            return _back(redirect_uri, back)  # WeChat: no code, only the state
        chosen = request.POST.get("user", "")
        if chosen in DEMO_USERS:
            response = _back(redirect_uri, {"code": oauth.issue_code(appid, chosen, scope), **back})
            _remember(response, chosen)
            return response
    return render(request, "sandbox/oauth_authorize.html", {
        "users": [(u, oauth.avatar_url("", u.key)) for u in DEMO_USERS.values()], "current": current,
        "scope": scope, "app": wx_app, "qr": qr})


@require_http_methods(["GET", "POST"])
def device(request: HttpRequest) -> HttpResponse:
    """This browser's WeChat: sign in as a demo user, and open the shop 'inside WeChat'."""
    if request.method == "POST":
        response = HttpResponseRedirect(reverse("sandbox-oauth:device"))
        chosen = request.POST.get("user", "")
        if chosen in DEMO_USERS:
            _remember(response, chosen)
        elif chosen == "":
            response.delete_cookie(DEVICE_COOKIE)
        inside = request.POST.get("inside")
        if inside == "1":
            response.set_cookie(wx.SANDBOX_IN_WECHAT_COOKIE, "1", max_age=_YEAR, samesite="Lax")
            response["Location"] = "/"
        elif inside == "0":
            response.delete_cookie(wx.SANDBOX_IN_WECHAT_COOKIE)
        return response
    return render(request, "sandbox/oauth_device.html", {
        "users": [(u, oauth.avatar_url("", u.key)) for u in DEMO_USERS.values()], "current": device_user(request),
        "inside": request.COOKIES.get(wx.SANDBOX_IN_WECHAT_COOKIE) == "1"})
