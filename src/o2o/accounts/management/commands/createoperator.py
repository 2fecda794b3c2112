"""`o2o createoperator NAME`: a platform operator account (reviews merchants, uses the
admin). Lives in accounts, which owns users, so core imports no app above it."""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError

from o2o.accounts import services
from o2o.accounts.models import Role
from o2o.core.errors import DomainError


class Command(BaseCommand):
    help = "Create a platform operator (reviews merchants, uses the admin)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--password", help="omit to be asked (not echoed)")
        parser.add_argument("--email", default="")

    def handle(self, *args, username: str, password: str | None, email: str, **options) -> None:
        if password is None:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("the passwords differ")
        try:
            user = services.create_user(username, password, role=Role.OPERATOR, email=email)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(f"operator {user.username} created"))
