"""`o2o demo`: the demo shop around Shenzhen Nanshan (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from o2o.demo import data, loader


class Command(BaseCommand):
    help = "Load the demo merchants, stores, catalog, slots, users and live offers. Safe to run again."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--no-tokens", action="store_true",
                            help="do not (re)issue API tokens for the demo users")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, no_tokens: bool, base_url: str, **options) -> None:
        summary = loader.load(tokens=not no_tokens)
        out = self.stdout.write
        out(self.style.SUCCESS(
            f"Demo ready: {len(summary.merchants)} merchants, {summary.stores} stores, "
            f"{summary.products} products ({summary.slots} new slots, {summary.offers} new offers)."))
        out(f"\nEvery demo user's password is: {data.DEMO_PASSWORD}\n")
        width = max(len(r) for r, _, _ in summary.logins)
        for role, username, token in summary.logins:
            line = f"  {role:<{width}}  {username:<22}"
            if token:
                line += f"  Bearer {token}"
            out(line)
        out(f"\nOpen:\n  Storefront  {base_url}/            (alice)\n"
            f"  Coupons     {base_url}/coupons/    (claim one, then check out)\n"
            f"  Console     {base_url}/console/    (salon_owner, shop_owner, hotpot_owner)\n"
            f"  Counter     {base_url}/counter/    (salon_staff, hotpot_staff_hitech, ...)\n"
            f"  Operators   {base_url}/ops/        (operator)\n"
            f"  API docs    {base_url}/api/docs\n  Admin       {base_url}/admin/  "
            f"(operator / {data.DEMO_PASSWORD})\n")
