from django.apps import AppConfig


class ShippingConfig(AppConfig):
    name = "o2o.shipping"
    label = "shipping"
    verbose_name = "Shipping"

    def ready(self) -> None:
        # Orders owns the cancel but sits below shipping and payments: shipping lends it
        # the refund-and-restock step here instead of orders importing us.
        from o2o.orders.services import set_paid_canceller
        from o2o.shipping.services import refund_before_shipment

        set_paid_canceller(refund_before_shipment)
