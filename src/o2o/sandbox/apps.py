from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """The sandbox gateway. Its periodic delivery task registers through core's
    autodiscovery of tasks modules."""

    name = "o2o.sandbox"
    label = "sandbox"
    verbose_name = "Sandbox WeChat Pay gateway"
