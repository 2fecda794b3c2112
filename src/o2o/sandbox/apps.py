from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "o2o.sandbox"
    label = "sandbox"
    verbose_name = "Sandbox WeChat Pay gateway"

    def ready(self) -> None:
        from o2o.sandbox import tasks  # noqa: F401  (registers the periodic delivery task)
