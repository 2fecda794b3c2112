"""WeChat identities: who a person is to each WeChat app.

An OpenID names a person within one app (unique per AppID); a UnionID names the same
person across the apps bound to one open-platform account, and is known only after an
authorization that returns it (snsapi_userinfo, snsapi_login). One account may hold
identities in several apps."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from o2o.core.ids import id_factory


class WechatIdentity(models.Model):
    public_id = models.CharField(max_length=24, unique=True, default=id_factory("wxi"), editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wechat_identities")
    appid = models.CharField(max_length=32)
    openid = models.CharField(max_length=64)
    unionid = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    nickname = models.CharField(max_length=100, blank=True, default="")
    avatar_url = models.URLField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["appid", "openid"], name="wxauth_identity_openid_uniq")]

    def __str__(self) -> str:
        return f"{self.appid}:{self.openid[:6]}…"
