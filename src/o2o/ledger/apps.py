from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "o2o.ledger"
    label = "ledger"
    verbose_name = "Ledger"
