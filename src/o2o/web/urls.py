"""Web pages: storefront (/), merchant console (/console/), counter (/counter/), operators (/ops/)."""

from __future__ import annotations

from django.urls import path
from django.views.generic import TemplateView

from o2o.web.views_auth import LoginView, LogoutView

app_name = "web"

urlpatterns = [
    path("", TemplateView.as_view(template_name="web/home.html"), name="home"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
]
