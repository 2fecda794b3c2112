"""O2O_SETTLEMENT_DAYS=0 settled the business day in progress: its later redemptions
fell inside a period that already had its statement and `ledger check` failed. The
setting is refused by a system check, read as 1 at run time, and settlement never
touches a day that has not ended."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import checks

from o2o.core import clock
from o2o.ledger import conf
from o2o.ledger import services as ledger
from o2o.ledger.services.check import run_checks
from o2o.ledger.services.settlement import cutoff_date
from o2o.vouchers import services as vouchers
from o2o.vouchers.models import Voucher
from tests.ledger.helpers import buy, gateway, relay  # noqa: F401
from tests.vouchers import builders as vb

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOON = dt.datetime(2026, 3, 10, 12, 0, tzinfo=SHANGHAI)


@pytest.mark.django_db
@pytest.mark.parametrize("days", ["0", "-3"])
def test_zero_days_does_not_settle_the_day_in_progress(gateway, monkeypatch, days):  # noqa: F811
    monkeypatch.setenv("O2O_SETTLEMENT_DAYS", days)
    with clock.frozen(NOON):
        w = vb.world()
        product = vb.service(w.merchant, price_fen=5000, uses=2)
        order = buy(w.customer, product.skus.get(), 1)
        voucher = Voucher.objects.get(order=order)
        vouchers.redeem(w.staff, w.store.public_id, voucher.code, 1)
        relay()
        assert ledger.settle_due() == []  # the day is not over
        clock.advance(dt.timedelta(hours=3))
        vouchers.redeem(w.staff, w.store.public_id, voucher.code, 1)
        relay()
        assert run_checks().ok
        clock.advance(dt.timedelta(days=1))
        (stmt,) = ledger.settle_due()
        assert (stmt.period_end, stmt.entry_count, stmt.gross_fen) == (NOON.date(), 2, 5000)
        assert run_checks().ok


@pytest.mark.parametrize("days", [0, 1, 2, 5])
def test_the_cutoff_is_never_a_day_that_has_not_ended(monkeypatch, days):
    monkeypatch.setenv("O2O_SETTLEMENT_DAYS", str(days))
    for hour in range(0, 24, 5):
        now = dt.datetime(2026, 3, 10, hour, 59, tzinfo=SHANGHAI)
        cutoff = cutoff_date(now)
        ended = dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time(), tzinfo=SHANGHAI)
        assert ended + conf.settlement_grace() <= now, (days, hour, cutoff)
        assert cutoff == (now - conf.settlement_grace()).date() - dt.timedelta(days=max(days, 1))


@pytest.mark.parametrize(("value", "errors"), [("0", 1), ("-1", 1), ("two", 1), ("1", 0), ("3", 0)])
def test_a_system_check_refuses_values_that_break_the_books(monkeypatch, value, errors):
    monkeypatch.setenv("O2O_SETTLEMENT_DAYS", value)
    found = [m for m in checks.run_checks() if m.id == "o2o.ledger.E001"]
    assert len(found) == errors
    assert conf.settlement_days() >= 1
