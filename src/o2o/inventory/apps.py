from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "o2o.inventory"
    label = "inventory"
    verbose_name = "Inventory"
