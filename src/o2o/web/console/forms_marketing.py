"""Forms of the marketing pages (the console's Marketing tab, the operators' coupon
spend page). They only parse input (yuan into fen, dates in the merchant's zone into
aware datetimes); every rule (percent 1-99, no negative amount, a threshold not below
the amount off, an end after its start, the scope belonging to the merchant, a budget
cap only from the platform) is checked by marketing.manage, so the pages and the API
refuse the same way."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from o2o.marketing.manage import TemplateSpec
from o2o.marketing.models import CouponKind, ProductScope


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _yuan(label, *, required: bool = False, initial=None) -> forms.DecimalField:
    # No min_value: a negative amount reaches the service, which refuses it with its code.
    return forms.DecimalField(label=label, required=required, max_digits=12, decimal_places=2,
                              initial=initial, widget=forms.NumberInput(attrs={"step": "0.01",
                                                                                "inputmode": "decimal"}))


def fen(value: Decimal | None) -> int | None:
    return None if value is None else int(value * 100)


def day_start(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def day_end(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The end of a day given inclusively: midnight after it."""
    return day_start(day, zone) + dt.timedelta(days=1)


KIND_CHOICES = [(CouponKind.AMOUNT, _("Amount off (满减 or no-threshold cash)")),
                (CouponKind.PERCENT, _("Percent off (折扣)"))]
SCOPE_CHOICES = [(ProductScope.ALL, _("Goods and services")), (ProductScope.GOODS, _("Goods only")),
                 (ProductScope.SERVICES, _("Services only"))]


class TemplateForm(forms.Form):
    """A merchant's coupon template (marketing.manage.create_template)."""

    title = forms.CharField(label=_("Name"), max_length=60)
    kind = forms.ChoiceField(label=_("Kind"), choices=KIND_CHOICES)
    amount_off = _yuan(_("Amount off (yuan)"))
    percent_off = forms.IntegerField(label=_("Percent off (20 = 8折)"), required=False)
    max_off = _yuan(_("At most off (yuan, percent coupons)"))
    threshold = _yuan(_("Minimum spend (yuan, 0 = none)"), initial=0)
    product_scope = forms.ChoiceField(label=_("Applies to"), choices=SCOPE_CHOICES)
    products = forms.MultipleChoiceField(label=_("Only these products (optional)"), required=False)
    stores = forms.MultipleChoiceField(label=_("Only at these stores (optional)"), required=False,
                                       widget=forms.CheckboxSelectMultiple)
    valid_days = forms.IntegerField(label=_("Valid for days after claim"), required=False, initial=30)
    valid_from = forms.DateField(label=_("Or valid from"), required=False, widget=_date_input())
    valid_until = forms.DateField(label=_("Valid until (inclusive)"), required=False, widget=_date_input())
    total_quantity = forms.IntegerField(label=_("How many to hand out"), initial=100)
    per_customer_limit = forms.IntegerField(label=_("Per customer"), initial=1)
    new_customers_only = forms.BooleanField(label=_("New customers only (no paid order yet)"), required=False)
    exclusive_group = forms.CharField(label=_("Exclusive group (optional)"), max_length=32, required=False)
    return_on_refund = forms.BooleanField(label=_("Give the coupon back when the order is refunded"),
                                          required=False)

    def __init__(self, *args, products, stores, **kwargs) -> None:
        kwargs.setdefault("auto_id", "ct-%s")
        super().__init__(*args, **kwargs)
        self.fields["products"].choices = [(p.public_id, p.title) for p in products]
        self.fields["stores"].choices = [(s.public_id, s.name) for s in stores]
        self.fields["products"].widget.attrs["size"] = min(6, max(2, len(products)))

    def spec(self, zone: zoneinfo.ZoneInfo) -> TemplateSpec:
        d = self.cleaned_data
        fixed = d["valid_from"] is not None or d["valid_until"] is not None
        return TemplateSpec(
            title=d["title"], kind=d["kind"], amount_off_fen=fen(d["amount_off"]) or 0,
            percent_off=d["percent_off"] or 0, max_off_fen=fen(d["max_off"]),
            threshold_fen=fen(d["threshold"]) or 0, product_scope=d["product_scope"],
            products=d["products"], stores=d["stores"],
            valid_from=day_start(d["valid_from"], zone) if d["valid_from"] else None,
            valid_until=day_end(d["valid_until"], zone) if d["valid_until"] else None,
            # Dates win over the default number of days: the form shows both.
            valid_days=None if fixed else d["valid_days"],
            total_quantity=d["total_quantity"], per_customer_limit=d["per_customer_limit"],
            new_customers_only=d["new_customers_only"], exclusive_group=d["exclusive_group"],
            return_on_refund=d["return_on_refund"])


class PlatformTemplateForm(TemplateForm):
    """A platform coupon (no merchant, platform-funded) with its budget cap; operators only."""

    budget_cap = _yuan(_("Budget cap (yuan, optional)"))

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")  # the operator pages set labels above inputs
        super().__init__(*args, **kwargs)
        del self.fields["products"], self.fields["stores"]

    def spec(self, zone: zoneinfo.ZoneInfo) -> TemplateSpec:
        self.cleaned_data.setdefault("products", [])
        self.cleaned_data.setdefault("stores", [])
        spec = super().spec(zone)
        spec.merchant_share_bp = 0
        spec.budget_cap_fen = fen(self.cleaned_data["budget_cap"])
        return spec


class BudgetForm(forms.Form):
    """A platform template's budget cap (marketing.manage.update_template)."""

    budget_cap = _yuan(_("Budget cap (yuan)"), required=True)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class TierForm(forms.Form):
    """A spend tier (满200减30) from one day to another (marketing.manage.create_tier)."""

    threshold = _yuan(_("Spend at least (yuan)"), required=True)
    amount_off = _yuan(_("Take off (yuan)"), required=True)
    starts = forms.DateField(label=_("From"), widget=_date_input())
    ends = forms.DateField(label=_("Until (inclusive)"), widget=_date_input())

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", "tier-%s")
        super().__init__(*args, **kwargs)

    def values(self, zone: zoneinfo.ZoneInfo) -> dict:
        d = self.cleaned_data
        return {"threshold_fen": fen(d["threshold"]), "amount_off_fen": fen(d["amount_off"]),
                "starts_at": day_start(d["starts"], zone), "ends_at": day_end(d["ends"], zone)}


class PriceForm(forms.Form):
    """A limited-time price of one SKU (marketing.manage.create_sku_price)."""

    sku = forms.ChoiceField(label=_("SKU"))
    price = _yuan(_("Price (yuan)"), required=True)
    starts = forms.DateTimeField(label=_("From"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"), input_formats=["%Y-%m-%dT%H:%M"])
    ends = forms.DateTimeField(label=_("Until"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"), input_formats=["%Y-%m-%dT%H:%M"])

    def __init__(self, *args, products, **kwargs) -> None:
        kwargs.setdefault("auto_id", "price-%s")
        super().__init__(*args, **kwargs)
        self.fields["sku"].choices = [
            (sku.public_id, f"{p.title} · {sku.name}" if sku.name else p.title)
            for p in products for sku in p.skus.all() if sku.is_active]

    def values(self, zone: zoneinfo.ZoneInfo) -> dict:
        d = self.cleaned_data
        return {"sku": d["sku"], "price_fen": fen(d["price"]),
                "starts_at": _wall_clock(d["starts"], zone), "ends_at": _wall_clock(d["ends"], zone)}


def _wall_clock(value: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """datetime-local has no zone: the form made it aware in the site's zone; read the
    same wall-clock time in the merchant's zone instead."""
    if timezone.is_aware(value):
        value = timezone.make_naive(value)
    return value.replace(tzinfo=zone)
