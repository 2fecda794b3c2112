"""Every write of wxauth: linking a WeChat authorization to an account.

Writes wxauth.WechatIdentity, and a new customer account through accounts.services when
the person is new (never accounts.User directly). Events: wechat_identity.linked (no
OpenID or UnionID in the payload: they are personal data).

Linking, in order: the identity of this (AppID, OpenID) if there is one; else an
identity with the same UnionID in another app (same person, same account); else the
signed-in account of the request (binding WeChat to it); else a new customer account.
A UnionID learnt later is recorded on the identity that lacked it.

Error codes: invalid_openid (422); wechat_linked_elsewhere (409: this WeChat identity
belongs to another account than the signed-in one; merging is a separate step);
account_inactive (403).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from o2o.accounts import services as accounts
from o2o.core import clock, events
from o2o.core.errors import Conflict, PermissionDenied, ValidationFailed
from o2o.wxauth.client import Authorized
from o2o.wxauth.models import WechatIdentity


@dataclass(frozen=True)
class SignIn:
    user: object
    identity: WechatIdentity
    new_account: bool
    linked_by: str  # openid | unionid | session | new


def _check(auth: Authorized) -> None:
    if not auth.openid or len(auth.openid) > 64 or not auth.appid or len(auth.appid) > 32:
        raise ValidationFailed("the OAuth server returned no usable OpenID", "invalid_openid")
    if auth.unionid is not None and len(auth.unionid) > 64:
        raise ValidationFailed("the OAuth server returned an unusable UnionID", "invalid_openid")


def _refresh(identity: WechatIdentity, auth: Authorized) -> None:
    changes: dict[str, object] = {}
    if auth.unionid and not identity.unionid:
        changes["unionid"] = auth.unionid
    if auth.nickname and auth.nickname != identity.nickname:
        changes["nickname"] = auth.nickname
    if auth.avatar_url and auth.avatar_url != identity.avatar_url:
        changes["avatar_url"] = auth.avatar_url
    if changes:
        changes["updated_at"] = clock.now()
        WechatIdentity.objects.filter(pk=identity.pk).update(**changes)
        for k, v in changes.items():
            setattr(identity, k, v)


def _link(auth: Authorized, current_user) -> SignIn:
    found = WechatIdentity.objects.select_related("user").filter(appid=auth.appid, openid=auth.openid).first()
    if found is not None:
        if current_user is not None and found.user_id != current_user.pk:
            raise Conflict("This WeChat account is already linked to another account", "wechat_linked_elsewhere")
        _refresh(found, auth)
        return SignIn(found.user, found, False, "openid")
    sibling = None
    if auth.unionid:
        sibling = (WechatIdentity.objects.select_related("user").filter(unionid=auth.unionid)
                   .order_by("id").first())
    if sibling is not None and current_user is not None and sibling.user_id != current_user.pk:
        raise Conflict("This WeChat account is already linked to another account", "wechat_linked_elsewhere")
    new_account = False
    if sibling is not None:
        user, how = sibling.user, "unionid"
    elif current_user is not None:
        user, how = current_user, "session"
    else:
        user = accounts.create_user("wx_" + secrets.token_hex(6), None,
                                    display_name=auth.nickname or "微信用户")
        new_account, how = True, "new"
    now = clock.now()
    identity = WechatIdentity.objects.create(
        user=user, appid=auth.appid, openid=auth.openid, unionid=auth.unionid or None,
        nickname=auth.nickname, avatar_url=auth.avatar_url, created_at=now, updated_at=now)
    events.emit("wechat_identity.linked", identity, {"user": user.public_id, "appid": auth.appid,
                                                     "linked_by": how})
    return SignIn(user, identity, new_account, how)


def sign_in(auth: Authorized, *, current_user=None) -> SignIn:
    """The account this WeChat authorization belongs to, linking or creating as needed.
    `current_user` is the signed-in account, if any (then WeChat is bound to it)."""
    _check(auth)
    for attempt in range(2):
        try:
            with transaction.atomic():
                result = _link(auth, current_user)
            break
        except IntegrityError:  # the same first sign-in ran concurrently: read its result
            if attempt:
                raise
    if not result.user.is_active:
        raise PermissionDenied("This account is closed", "account_inactive")
    return result
