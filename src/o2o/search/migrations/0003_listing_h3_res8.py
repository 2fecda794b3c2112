"""Nearby queries of a few kilometres read res-8 cells (7x fewer cells to list than res 9
for the same disk, for ~20% more candidate rows): the fine column becomes h3_r8."""

import h3
from django.db import migrations, models


def recompute(apps, schema_editor) -> None:
    Listing = apps.get_model("search", "Listing")
    for row in Listing.objects.only("pk", "lat", "lng").iterator():
        Listing.objects.filter(pk=row.pk).update(h3_r8=h3.latlng_to_cell(row.lat, row.lng, 8))


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]

    operations = [
        migrations.RemoveIndex(model_name="listing", name="search_lst_r9"),
        migrations.RenameField(model_name="listing", old_name="h3_r9", new_name="h3_r8"),
        migrations.AddIndex(model_name="listing",
                            index=models.Index(fields=["h3_r8", "lat", "lng"], name="search_lst_r8")),
        migrations.RunPython(recompute, migrations.RunPython.noop),
    ]
