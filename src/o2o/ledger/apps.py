from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "o2o.ledger"
    label = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        from o2o.ledger import handlers, tasks  # noqa: F401  (outbox subscribers, periodic tasks)
