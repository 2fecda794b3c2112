from django.contrib import admin
from django.http import JsonResponse
from django.urls import path

from o2o.api.main import api


def health(request):
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("healthz", health),
]
