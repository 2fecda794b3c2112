from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from o2o.core.ids import id_factory
from o2o.merchants import geo


class MerchantStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    ACTIVE = "active", "Active"
    REJECTED = "rejected", "Rejected"
    SUSPENDED = "suspended", "Suspended"


class Merchant(models.Model):
    """A business selling on the platform. Created as an application (pending),
    reviewed by an operator, then active; an operator may suspend it."""

    public_id = models.CharField(max_length=24, unique=True, default=id_factory("mer"), editable=False)
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True, default="")
    description = models.TextField(blank=True, default="")
    business_type = models.CharField(max_length=50, blank=True, default="")
    contact_phone = models.CharField(max_length=20, blank=True, default="")
    status = models.CharField(max_length=12, choices=MerchantStatus.choices,
                              default=MerchantStatus.PENDING, db_index=True)
    status_reason = models.CharField(max_length=500, blank=True, default="")
    # Platform commission in basis points (600 = 6.00%); categories may override.
    commission_rate_bp = models.PositiveIntegerField(default=600, validators=[MaxValueValidator(10000)])
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="owned_merchants")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == MerchantStatus.ACTIVE


class Store(models.Model):
    """A physical place of a merchant: where services are used and goods picked up."""

    public_id = models.CharField(max_length=24, unique=True, default=id_factory("sto"), editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="stores")
    name = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100, blank=True, default="")
    address = models.CharField(max_length=300)
    city = models.CharField(max_length=50, blank=True, default="")
    phone = models.CharField(max_length=20, blank=True, default="")
    latitude = models.DecimalField(max_digits=9, decimal_places=6,
                                   validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.DecimalField(max_digits=9, decimal_places=6,
                                    validators=[MinValueValidator(-180), MaxValueValidator(180)])
    h3_cell = models.CharField(max_length=16, db_index=True, editable=False)
    h3_coarse = models.CharField(max_length=16, db_index=True, editable=False)
    time_zone = models.CharField(max_length=50, default="Asia/Shanghai")
    # {"mon": [["10:00", "22:00"]], ..., "sun": []}: store-local times, several ranges a day.
    opening_hours = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        constraints = [
            # The services validate first; the database refuses what slips past them.
            models.CheckConstraint(condition=models.Q(latitude__gte=-90, latitude__lte=90),
                                   name="store_latitude_range"),
            models.CheckConstraint(condition=models.Q(longitude__gte=-180, longitude__lte=180),
                                   name="store_longitude_range"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.h3_cell, self.h3_coarse = geo.cells(float(self.latitude), float(self.longitude))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"latitude", "longitude"} & set(update_fields):
            kwargs["update_fields"] = set(update_fields) | {"h3_cell", "h3_coarse"}
        super().save(*args, **kwargs)


class StaffRole(models.TextChoices):
    OWNER = "owner", "Owner"
    STAFF = "staff", "Staff"


class StaffMember(models.Model):
    """A user working for a merchant. A user works for one merchant at most.
    Staff bound to stores act only there; no stores means all of them.

    Being staff is this row, not the user's role: a customer who accepted an
    invitation stays a customer. `display_name` is the name this merchant gives
    the member (blank: the user's own), so the owner never renames a person's account."""

    public_id = models.CharField(max_length=24, unique=True, default=id_factory("stf"), editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="staff")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="staff_membership")
    role = models.CharField(max_length=10, choices=StaffRole.choices, default=StaffRole.STAFF)
    stores = models.ManyToManyField(Store, blank=True, related_name="staff")
    display_name = models.CharField(max_length=100, blank=True, default="")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.merchant}"

    @property
    def shown_name(self) -> str:
        return self.display_name or self.user.display_name or self.user.username


class InvitationState(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REVOKED = "revoked", "Revoked"
    EXPIRED = "expired", "Expired"


class StaffInvitation(models.Model):
    """An owner's single-use invitation to work for the merchant as staff.

    Only a SHA-256 digest of the code is stored; the code (or a link carrying it) is
    shown to the owner once and redeemed by the invitee while signed in to their own
    account. It is pending until accepted, revoked or past `expires_at`."""

    public_id = models.CharField(max_length=24, unique=True, default=id_factory("sti"), editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="invitations")
    code_digest = models.CharField(max_length=64, unique=True)
    # Whom the owner meant it for ("Lin, weekend shifts"): for the owner's list only.
    label = models.CharField(max_length=100, blank=True, default="")
    stores = models.ManyToManyField(Store, blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.public_id} @ {self.merchant}"

    def state_at(self, now) -> str:
        if self.accepted_at is not None:
            return InvitationState.ACCEPTED
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if self.expires_at <= now:
            return InvitationState.EXPIRED
        return InvitationState.PENDING
