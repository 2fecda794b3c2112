from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "o2o.search"
    label = "search"
    verbose_name = "Search"

    def ready(self) -> None:
        from o2o.search import handlers  # noqa: F401  (subscribes to the outbox)
