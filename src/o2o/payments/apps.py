from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "o2o.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from o2o.payments import tasks  # noqa: F401  (registers the periodic tasks)
