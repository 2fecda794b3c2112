from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _sandbox_sms(settings):
    settings.O2O_SMS = {"PROVIDER": "sandbox"}
    cache.clear()  # the one-a-minute gate lives in the cache
    yield
    cache.clear()
