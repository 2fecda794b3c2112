# The shipping rule now belongs to the freight app (below orders); its table stays.
# Only the migration state forgets it here, and admin permissions follow the model.

from django.db import migrations


def _move_content_type(apps, schema_editor):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    if not ContentType.objects.filter(app_label='freight', model='shippingrule').exists():
        ContentType.objects.filter(app_label='shipping', model='shippingrule').update(app_label='freight')


def _move_content_type_back(apps, schema_editor):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    if not ContentType.objects.filter(app_label='shipping', model='shippingrule').exists():
        ContentType.objects.filter(app_label='freight', model='shippingrule').update(app_label='shipping')


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('freight', '0001_initial'),
        ('shipping', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='ShippingRule')],
            database_operations=[],
        ),
        migrations.RunPython(_move_content_type, _move_content_type_back),
    ]
