"""Sign in with WeChat against the sandbox OAuth server (OAuth2 web authorization):
silent sign-in inside WeChat, state bound to the session and single use, codes single
use, accounts linked by OpenID per app and by UnionID across apps."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from o2o.core import clock
from o2o.sandbox import oauth
from o2o.wxauth import config
from o2o.wxauth.client import OAuthClient, OAuthError
from o2o.wxauth.models import WechatIdentity
from tests import factories
from tests.wxauth.flows import authorize, callback_path, desktop, query, to_authorize, wechat_phone

pytestmark = pytest.mark.django_db


def _user_id(client: Client) -> int | None:
    raw = client.session.get("_auth_user_id")
    return int(raw) if raw else None


def test_silent_sign_in_inside_wechat_follows_redirects_to_the_page():
    phone = wechat_phone("amin")
    resp = phone.get("/orders/", follow=True)
    assert resp.status_code == 200
    hops = [url for url, _status in resp.redirect_chain]
    assert hops[0].startswith("/login/?next=")
    assert hops[1].startswith("/auth/wechat/start?") and "scope=snsapi_base" in hops[1]
    assert "/sandbox/wechat/connect/oauth2/authorize?" in hops[2] and hops[2].endswith("#wechat_redirect")
    assert "/auth/wechat/callback?code=" in hops[3]
    assert hops[-1] == "/orders/"
    mp = config.app("mp")
    identity = WechatIdentity.objects.get()
    assert identity.appid == mp.appid == config.pay_appid()
    assert identity.openid == oauth.openid("amin", mp.appid)
    assert identity.unionid is None  # snsapi_base never returns a UnionID
    assert _user_id(phone) == identity.user_id
    assert identity.user.role == "customer" and not identity.user.has_usable_password()
    # The same WeChat user on another phone: the same account, found by OpenID.
    again = wechat_phone("amin")
    assert again.get("/orders/", follow=True).status_code == 200
    assert _user_id(again) == identity.user_id and WechatIdentity.objects.count() == 1


def test_state_mismatch_is_refused_and_nobody_signs_in():
    phone = wechat_phone("amin")
    cb = authorize(phone, to_authorize(phone, "/auth/wechat/start?next=/orders/&scope=snsapi_base"))
    q = query(cb)
    resp = phone.get("/auth/wechat/callback", {"code": q["code"], "state": "0" * 32})
    assert resp.status_code == 400
    assert "not valid for this browser" in resp.content.decode()
    assert _user_id(phone) is None and WechatIdentity.objects.count() == 0
    # The demo's language: the same refusal in Chinese.
    zh = phone.get("/auth/wechat/callback", {"code": q["code"], "state": "1" * 32}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 400 and "此登录链接对当前浏览器无效" in zh.content.decode()


def test_a_state_from_another_browser_is_refused():
    mine, theirs = wechat_phone("amin"), wechat_phone("amin")
    cb = authorize(mine, to_authorize(mine, "/auth/wechat/start?next=/&scope=snsapi_base"))
    resp = theirs.get(callback_path(cb))
    assert resp.status_code == 400 and _user_id(theirs) is None


def test_a_reused_state_is_refused():
    phone = wechat_phone("amin")
    cb = authorize(phone, to_authorize(phone, "/auth/wechat/start?next=/orders/&scope=snsapi_base"))
    assert phone.get(callback_path(cb))["Location"] == "/orders/"
    phone.logout()
    resp = phone.get(callback_path(cb))  # the same state (and code) again
    assert resp.status_code == 400 and "already used" in resp.content.decode()
    assert _user_id(phone) is None


def test_a_code_used_twice_is_refused_by_the_oauth_server():
    phone = wechat_phone("amin")
    first = query(authorize(phone, to_authorize(phone, "/auth/wechat/start?next=/&scope=snsapi_base")))
    assert phone.get("/auth/wechat/callback", first).status_code == 302
    phone.logout()  # (the test client's logout drops every cookie: WeChat signs in again)
    phone.post("/sandbox/wechat/", {"user": "amin"})
    # A fresh state of this session, with the spent code: the sandbox answers 40163.
    second = query(authorize(phone, to_authorize(phone, "/auth/wechat/start?next=/&scope=snsapi_base")))
    resp = phone.get("/auth/wechat/callback", {"code": first["code"], "state": second["state"]})
    assert resp.status_code == 400
    assert "code was already used" in resp.content.decode()
    assert _user_id(phone) is None
    # wechatpy's client sees WeChat's errcode.
    with pytest.raises(OAuthError) as exc:
        OAuthClient(config.app("mp")).exchange(first["code"])
    assert exc.value.errcode == 40163


def test_unionid_links_the_website_app_and_the_official_account_to_one_account():
    web_browser = desktop()  # outside WeChat: the website app's QR sign-in
    auth_url = to_authorize(web_browser, "/auth/wechat/start?next=/orders/")
    assert "/connect/qrconnect?" in auth_url and "scope=snsapi_login" in auth_url
    assert query(auth_url)["appid"] == config.app("open").appid
    assert web_browser.get(callback_path(authorize(web_browser, auth_url, pick="xiaohong")))["Location"] == "/orders/"
    account = _user_id(web_browser)
    web = WechatIdentity.objects.get()
    assert web.unionid == oauth.unionid("xiaohong") and web.nickname == "小红"
    assert web.user.display_name == "小红" and web.avatar_url.endswith("/static/sandbox/avatars/xiaohong.svg")
    # Inside WeChat, the official account with snsapi_userinfo: another AppID, another
    # OpenID, the same UnionID -> the same account.
    phone = wechat_phone(None)
    auth_url = to_authorize(phone, "/auth/wechat/start?next=/orders/&scope=snsapi_userinfo")
    assert query(auth_url)["appid"] == config.app("mp").appid
    assert phone.get(callback_path(authorize(phone, auth_url, pick="xiaohong")))["Location"] == "/orders/"
    assert _user_id(phone) == account
    mp = WechatIdentity.objects.get(appid=config.app("mp").appid)
    assert mp.user_id == account and mp.openid != web.openid and mp.unionid == web.unionid
    assert get_user_model().objects.filter(role="customer").count() == 1


def test_openid_links_within_one_app_and_a_later_unionid_joins_the_apps():
    a1 = wechat_phone("amin")
    a1.get("/orders/", follow=True)
    b = wechat_phone("laowang")
    b.get("/orders/", follow=True)
    assert _user_id(a1) != _user_id(b)  # two people, two accounts (OpenID only, no UnionID)
    assert set(WechatIdentity.objects.values_list("unionid", flat=True)) == {None}
    # amin agrees to snsapi_userinfo in the official account: his identity learns the UnionID...
    a2 = wechat_phone("amin")
    cb = authorize(a2, to_authorize(a2, "/auth/wechat/start?next=/&scope=snsapi_userinfo"), pick="amin")
    a2.get(callback_path(cb))
    assert _user_id(a2) == _user_id(a1)
    assert WechatIdentity.objects.get(user_id=_user_id(a1)).unionid == oauth.unionid("amin")
    # ...so the website app's sign-in later finds the same account.
    web_browser = desktop()
    cb = authorize(web_browser, to_authorize(web_browser, "/auth/wechat/start?next=/"), pick="amin")
    web_browser.get(callback_path(cb))
    assert _user_id(web_browser) == _user_id(a1)
    assert WechatIdentity.objects.filter(user_id=_user_id(a1)).count() == 2


def test_a_signed_in_customer_binds_wechat_and_cannot_take_someone_elses():
    alice = factories.user()
    phone = wechat_phone("amin")
    phone.force_login(alice)
    cb = authorize(phone, to_authorize(phone, "/auth/wechat/start?next=/orders/&scope=snsapi_base"))
    assert phone.get(callback_path(cb))["Location"] == "/orders/"
    assert WechatIdentity.objects.get().user == alice
    bob = factories.user()
    other = wechat_phone("amin")
    other.force_login(bob)
    cb = authorize(other, to_authorize(other, "/auth/wechat/start?next=/&scope=snsapi_base"))
    resp = other.get(callback_path(cb))
    assert resp.status_code == 409 and "already linked to another account" in resp.content.decode()
    assert WechatIdentity.objects.get().user == alice


def test_a_failed_silent_sign_in_shows_the_login_form_instead_of_looping(settings):
    wechat = copy.deepcopy(settings.WECHAT)
    wechat["API_URL"] = "http://127.0.0.1:9/"  # nothing listens: the code exchange fails
    settings.WECHAT = wechat
    phone = wechat_phone("amin")
    resp = phone.get("/orders/", follow=True)
    assert resp.status_code == 502 and "could not be reached" in resp.content.decode()
    again = phone.get("/orders/", follow=True)
    assert again.status_code == 200 and again.redirect_chain == [("/login/?next=/orders/", 302)]
    assert 'id="wechat-signin"' in again.content.decode() and 'name="password"' in again.content.decode()


def test_cancelling_at_wechat_is_a_clear_page():
    web_browser = desktop()
    auth_url = to_authorize(web_browser, "/auth/wechat/start?next=/")
    resp = web_browser.post(auth_url.split("#")[0], {"action": "deny"})
    assert "code" not in query(resp["Location"])  # WeChat: only the state comes back
    page = web_browser.get(callback_path(resp["Location"]))
    assert page.status_code == 400 and "cancelled" in page.content.decode()


def test_the_login_page_offers_wechat_and_stays_a_form_outside_wechat():
    page = desktop().get("/login/?next=/orders/")
    assert page.status_code == 200
    assert 'href="/auth/wechat/start?next=%2Forders%2F"' in page.content.decode()


# --- the sandbox OAuth server answers as WeChat does -----------------------------------

def _code(user_key: str = "amin", scope: str = "snsapi_base") -> tuple[str, str]:
    appid = config.app("mp").appid
    return appid, oauth.issue_code(appid, user_key, scope)


def test_sandbox_errcodes_for_bad_credentials_expired_codes_and_scopes():
    appid, code = _code()
    c = Client()
    bad_secret = c.get("/sandbox/wechat/sns/oauth2/access_token",
                       {"appid": appid, "secret": "x", "code": code, "grant_type": "authorization_code"}).json()
    assert bad_secret["errcode"] == 40125 and "rid:" in bad_secret["errmsg"]
    assert c.get("/sandbox/wechat/sns/oauth2/access_token",
                 {"appid": "wxnope", "secret": "x", "code": code, "grant_type": "authorization_code"}
                 ).json()["errcode"] == 40013
    with pytest.raises(OAuthError) as unknown:
        OAuthClient(config.app("mp")).exchange("nosuchcode")
    assert unknown.value.errcode == 40029
    clock.advance(dt.timedelta(minutes=5, seconds=1))
    with pytest.raises(OAuthError) as expired:
        OAuthClient(config.app("mp")).exchange(code)
    assert expired.value.errcode == 42003
    clock.reset()
    # A snsapi_base token cannot read the profile (48001), and no UnionID comes with it.
    _appid, code = _code()
    client = OAuthClient(config.app("mp"))
    token = client.fetch_access_token(code)
    assert "unionid" not in token and token["scope"] == "snsapi_base" and token["expires_in"] == 7200
    with pytest.raises(Exception) as denied:
        client.get_user_info()
    assert getattr(denied.value, "errcode", None) == 48001
    assert client.check_access_token() is True


def test_authorize_page_refuses_unknown_apps_and_bad_redirects():
    c = Client()
    base = {"appid": config.app("mp").appid, "redirect_uri": "http://testserver/auth/wechat/callback",
            "response_type": "code", "scope": "snsapi_base", "state": "abc"}
    assert c.get("/sandbox/wechat/connect/oauth2/authorize", base).status_code == 200  # the picker
    for change in ({"appid": "wxunknown"}, {"redirect_uri": "javascript:alert(1)"}, {"scope": "snsapi_login"},
                   {"state": "a b"}):
        assert c.get("/sandbox/wechat/connect/oauth2/authorize", {**base, **change}).status_code == 400


def test_signing_out_inside_wechat_does_not_sign_straight_back_in():
    phone = wechat_phone("amin")
    phone.get("/orders/", follow=True)
    assert _user_id(phone) is not None
    phone.post("/logout/")
    assert _user_id(phone) is None
    page = phone.get("/orders/", follow=True)
    assert page.redirect_chain == [("/login/?next=/orders/", 302)] and _user_id(phone) is None
    assert 'id="wechat-signin"' in page.content.decode()  # WeChat is one tap away, not automatic
