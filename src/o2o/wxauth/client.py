"""WeChat's OAuth2 web authorization through wechatpy's `WeChatOAuth`, pointed at the
configured servers (WeChat's, or the sandbox's).

wechatpy keeps the two base URLs as class attributes (`OAUTH_BASE_URL` for the
authorize page, `API_BASE_URL` for /sns/...); `OAuthClient` sets them on its instance.
Its requests go through a `requests.Session` (`_http`): with the sandbox mounted in this
server the in-process adapter of payments is mounted on it, so a code exchange never
waits for a free request thread of its own server. Writes nothing.

Errors: `OAuthError.errcode` is WeChat's errcode (40029 invalid code, 40163 code been
used, 42003 code expired, 40013 invalid appid, 40125 invalid appsecret, ...) or 0 when
the server could not be reached or answered badly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings
from wechatpy.exceptions import WeChatOAuthException
from wechatpy.oauth import WeChatOAuth

from o2o.payments.providers.inprocess import InProcessAdapter
from o2o.wxauth import config
from o2o.wxauth.config import WechatApp

SCOPES = ("snsapi_base", "snsapi_userinfo", "snsapi_login")


class OAuthError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"{errcode}: {errmsg}")
        self.errcode, self.errmsg = errcode, errmsg


@dataclass(frozen=True)
class Authorized:
    """What WeChat says about the person who authorized: OpenID always, UnionID and a
    profile when the scope returns them."""

    appid: str
    openid: str
    scope: str
    unionid: str | None = None
    nickname: str = ""
    avatar_url: str = ""


class _Timed(requests.Session):
    def request(self, method, url, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", (3, settings.WECHAT["TIMEOUT_SECONDS"]))
        return super().request(method, url, **kwargs)


class OAuthClient(WeChatOAuth):
    def __init__(self, wx_app: WechatApp, redirect_uri: str = "", scope: str = "snsapi_base",
                 state: str = "") -> None:
        super().__init__(wx_app.appid, wx_app.secret, redirect_uri, scope=scope, state=state)
        self.API_BASE_URL = config.api_url()
        # The browser goes to the authorize page; a sandbox in this server is named by its
        # path so that it is reached on the host the browser already uses.
        self.OAUTH_BASE_URL = (config.SANDBOX_PATH + "connect/") if config.in_process() else config.oauth_url()
        self._http = _Timed()
        if config.in_process():
            self._http.mount(config.own_sandbox_url(), InProcessAdapter())

    def authorization_url(self) -> str:
        """Inside WeChat the OAuth2 authorize page; for the website app the QR sign-in page."""
        return self.qrconnect_url if self.scope == "snsapi_login" else self.authorize_url

    def exchange(self, code: str) -> Authorized:
        """The code for an access token (and the profile when the scope grants one)."""
        try:
            token: dict[str, Any] = self.fetch_access_token(code)
            scope = str(token.get("scope", self.scope))
            profile: dict[str, Any] = {}
            if scope in ("snsapi_userinfo", "snsapi_login"):
                profile = self.get_user_info(openid=token["openid"], access_token=token["access_token"])
        except WeChatOAuthException as exc:
            raise OAuthError(int(exc.errcode or 0), str(exc.errmsg or "the OAuth server answered badly")) from exc
        except (requests.RequestException, ValueError, KeyError) as exc:
            raise OAuthError(0, str(exc)[:200] or "the OAuth server could not be reached") from exc
        unionid = profile.get("unionid") or token.get("unionid") or None
        return Authorized(appid=self.app_id, openid=str(token["openid"]), scope=scope,
                          unionid=str(unionid) if unionid else None,
                          nickname=str(profile.get("nickname", ""))[:100],
                          avatar_url=str(profile.get("headimgurl", ""))[:500])
