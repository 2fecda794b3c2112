from django.contrib import admin
from django.http import JsonResponse
from django.urls import include, path

from o2o.api.main import api
from o2o.payments.views import wechatpay_notify


def health(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("healthz", health),
    path("payments/wechatpay/notify", wechatpay_notify, name="wechatpay-notify"),
    path("sandbox/wechatpay/", include("o2o.sandbox.urls")),
    path("sandbox/wechat/", include("o2o.sandbox.oauth_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("o2o.web.urls")),
]
