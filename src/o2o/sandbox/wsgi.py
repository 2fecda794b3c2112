"""WSGI application of the standalone sandbox gateway: the project's settings, but each
request resolved against the sandbox's URLs only."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "o2o.settings")

import django  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402

django.setup(set_prefix=False)


class SandboxHandler(WSGIHandler):
    def get_response(self, request):
        request.urlconf = "o2o.sandbox.standalone_urls"
        return super().get_response(request)


application = SandboxHandler()
