# Orders record the money refunded to the customer; existing orders get the sum of their
# succeeded refunds (payments.Refund, read through the migration state).

from django.db import migrations, models
from django.db.models import Sum


def _backfill(apps, schema_editor):
    Order = apps.get_model('orders', 'Order')
    Refund = apps.get_model('payments', 'Refund')
    totals = (Refund.objects.filter(status='succeeded').values('payment__order_id')
              .annotate(total=Sum('amount_fen')).values_list('payment__order_id', 'total'))
    for order_id, total in totals.iterator():
        Order.objects.filter(pk=order_id).update(refunded_fen=total)


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0002_order_pickup_store_order_shipping_fee_fen_and_more'),
        ('payments', '0002_reconciliation_held_resolution'),
    ]

    operations = [
        migrations.AddField(
            model_name='order',
            name='refunded_fen',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(_backfill, migrations.RunPython.noop),
    ]
