"""`o2o demo` and `o2o createoperator` run from the apps that own what they write (demo,
accounts), not from core."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from o2o.accounts.models import Role, User
from o2o.demo import data


@pytest.mark.django_db
def test_demo_command_loads_the_shop_and_prints_the_logins(capsys):
    call_command("demo", "--no-tokens", "--base-url", "http://127.0.0.1:8200")
    out = capsys.readouterr().out
    assert out.startswith("Demo ready:") and data.DEMO_PASSWORD in out
    assert "Storefront  http://127.0.0.1:8200/" in out
    assert User.objects.filter(username="operator", role=Role.OPERATOR).exists()


@pytest.mark.django_db
def test_createoperator_creates_an_operator_and_refuses_a_taken_name(capsys):
    call_command("createoperator", "ops_lead", "--password", "a-long-passphrase-2026")
    assert "operator ops_lead created" in capsys.readouterr().out
    user = User.objects.get(username="ops_lead")
    assert user.role == Role.OPERATOR and user.check_password("a-long-passphrase-2026")
    with pytest.raises(CommandError):
        call_command("createoperator", "ops_lead", "--password", "another-passphrase-2026")
