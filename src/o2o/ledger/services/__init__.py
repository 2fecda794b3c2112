"""Every write of the ledger. Other apps call these names from `o2o.ledger.services`."""

from o2o.ledger.services.check import Report, run_checks
from o2o.ledger.services.journal import (
    Line,
    Unbalanced,
    account,
    balance,
    balances,
    payable,
    post,
    raw_balance,
)
from o2o.ledger.services.payouts import bank_file_csv, create_payout, get_payout, mark_paid, yuan
from o2o.ledger.services.settlement import cutoff_date, relay_pending, settle_due, settle_merchant

__all__ = [
    "Line", "Report", "Unbalanced", "account", "balance", "balances", "bank_file_csv", "create_payout",
    "cutoff_date", "get_payout", "mark_paid", "payable", "post", "raw_balance", "relay_pending", "run_checks",
    "settle_due", "settle_merchant", "yuan",
]
