"""The sandbox OAuth server's URLs, mounted under /sandbox/wechat/: WeChat's own paths
(open.weixin.qq.com/connect/... and api.weixin.qq.com/sns/...) on one base URL."""

from django.urls import path

from o2o.sandbox import oauth_views as views

app_name = "sandbox-oauth"

urlpatterns = [
    path("", views.device, name="device"),
    path("connect/oauth2/authorize", views.authorize, name="authorize"),
    path("connect/qrconnect", views.authorize, {"qr": True}, name="qrconnect"),
    path("sns/oauth2/access_token", views.access_token, name="access-token"),
    path("sns/oauth2/refresh_token", views.refresh_token, name="refresh-token"),
    path("sns/userinfo", views.userinfo, name="userinfo"),
    path("sns/auth", views.check, name="auth"),
]
