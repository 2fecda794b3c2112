"""The WSGI application `o2o serve` runs (granian), warmed up before it takes requests.

Writes nothing (the sandbox's demo keys are generated into the data folder on first use).
Warm-up: importing every view and API router and building the payment gateway client at
start, so the first burst of requests does not pay for it while holding every request
thread (16 first payers took ~2 s and held /healthz that long before this).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "o2o.settings")
application = get_wsgi_application()  # sets Django up: the imports below need the app registry

from django.urls import get_resolver  # noqa: E402

from o2o.payments.providers import get_gateway  # noqa: E402

get_resolver().url_patterns  # noqa: B018 - imports every view module and API router
get_gateway()
