from django.contrib import admin

from o2o.wxauth.models import WechatIdentity


@admin.register(WechatIdentity)
class WechatIdentityAdmin(admin.ModelAdmin):
    list_display = ("public_id", "user", "appid", "masked_openid", "nickname", "created_at")
    search_fields = ("public_id", "user__username", "nickname")
    readonly_fields = [f.name for f in WechatIdentity._meta.fields]

    @admin.display(description="OpenID")
    def masked_openid(self, obj: WechatIdentity) -> str:
        return obj.openid[:4] + "…" + obj.openid[-2:] if obj.openid else ""
