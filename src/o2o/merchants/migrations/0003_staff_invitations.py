import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import o2o.core.ids


def restore_taken_over_customers(apps, schema_editor):
    """Customers that were once attached as staff by username had their role changed to
    merchant_staff (event user.role_changed); work accounts were created with it. Being
    staff is now the membership alone, so those people get their customer side back."""
    User = apps.get_model("accounts", "User")
    OutboxEvent = apps.get_model("core", "OutboxEvent")
    changed = {
        aggregate_id for aggregate_id, payload in OutboxEvent.objects.filter(
            event_type="user.role_changed", aggregate_type="user").values_list("aggregate_id", "payload")
        if isinstance(payload, dict) and payload.get("role") == "merchant_staff"
    }
    if changed:
        User.objects.filter(role="merchant_staff", public_id__in=changed).update(role="customer")


class Migration(migrations.Migration):

    dependencies = [
        ('merchants', '0002_store_coordinate_checks'),
        ('core', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='staffmember',
            name='display_name',
            field=models.CharField(blank=True, default='', max_length=100),
        ),
        migrations.CreateModel(
            name='StaffInvitation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('public_id', models.CharField(default=o2o.core.ids.new_sti_id, editable=False, max_length=24, unique=True)),
                ('code_digest', models.CharField(max_length=64, unique=True)),
                ('label', models.CharField(blank=True, default='', max_length=100)),
                ('created_at', models.DateTimeField()),
                ('expires_at', models.DateTimeField()),
                ('accepted_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('accepted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('merchant', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to='merchants.merchant')),
                ('stores', models.ManyToManyField(blank=True, related_name='+', to='merchants.store')),
            ],
            options={
                'ordering': ['-id'],
            },
        ),
        migrations.RunPython(restore_taken_over_customers, migrations.RunPython.noop),
    ]
