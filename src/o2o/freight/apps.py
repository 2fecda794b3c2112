from django.apps import AppConfig


class FreightConfig(AppConfig):
    name = "o2o.freight"
    label = "freight"
    verbose_name = "Shipping fees"
