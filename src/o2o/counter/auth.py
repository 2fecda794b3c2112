"""Device-token authentication of the counter's offline endpoints:
`Authorization: Bearer ctd_…`. Only device tokens pass here, and they pass nowhere
else (user tokens have another prefix and another table). Writes the device's
last_seen_at (through counter.services)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from o2o.counter import services
from o2o.counter.models import CounterDevice


class DeviceTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> CounterDevice | None:
        return services.device_for_token(token)


device_auth = DeviceTokenAuth()
