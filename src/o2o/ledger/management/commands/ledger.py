"""`o2o ledger check|settle|payout`: the books from the command line.

    o2o ledger check [--no-relay]   prove the books balance and match orders and the bill
    o2o ledger settle               settle what is due now (T+N)
    o2o ledger payout               batch settled statements into a payout
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from o2o.core.money import format_fen
from o2o.ledger import services


class Command(BaseCommand):
    help = "Ledger: check the books, settle due days, batch payouts."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="prove the books balance and match orders and the bill")
        check.add_argument("--no-relay", action="store_true",
                           help="do not post pending outbox events first")
        sub.add_parser("settle", help="settle every merchant's due business days")
        sub.add_parser("payout", help="batch settled statements into a payout")

    def handle(self, *args, action: str, **options) -> None:
        if action == "settle":
            made = services.settle_due()
            self.stdout.write(f"{len(made)} statement(s) created")
            return
        if action == "payout":
            payout = services.create_payout()
            self.stdout.write(f"payout {payout.public_id}: {format_fen(payout.total_fen)}" if payout
                              else "nothing to pay")
            return
        if not options.get("no_relay"):
            relayed = services.relay_pending()
            if relayed:
                self.stdout.write(f"posted {relayed} pending event(s) first")
        report = services.run_checks()
        for note in report.notes:
            self.stdout.write(f"note: {note}")
        if not report.ok:
            lines = ["The books do not check out:"]
            for check, problems in report.problems.items():
                if problems:
                    lines.append(f"  [FAIL] {check} ({len(problems)})")
                    lines.extend(f"      - {p}" for p in problems[:50])
                    if len(problems) > 50:
                        lines.append(f"      ... and {len(problems) - 50} more")
                else:
                    lines.append(f"  [ok]   {check}")
            self.stderr.write("\n".join(lines))
            raise CommandError("ledger check failed", returncode=1)
        s = report.stats
        self.stdout.write(self.style.SUCCESS(
            f"OK: {s['entries']} entries balance; {s['orders']} orders accounted for; "
            f"{s['statements']} statements match; held {format_fen(s['held_fen'])}, "
            f"payable {format_fen(s['payable_fen'])}, commission {format_fen(s['commission_fen'])}, "
            f"platform-funded discounts {format_fen(s['marketing_fen'])}, "
            f"{s['unsettled_entries']} entries awaiting settlement"))
