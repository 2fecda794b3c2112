from django.apps import AppConfig


class ShippingConfig(AppConfig):
    name = "o2o.shipping"
    label = "shipping"
    verbose_name = "Shipping"
