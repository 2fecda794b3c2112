# The shipping rule moves here from the shipping app, table and rows unchanged: this
# migration only records the model in freight's state (shipping 0001 created the table).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('merchants', '0002_store_coordinate_checks'),
        ('shipping', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ShippingRule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('free', 'Free shipping'), ('flat', 'Flat fee'), ('free_over', 'Flat fee, free over an amount'), ('by_weight', 'By weight')], default='free', max_length=10)),
                        ('flat_fee_fen', models.PositiveIntegerField(default=0)),
                        ('free_over_fen', models.PositiveIntegerField(blank=True, null=True)),
                        ('first_weight_grams', models.PositiveIntegerField(default=1000)),
                        ('first_fee_fen', models.PositiveIntegerField(default=0)),
                        ('extra_weight_grams', models.PositiveIntegerField(default=1000)),
                        ('extra_fee_fen', models.PositiveIntegerField(default=0)),
                        ('updated_at', models.DateTimeField()),
                        ('merchant', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='shipping_rule', to='merchants.merchant')),
                    ],
                    options={
                        'db_table': 'shipping_shippingrule',
                        'constraints': [models.CheckConstraint(condition=models.Q(('extra_weight_grams__gte', 1)), name='ship_rule_extra_weight_pos')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
