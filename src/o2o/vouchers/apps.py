from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "o2o.vouchers"
    label = "vouchers"
    verbose_name = "Vouchers"

    def ready(self) -> None:
        # Orders sits below vouchers: it calls this inside record_payment's transaction
        # instead of importing us, so a paid service order always has its vouchers.
        from o2o.orders.services import on_paid
        from o2o.vouchers.services import issue_for_order

        on_paid(issue_for_order)
