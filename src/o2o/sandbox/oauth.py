"""The sandbox OAuth server: WeChat's OAuth2 web authorization with its URLs and answers.

Three demo WeChat users (DEMO_USERS). Each has one OpenID per AppID and one UnionID
across every sandbox app (all are bound to one demo open platform), both derived from
SECRET_KEY so that every process agrees. As WeChat does, the UnionID is answered only
for snsapi_userinfo and snsapi_login, never for snsapi_base.

Codes are single use and live 5 minutes (SandboxOAuthCode, spent with a conditional
UPDATE, so two exchanges of one code cannot both succeed); access tokens (2 hours) and
refresh tokens (30 days) are signed and need no table. The apps and their AppSecrets are
those of o2o.wxauth.config. Errors are WeChat's: {"errcode": N, "errmsg": "... rid: ..."}
with HTTP 200 — 40013 invalid appid, 40125 invalid appsecret, 40002 invalid grant_type,
41008 missing code, 40029 invalid code, 40163 code been used, 42003 code expired,
40014 invalid access_token, 42001 access_token expired, 40003 invalid openid,
48001 api unauthorized, 40030 invalid refresh_token.

Writes sandbox.SandboxOAuthCode.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing

from o2o.core import clock
from o2o.sandbox.models import SandboxOAuthCode
from o2o.wxauth import config as wx

CODE_TTL = dt.timedelta(minutes=5)
ACCESS_TTL = 7200
REFRESH_TTL = 30 * 86400
_ACCESS_SALT = "o2o.sandbox.oauth.access"
_REFRESH_SALT = "o2o.sandbox.oauth.refresh"
SCOPES = ("snsapi_base", "snsapi_userinfo", "snsapi_login")
DEVICE_COOKIE = "o2o_sbx_wx_user"  # which demo user this browser's "WeChat" is signed in as


@dataclass(frozen=True)
class DemoUser:
    key: str
    nickname: str
    city: str


DEMO_USERS = {u.key: u for u in (DemoUser("amin", "阿明", "深圳"), DemoUser("xiaohong", "小红", "广州"),
                                 DemoUser("laowang", "老王", "上海"))}


class OAuthFailure(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(errmsg)
        self.errcode, self.errmsg = errcode, errmsg

    def answer(self) -> dict[str, Any]:
        return {"errcode": self.errcode, "errmsg": f"{self.errmsg}, rid: {secrets.token_hex(12)}"}


def _mac(label: str) -> str:
    raw = hmac.new(settings.SECRET_KEY.encode(), f"o2o.sandbox.oauth:{label}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def openid(user_key: str, appid: str) -> str:
    """The demo user's OpenID in `appid` (28 characters, as WeChat's)."""
    return "o" + _mac(f"openid:{appid}:{user_key}")[:27]


def unionid(user_key: str) -> str:
    return "o" + _mac(f"unionid:{user_key}")[:27]


def avatar_url(base_url: str, user_key: str) -> str:
    return f"{base_url}/static/sandbox/avatars/{user_key}.svg"


def check_app(appid: str, secret: str | None = None) -> wx.WechatApp:
    found = wx.app_by_appid(appid or "")
    if found is None:
        raise OAuthFailure(40013, "invalid appid")
    if secret is not None and not hmac.compare_digest(found.secret.encode(), (secret or "").encode()):
        raise OAuthFailure(40125, "invalid appsecret")
    return found


def issue_code(appid: str, user_key: str, scope: str) -> str:
    now = clock.now()
    code = secrets.token_hex(16)
    SandboxOAuthCode.objects.create(code=code, appid=appid, user_key=user_key, scope=scope,
                                    expires_at=now + CODE_TTL, created_at=now)
    return code


def _tokens(appid: str, user_key: str, scope: str) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "access_token": signing.dumps({"a": appid, "u": user_key, "s": scope}, salt=_ACCESS_SALT, compress=True),
        "expires_in": ACCESS_TTL,
        "refresh_token": signing.dumps({"a": appid, "u": user_key, "s": scope}, salt=_REFRESH_SALT,
                                       compress=True),
        "openid": openid(user_key, appid), "scope": scope,
    }
    if scope != "snsapi_base":
        answer["unionid"] = unionid(user_key)
    return answer


def exchange_code(appid: str, secret: str, code: str, grant_type: str) -> dict[str, Any]:
    """GET /sns/oauth2/access_token: spend the code once."""
    check_app(appid, secret)
    if grant_type != "authorization_code":
        raise OAuthFailure(40002, "invalid grant_type")
    if not code:
        raise OAuthFailure(41008, "missing code")
    now = clock.now()
    spent = SandboxOAuthCode.objects.filter(code=code, appid=appid, used_at__isnull=True,
                                            expires_at__gt=now).update(used_at=now)
    row = SandboxOAuthCode.objects.filter(code=code, appid=appid).first()
    if row is None:
        raise OAuthFailure(40029, "invalid code")
    if not spent:
        if row.used_at is not None:
            raise OAuthFailure(40163, "code been used")
        raise OAuthFailure(42003, "code expired")
    return _tokens(appid, row.user_key, row.scope)


def refresh(appid: str, refresh_token: str, grant_type: str) -> dict[str, Any]:
    check_app(appid)
    if grant_type != "refresh_token":
        raise OAuthFailure(40002, "invalid grant_type")
    try:
        data = signing.loads(refresh_token, salt=_REFRESH_SALT, max_age=REFRESH_TTL)
    except signing.BadSignature:
        raise OAuthFailure(40030, "invalid refresh_token") from None
    if data.get("a") != appid:
        raise OAuthFailure(40030, "invalid refresh_token")
    return _tokens(appid, data["u"], data["s"])


def _access(access_token: str, open_id: str) -> dict[str, str]:
    try:
        data = signing.loads(access_token, salt=_ACCESS_SALT, max_age=ACCESS_TTL)
    except signing.SignatureExpired:
        raise OAuthFailure(42001, "access_token expired") from None
    except signing.BadSignature:
        raise OAuthFailure(40014, "invalid access_token") from None
    if openid(data["u"], data["a"]) != open_id:
        raise OAuthFailure(40003, "invalid openid")
    return data


def userinfo(access_token: str, open_id: str, base_url: str) -> dict[str, Any]:
    """GET /sns/userinfo: the profile, for snsapi_userinfo and snsapi_login tokens only."""
    data = _access(access_token, open_id)
    if data["s"] == "snsapi_base":
        raise OAuthFailure(48001, "api unauthorized")
    user = DEMO_USERS[data["u"]]
    return {"openid": open_id, "nickname": user.nickname, "sex": 0, "language": "zh_CN", "city": user.city,
            "province": "", "country": "中国", "headimgurl": avatar_url(base_url, user.key), "privilege": [],
            "unionid": unionid(user.key)}


def check_token(access_token: str, open_id: str) -> dict[str, Any]:
    """GET /sns/auth."""
    _access(access_token, open_id)
    return {"errcode": 0, "errmsg": "ok"}
