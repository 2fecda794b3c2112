"""Operator pages for money: reconciliation against the gateway's bill, held payments,
and the ledger check (the same report as `o2o ledger check`)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from o2o.core import clock
from o2o.core.errors import DomainError, NotFound
from o2o.ledger import selectors as ledger_selectors
from o2o.ledger import services as ledger
from o2o.payments import reconciliation, selectors
from o2o.payments import services as payments
from o2o.payments.models import DifferenceKind, ReconciliationRun, ReconciliationStatus
from o2o.web.ops.access import operator_only, refusal
from o2o.web.ops.forms import NoteForm, OptionalNoteForm, ReconcileForm

RUN_STATUS = {
    ReconciliationStatus.BALANCED: _("Balanced"), ReconciliationStatus.DIFFERENCES: _("Differences to resolve"),
    ReconciliationStatus.RESOLVED: _("Every difference resolved"),
    ReconciliationStatus.FAILED: _("Bill could not be fetched"),
}
DIFF_KIND = {
    DifferenceKind.MISSING_IN_PLATFORM: _("In the bill, not on the platform"),
    DifferenceKind.MISSING_IN_BILL: _("On the platform, not in the bill"),
    DifferenceKind.AMOUNT_MISMATCH: _("Amounts differ"), DifferenceKind.STATUS_MISMATCH: _("States differ"),
}
CHECK_LABELS = {
    "entries balance": _("Every journal entry balances"),
    "orders accounted for": _("Every paid order is accounted for"),
    "orders priced: paid + subsidy = gross - merchant discount":
        _("Each order: paid plus platform subsidy equals gross less the merchant's discount"),
    "marketing spend matches platform-funded discounts":
        _("Platform marketing spend matches the platform-funded discounts"),
    "merchant payables not negative": _("No merchant payable is negative"),
    "settlements match recognized amounts": _("Settlements match the recognized amounts"),
    "gateway clearing matches payments": _("Gateway clearing matches payments"),
    "ledger matches the gateway bill": _("The ledger matches the gateway's bill"),
}
PROBLEMS_SHOWN = 50


# --- reconciliation -----------------------------------------------------------------------

def _runs_page(request: HttpRequest, form: ReconcileForm | None = None, status: int = 200) -> HttpResponse:
    runs = selectors.reconciliation_runs(request.user).order_by("-bill_date")[:60]
    return render(request, "web/ops/reconciliation.html", {"section": "reconciliation",
        "runs": runs, "labels": RUN_STATUS,
        "form": form or ReconcileForm(initial={"bill_date": _yesterday()}),
        "unresolved": selectors.differences(request.user, resolved=False).count(),
    }, status=status)


def _yesterday() -> dt.date:
    """The last whole business day (Asia/Shanghai): the day usually reconciled."""
    return clock.now().astimezone(reconciliation.SHANGHAI).date() - dt.timedelta(days=1)


@require_GET
@operator_only
def run_list(request: HttpRequest) -> HttpResponse:
    return _runs_page(request)


@require_POST
@operator_only
def run_reconcile(request: HttpRequest) -> HttpResponse:
    form = ReconcileForm(request.POST)
    if not form.is_valid():
        return _runs_page(request, form, status=422)
    day = form.cleaned_data["bill_date"]
    try:
        run = reconciliation.reconcile(day)
    except payments.GatewayUnavailable as exc:
        refusal(request, exc)  # the failure is recorded on the day's run
        try:
            run = selectors.run_of_day(request.user, day)
        except NotFound:
            return HttpResponseRedirect(reverse("web:ops_runs"))
    except DomainError as exc:
        refusal(request, exc)
        return _runs_page(request, form, status=422)
    else:
        messages.success(request, _("The day is reconciled."))
    return HttpResponseRedirect(reverse("web:ops_run", args=[run.public_id]))


def _run(operator, run_id: str) -> ReconciliationRun:
    try:
        return selectors.reconciliation_run(operator, run_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _run_page(request: HttpRequest, run: ReconciliationRun, bad: tuple[str, NoteForm] | None = None,
              status: int = 200) -> HttpResponse:
    diffs = selectors.run_differences(run)
    for d in diffs:
        d.kind_label = DIFF_KIND.get(d.kind, d.kind)
        d.form = bad[1] if bad and bad[0] == d.public_id else NoteForm(auto_id=f"id_{d.public_id}_%s")
    return render(request, "web/ops/run.html", {"section": "reconciliation",
        "run": run, "status_label": RUN_STATUS.get(run.status, run.status), "diffs": diffs,
    }, status=status)


@require_GET
@operator_only
def run_detail(request: HttpRequest, run_id: str) -> HttpResponse:
    return _run_page(request, _run(request.user, run_id))


@require_POST
@operator_only
def difference_resolve(request: HttpRequest, difference_id: str) -> HttpResponse:
    try:
        diff = selectors.difference(request.user, difference_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    form = NoteForm(request.POST, auto_id=f"id_{diff.public_id}_%s")
    if not form.is_valid():
        return _run_page(request, diff.run, (diff.public_id, form), status=422)
    try:
        reconciliation.resolve_difference(request.user, diff.public_id, form.cleaned_data["note"])
    except DomainError as exc:
        refusal(request, exc)
    else:
        messages.success(request, _("The difference is resolved."))
    return HttpResponseRedirect(reverse("web:ops_run", args=[diff.run.public_id]))


# --- held payments ------------------------------------------------------------------------

def _held_page(request: HttpRequest, bad: tuple[str, str, NoteForm | OptionalNoteForm] | None = None,
               status: int = 200) -> HttpResponse:
    rows = list(selectors.open_held(request.user)[:200])
    for h in rows:
        h.refund_form = OptionalNoteForm(auto_id=f"id_{h.public_id}_refund_%s")
        h.dismiss_form = NoteForm(auto_id=f"id_{h.public_id}_dismiss_%s")
        if bad and bad[0] == h.public_id:
            setattr(h, f"{bad[1]}_form", bad[2])
    done = selectors.recently_resolved_held(request.user)[:20]
    return render(request, "web/ops/held.html", {"section": "held", "rows": rows, "done": done}, status=status)


@require_GET
@operator_only
def held_list(request: HttpRequest) -> HttpResponse:
    return _held_page(request)


@require_POST
@operator_only
def held_decide(request: HttpRequest, held_id: str, action: str) -> HttpResponse:
    try:
        held = selectors.held_payment(request.user, held_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    form_class = OptionalNoteForm if action == "refund" else NoteForm
    form = form_class(request.POST, auto_id=f"id_{held.public_id}_{action}_%s")
    if not form.is_valid():
        return _held_page(request, (held.public_id, action, form), status=422)
    try:
        if action == "refund":
            payments.refund_held_payment(request.user, held.public_id, form.cleaned_data["note"])
        else:
            payments.dismiss_held_payment(request.user, held.public_id, form.cleaned_data["note"])
    except DomainError as exc:
        refusal(request, exc)
    else:
        messages.success(request, _("The money is being refunded to the payer.") if action == "refund"
                         else _("The held payment is dismissed."))
    return HttpResponseRedirect(reverse("web:ops_held"))


# --- ledger check ---------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
@operator_only
def ledger_check(request: HttpRequest) -> HttpResponse:
    """GET reads the books as they are; the button (POST) first posts what the outbox
    still holds, as `o2o ledger check` does, then checks."""
    relayed = ledger.relay_pending() if request.method == "POST" else None
    report = ledger.run_checks()
    checks = [{"name": name, "label": CHECK_LABELS.get(name, name), "ok": not problems,
               "count": len(problems), "problems": problems[:PROBLEMS_SHOWN]}
              for name, problems in report.problems.items()]
    return render(request, "web/ops/ledger.html", {"section": "ledger",
        "report": report, "checks": checks, "stats": report.stats, "relayed": relayed,
        "pending": ledger_selectors.unrelayed_event_count(request.user),
        "checked_at": clock.now(),
    })
