"""The operators' admin shows endpoints without their secrets and the delivery log."""

from __future__ import annotations

import pytest
from django.test import Client

from o2o.accounts.models import Role
from o2o.webhooks import services
from o2o.webhooks.models import Delivery
from tests import factories

pytestmark = pytest.mark.django_db


def test_admin_pages_show_no_secret() -> None:
    m = factories.merchant()
    endpoint, secret = services.create_endpoint(m.owner, "http://127.0.0.1:9/hooks", ["*"])
    services.ping(m.owner, endpoint.public_id)
    operator = factories.user(Role.OPERATOR)
    operator.is_staff = operator.is_superuser = True
    operator.save()
    c = Client()
    c.force_login(operator)
    page = c.get(f"/admin/webhooks/endpoint/{endpoint.pk}/change/")
    assert page.status_code == 200 and secret not in page.content.decode()
    assert endpoint.secret_sealed not in page.content.decode()
    d = Delivery.objects.get()
    assert c.get(f"/admin/webhooks/delivery/{d.pk}/change/").status_code == 200
    assert c.get("/admin/webhooks/delivery/").status_code == 200
