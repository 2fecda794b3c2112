"""Web pages: storefront (/), merchant console (/console/), counter (/counter/), operators (/ops/)."""

from __future__ import annotations

from django.urls import include, path

from o2o.web import views_phone, wechat
from o2o.web.console import views_staff
from o2o.web.views_auth import LoginView, LogoutView

app_name = "web"

urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("login/phone/", views_phone.send_code, name="login_phone"),
    path("login/phone/code", views_phone.enter_code, name="login_phone_code"),
    path("auth/wechat/start", wechat.start, name="wechat_start"),
    path("auth/wechat/callback", wechat.callback, name="wechat_callback"),
    path("join/", views_staff.join, name="staff_join"),
    path("console/", include("o2o.web.console.urls")),
    path("counter/", include("o2o.web.counter.urls")),
    path("ops/", include("o2o.web.ops.urls")),
    path("", include("o2o.web.storefront.urls")),
]
