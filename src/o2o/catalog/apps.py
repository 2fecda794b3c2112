from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "o2o.catalog"
    label = "catalog"
    verbose_name = "Catalog"
