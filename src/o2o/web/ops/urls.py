"""Operator pages at /ops/ (platform operators only)."""

from __future__ import annotations

from django.urls import path

from o2o.web.ops import counter, disputes, marketing, merchants, money

urlpatterns: list = [
    path("", merchants.home, name="ops_home"),
    path("merchants/", merchants.merchant_list, name="ops_merchants"),
    path("merchants/<str:merchant_id>/", merchants.merchant_detail, name="ops_merchant"),
    *[path(f"merchants/<str:merchant_id>/{action}/", merchants.merchant_review, {"action": action},
           name=f"ops_merchant_{action}") for action in ("approve", "reject", "suspend", "reinstate")],
    path("disputes/", disputes.dispute_list, name="ops_disputes"),
    path("disputes/<str:ret_id>/", disputes.dispute_detail, name="ops_dispute"),
    path("disputes/<str:ret_id>/arbitrate/", disputes.dispute_arbitrate, name="ops_arbitrate"),
    path("reconciliation/", money.run_list, name="ops_runs"),
    path("reconciliation/run/", money.run_reconcile, name="ops_reconcile"),
    path("reconciliation/<str:run_id>/", money.run_detail, name="ops_run"),
    path("differences/<str:difference_id>/resolve/", money.difference_resolve, name="ops_resolve"),
    path("held/", money.held_list, name="ops_held"),
    *[path(f"held/<str:held_id>/{action}/", money.held_decide, {"action": action}, name=f"ops_held_{action}")
      for action in ("refund", "dismiss")],
    path("ledger/", money.ledger_check, name="ops_ledger"),
    path("counter/conflicts/", counter.conflicts, name="ops_counter_conflicts"),
    path("marketing/", marketing.spend, name="ops_marketing"),
    path("marketing/coupons/", marketing.template_add, name="ops_template_add"),
    path("marketing/coupons/<str:template_id>/budget/", marketing.budget, name="ops_template_budget"),
    *[path(f"marketing/coupons/<str:template_id>/{action}/", marketing.move, {"action": action},
           name=f"ops_template_{action}") for action in ("pause", "resume", "stop")],
]
