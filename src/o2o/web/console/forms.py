"""Forms of the console pages. They only parse input into Python values; the rules
(time ranges, capacity bounds, which store serves which service) live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

WEEKDAYS = [(1, _("Mon")), (2, _("Tue")), (3, _("Wed")), (4, _("Thu")), (5, _("Fri")),
            (6, _("Sat")), (7, _("Sun"))]


def _date_input() -> forms.DateInput:
    # ISO whatever the language: <input type="date"> only takes YYYY-MM-DD.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ScheduleForm(forms.Form):
    """A weekly schedule of one slot service at one store (inventory.services.create_schedule)."""

    product = forms.ChoiceField(label=_("Service"))
    store = forms.ChoiceField(label=_("Store"))
    weekdays = forms.TypedMultipleChoiceField(label=_("Weekdays"), choices=WEEKDAYS, coerce=int,
                                              widget=forms.CheckboxSelectMultiple)
    start_time = forms.TimeField(label=_("Opens at"),
                                 widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end_time = forms.TimeField(label=_("Closes at"),
                               widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    slot_minutes = forms.IntegerField(label=_("Slot length (minutes)"), initial=60)
    capacity = forms.IntegerField(label=_("Capacity per slot"), initial=1)
    valid_from = forms.DateField(label=_("Valid from"), widget=_date_input())
    valid_until = forms.DateField(label=_("Valid until (optional)"), required=False,
                                  widget=_date_input())

    def __init__(self, *args, products, stores, **kwargs) -> None:
        kwargs.setdefault("auto_id", "sc-%s")
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = [(p.public_id, p.title) for p in products]
        self.fields["store"].choices = [(s.public_id, s.name) for s in stores]
