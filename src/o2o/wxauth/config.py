"""Which WeChat apps this platform signs in with, and where WeChat's OAuth2 server is.

Three app kinds, each an AppID and an AppSecret from the environment (settings.WECHAT):
`mp` (the official account: OAuth2 web authorization inside WeChat, and the AppID that
JSAPI pays with), `mini` (the mini-program) and `open` (the website app of the open
platform: QR sign-in outside WeChat). Accounts link by UnionID across these apps and by
OpenID within one.

With the sandbox on (O2O_WECHAT_SANDBOX, default on) an app left unconfigured gets a
sandbox AppID and an AppSecret derived from SECRET_KEY, and `mp` takes the payments
AppID, so the OpenID it yields is the one JSAPI needs. The sandbox OAuth server
(o2o.sandbox.oauth) checks AppSecrets against this same list. Writes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings

from o2o.payments.providers.wechatpay import config_from_settings as pay_config

KINDS = ("mp", "mini", "open")
REAL_OAUTH_URL = "https://open.weixin.qq.com/connect/"
REAL_API_URL = "https://api.weixin.qq.com/"
SANDBOX_PATH = "/sandbox/wechat/"


@dataclass(frozen=True)
class WechatApp:
    kind: str
    appid: str
    secret: str


def _derive(label: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"o2o.wechat.sandbox:{label}".encode(),
                    hashlib.sha256).hexdigest()


def sandbox_on() -> bool:
    return bool(settings.WECHAT["SANDBOX"])


def pay_appid() -> str:
    """The AppID JSAPI payments are made under (the payment merchant's AppID)."""
    return pay_config().appid


def app(kind: str) -> WechatApp:
    conf = settings.WECHAT["APPS"][kind]
    appid, secret = conf["APPID"], conf["SECRET"]
    if sandbox_on():
        if not appid:
            appid = pay_appid() if kind == "mp" else "wxsbx" + _derive(f"appid:{kind}")[:13]
        secret = secret or _derive(f"secret:{appid}")[:32]
    return WechatApp(kind=kind, appid=appid, secret=secret)


def apps() -> list[WechatApp]:
    return [app(kind) for kind in KINDS]


def app_by_appid(appid: str) -> WechatApp | None:
    return next((a for a in apps() if a.appid and a.appid == appid), None)


def own_sandbox_url() -> str:
    return settings.PUBLIC_URL + SANDBOX_PATH


def api_url() -> str:
    return settings.WECHAT["API_URL"]


def oauth_url() -> str:
    return settings.WECHAT["OAUTH_URL"]


def in_process() -> bool:
    """The OAuth server is the sandbox mounted in this server: API calls skip the socket
    (see payments/providers/inprocess.py) and the browser is sent to a relative URL, so
    it stays on whichever host it reached us by."""
    return sandbox_on() and api_url() == own_sandbox_url()


# The sandbox's switch (its page at /sandbox/wechat/) that makes the storefront treat a
# desktop browser as the WeChat browser; honoured only while the sandbox is on.
SANDBOX_IN_WECHAT_COOKIE = "o2o_sbx_in_wechat"
