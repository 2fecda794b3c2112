"""WeChat identities of one customer account handed to another (account merging in
o2o.identity), or removed when the customer deletes the account.

Writes: wxauth.WechatIdentity (user; deleted on deletion). Joins the caller's
transaction. Error codes: none.
"""

from __future__ import annotations

from django.db import transaction

from o2o.wxauth.models import WechatIdentity


def reassign_customer(from_user_id: int, to_user_id: int) -> dict[str, int]:
    """After a merge, signing in with the absorbed account's WeChat reaches the survivor."""
    with transaction.atomic():
        moved = WechatIdentity.objects.filter(user_id=from_user_id).update(user_id=to_user_id)
    return {"wechat_identities": moved}


def forget_customer(user_id: int) -> int:
    """Delete every WeChat identity (OpenIDs, UnionID, nickname, avatar) of the account."""
    with transaction.atomic():
        deleted, _ = WechatIdentity.objects.filter(user_id=user_id).delete()
    return deleted


def identities_of(user_id: int) -> list[dict[str, str]]:
    """The account's own WeChat identities, for its export."""
    return [{"appid": w.appid, "openid": w.openid, "unionid": w.unionid or "", "nickname": w.nickname}
            for w in WechatIdentity.objects.filter(user_id=user_id)]
