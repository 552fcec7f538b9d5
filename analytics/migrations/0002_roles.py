from django.db import migrations

from ministries.roles import sync_group_permissions


def sync(apps, schema_editor):
    # Operators see the spike alerts and the weekly reports; a ministry's people its alerts.
    sync_group_permissions(apps)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_initial"), ("appeals", "0010_spike_notifications")]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
