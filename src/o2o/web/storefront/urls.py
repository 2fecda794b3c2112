from __future__ import annotations

from django.urls import path
from django.views.generic import TemplateView

# The storefront's home; the storefront pages replace this placeholder.
urlpatterns: list = [
    path("", TemplateView.as_view(template_name="web/home.html"), name="home"),
]
