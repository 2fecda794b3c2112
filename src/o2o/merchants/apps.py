from django.apps import AppConfig


class MerchantsConfig(AppConfig):
    name = "o2o.merchants"
    label = "merchants"
    verbose_name = "Merchants"
