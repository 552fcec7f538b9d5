from django.db import migrations

from ministries.roles import sync_group_permissions


def sync(apps, schema_editor):
    # Operators manage the routing rules and the gazetteer.
    sync_group_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [("appeals", "0007_municipalities")]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
