"""Reads of wxauth for the web pages and other apps."""

from __future__ import annotations

from o2o.wxauth import config
from o2o.wxauth.models import WechatIdentity


def identities_of(user) -> list[WechatIdentity]:
    return list(WechatIdentity.objects.filter(user=user).order_by("id"))


def openid_for(user, appid: str) -> str:
    """The user's OpenID in app `appid`, or '' when they never signed in there."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return (WechatIdentity.objects.filter(user=user, appid=appid).values_list("openid", flat=True).first()
            or "")


def pay_openid(user) -> str:
    """The OpenID JSAPI pays with: the user's, in the payment merchant's app."""
    return openid_for(user, config.pay_appid())
