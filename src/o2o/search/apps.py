from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "o2o.search"
    label = "search"
    verbose_name = "Search"
