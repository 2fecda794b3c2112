from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "o2o.orders"
    label = "orders"
    verbose_name = "Orders"
