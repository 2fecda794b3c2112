"""Django admin for users and API tokens; lists show phone numbers masked."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from o2o.accounts.masking import mask_phone
from o2o.accounts.models import ApiToken, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "public_id", "display_name", "role", "email", "masked_phone", "is_active",
                    "is_staff", "date_joined")
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "public_id", "display_name", "email", "phone")
    readonly_fields = ("public_id",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("o2o", {"fields": ("public_id", "role", "display_name", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("o2o", {"fields": ("role", "display_name")}),
    )

    @admin.display(description="phone")
    def masked_phone(self, obj: User) -> str:
        return mask_phone(obj.phone)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: the secret is never stored; the digest alone cannot authenticate."""

    list_display = ("name", "public_id", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at", "created_at")
    search_fields = ("name", "public_id", "prefix", "user__username")
    list_select_related = ("user",)
    readonly_fields = ("public_id", "user", "name", "prefix", "digest", "created_at",
                       "last_used_at", "revoked_at")
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
