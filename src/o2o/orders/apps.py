from django.apps import AppConfig

from o2o.marketing.hooks import set_paid_history


class OrdersConfig(AppConfig):
    name = "o2o.orders"
    label = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        # Marketing sits below orders: its new-customer rule asks orders through a hook
        # instead of importing us.
        from o2o.orders.services import has_paid_order

        set_paid_history(has_paid_order)
