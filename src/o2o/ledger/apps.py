from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "o2o.ledger"
    label = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        # Subscribe to the outbox once every app's models are loaded (the handlers import
        # them). The periodic tasks in ledger.tasks register through core's autodiscovery.
        from o2o.ledger import handlers  # noqa: F401
