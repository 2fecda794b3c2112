from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "o2o.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        # Subscribe to the outbox once every app's models are loaded. The periodic
        # delivery task registers through core's autodiscovery of tasks modules.
        from o2o.webhooks import handlers  # noqa: F401
