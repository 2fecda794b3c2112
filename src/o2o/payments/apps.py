from django.apps import AppConfig
from django.core import checks

from o2o.payments.checks import sandbox_gateway_check


class PaymentsConfig(AppConfig):
    name = "o2o.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from o2o.payments import tasks  # noqa: F401  (registers the periodic tasks)

        checks.register(sandbox_gateway_check)
