"""Django admin for merchants, stores and staff. Review and store edits go through
merchants.services, so the admin obeys the same rules and writes the same events."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages

from o2o.core.errors import DomainError
from o2o.merchants import services
from o2o.merchants.hours import normalize_opening_hours, validate_time_zone
from o2o.merchants.models import Merchant, StaffInvitation, StaffMember, Store


class StoreInline(admin.TabularInline):
    model = Store
    fields = ("public_id", "name", "city", "address", "is_active")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


def _review(modeladmin, request, queryset, action: str, reason: str = "") -> None:
    done = 0
    for merchant in queryset:
        try:
            args = (request.user, merchant.public_id) + ((reason,) if reason else ())
            getattr(services, action)(*args)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{merchant}: {exc.message}", messages.WARNING)
    if done:
        modeladmin.message_user(request, f"{action}: {done} merchant(s)", messages.SUCCESS)


@admin.action(description="Approve selected pending merchants")
def approve(modeladmin, request, queryset) -> None:
    _review(modeladmin, request, queryset, "approve")


@admin.action(description="Suspend selected active merchants")
def suspend(modeladmin, request, queryset) -> None:
    _review(modeladmin, request, queryset, "suspend", f"Suspended in the admin by {request.user}")


@admin.action(description="Reinstate selected suspended merchants")
def reinstate(modeladmin, request, queryset) -> None:
    _review(modeladmin, request, queryset, "reinstate")


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("name", "public_id", "status", "owner", "business_type", "commission_rate_bp",
                    "created_at", "reviewed_at")
    list_filter = ("status", "business_type", "created_at")
    search_fields = ("name", "name_en", "public_id", "owner__username", "contact_phone")
    list_select_related = ("owner",)
    actions = (approve, suspend, reinstate)
    inlines = (StoreInline,)
    # Status changes only through the review actions (they check transitions and emit events).
    readonly_fields = ("public_id", "status", "status_reason", "owner", "reviewed_by", "reviewed_at",
                       "created_at", "updated_at")
    fields = ("public_id", "name", "name_en", "description", "business_type", "contact_phone",
              "commission_rate_bp", *readonly_fields[1:])

    def has_add_permission(self, request) -> bool:
        return False  # merchants are created by applying

    def save_model(self, request, obj, form, change) -> None:
        profile = {f: form.cleaned_data[f] for f in form.changed_data
                   if f in ("name", "name_en", "description", "business_type", "contact_phone")}
        if profile:
            services.update_merchant(obj.public_id, **profile)
        if "commission_rate_bp" in form.changed_data:
            # Commission is a platform setting, not part of the merchant's own profile.
            Merchant.objects.filter(pk=obj.pk).update(commission_rate_bp=obj.commission_rate_bp)


class StoreForm(forms.ModelForm):
    class Meta:
        model = Store
        fields = ("merchant", "name", "name_en", "address", "city", "phone", "latitude",
                  "longitude", "time_zone", "opening_hours", "is_active")

    def clean_time_zone(self):
        try:
            return validate_time_zone(self.cleaned_data["time_zone"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc

    def clean_opening_hours(self):
        try:
            return normalize_opening_hours(self.cleaned_data["opening_hours"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    form = StoreForm
    list_display = ("name", "public_id", "merchant", "city", "time_zone", "is_active", "h3_cell",
                    "updated_at")
    list_filter = ("is_active", "city", "time_zone", "merchant__status")
    search_fields = ("name", "name_en", "public_id", "address", "merchant__name", "h3_cell")
    list_select_related = ("merchant",)
    readonly_fields = ("public_id", "h3_cell", "h3_coarse", "created_at", "updated_at")
    autocomplete_fields = ("merchant",)

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "merchant") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change) -> None:
        data = {f: form.cleaned_data[f] for f in form.changed_data if f != "merchant"}
        merchant = obj.merchant
        if change:
            saved = services.update_store(merchant, obj.public_id, **data) if data else obj
        else:
            data.pop("is_active", None)
            saved = services.create_store(merchant, **{f: form.cleaned_data[f] for f in (
                "name", "name_en", "address", "city", "phone", "latitude", "longitude",
                "time_zone", "opening_hours")})
        obj.pk, obj.public_id = saved.pk, saved.public_id


@admin.register(StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    """Read-only: owners manage their staff through the merchant API."""

    list_display = ("user", "public_id", "merchant", "role", "display_name", "is_active", "created_at")
    list_filter = ("role", "is_active", "merchant__status")
    search_fields = ("public_id", "user__username", "user__display_name", "display_name",
                     "merchant__name")
    list_select_related = ("user", "merchant")
    readonly_fields = ("public_id", "merchant", "user", "role", "display_name", "stores", "is_active",
                       "created_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StaffInvitation)
class StaffInvitationAdmin(admin.ModelAdmin):
    """Read-only: owners invite through the console or the API; the code is never stored."""

    list_display = ("public_id", "merchant", "label", "created_at", "expires_at", "accepted_by",
                    "accepted_at", "revoked_at")
    list_filter = ("merchant__status", "accepted_at", "revoked_at")
    search_fields = ("public_id", "label", "merchant__name", "accepted_by__username")
    list_select_related = ("merchant", "accepted_by")
    exclude = ("code_digest",)
    readonly_fields = ("public_id", "merchant", "label", "stores", "created_by", "created_at",
                       "expires_at", "accepted_by", "accepted_at", "revoked_at")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
