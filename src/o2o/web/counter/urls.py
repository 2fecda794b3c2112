from __future__ import annotations

from django.urls import path

from o2o.web.counter import views

urlpatterns: list = [
    path("", views.index, name="counter"),
    path("sw.js", views.service_worker, name="counter_sw"),
    path("store/", views.pick, name="counter_pick"),
    path("lookup/", views.lookup, name="counter_lookup"),
    path("redeem/", views.redeem, name="counter_redeem"),
    path("undo/<str:redemption_id>/", views.undo, name="counter_undo"),
    path("recent/", views.recent, name="counter_recent"),
]
