"""Forms of the operator pages: each only checks shape; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class OpsForm(forms.Form):
    """No colon after labels (the pages set labels above their inputs, in both languages)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ReasonForm(OpsForm):
    """Reject or suspend a merchant: the reason is shown to the merchant."""

    reason = forms.CharField(label=_("Reason"), max_length=500, required=True, strip=True,
                             widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("A reason is required.")})


class ArbitrateForm(OpsForm):
    decision = forms.ChoiceField(label=_("Outcome"), widget=forms.RadioSelect, choices=[
        ("approve", _("Approve: the customer is refunded")),
        ("reject", _("Reject: the request is closed")),
    ], error_messages={"required": _("Choose approve or reject.")})
    note = forms.CharField(label=_("Note"), max_length=200, strip=True,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": _("A note is required.")})


class NoteForm(OpsForm):
    """Resolve a reconciliation difference or dismiss a held payment."""

    note = forms.CharField(label=_("Note"), max_length=300, strip=True,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           error_messages={"required": _("A note is required.")})


class OptionalNoteForm(OpsForm):
    note = forms.CharField(label=_("Note"), max_length=300, required=False, strip=True,
                           widget=forms.Textarea(attrs={"rows": 2}))


class ReconcileForm(OpsForm):
    bill_date = forms.DateField(label=_("Business day"), widget=forms.DateInput(attrs={"type": "date"}),
                                input_formats=["%Y-%m-%d"],
                                error_messages={"required": _("Choose a day."),
                                                "invalid": _("Enter a date as YYYY-MM-DD.")})
