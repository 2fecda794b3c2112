"""URLconf of the standalone sandbox gateway (`o2o sandbox-gateway`): only its URLs, at /."""

from django.urls import include, path

urlpatterns = [path("", include("o2o.sandbox.urls"))]
