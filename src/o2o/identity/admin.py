"""Django admin for phone identities and merges: read-only, numbers masked. Codes and
sandbox messages are not listed (a code is a credential while it lives)."""

from __future__ import annotations

from django.contrib import admin

from o2o.accounts.masking import mask_phone
from o2o.identity.models import MergeRecord, PhoneIdentity


@admin.register(PhoneIdentity)
class PhoneIdentityAdmin(admin.ModelAdmin):
    list_display = ("user", "masked_phone", "verified_at")
    search_fields = ("user__username", "user__public_id")
    fields = ("user", "masked_phone", "verified_at")
    readonly_fields = fields

    @admin.display(description="phone")
    def masked_phone(self, obj: PhoneIdentity) -> str:
        return mask_phone(obj.phone)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(MergeRecord)
class MergeRecordAdmin(admin.ModelAdmin):
    list_display = ("public_id", "absorbed", "survivor", "proof", "merged_at")
    search_fields = ("public_id", "absorbed__public_id", "survivor__public_id")
    readonly_fields = ("public_id", "absorbed", "survivor", "proof", "moved", "merged_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
