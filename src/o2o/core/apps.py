from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "o2o.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Import every app's tasks module so periodic tasks register with the scheduler.
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("tasks")
