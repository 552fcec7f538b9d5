from django.db import migrations

from ministries.roles import GROUP_PERMISSIONS, sync_group_permissions


def create_groups(apps, schema_editor):
    sync_group_permissions(apps)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0003_intake"),
        ("ministries", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
