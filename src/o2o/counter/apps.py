from django.apps import AppConfig


class CounterConfig(AppConfig):
    name = "o2o.counter"
    label = "counter"
    verbose_name = "Offline counter"

    def ready(self) -> None:
        # Orders sits below the counter: a paid charge order of an offline conflict is
        # redeemed in record_payment's transaction, after vouchers issued it (installed
        # after vouchers, so its hook runs second).
        from o2o.counter.resolve import on_charge_paid
        from o2o.orders.services import on_paid

        on_paid(on_charge_paid)
