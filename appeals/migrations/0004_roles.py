from django.contrib.auth.management import create_permissions
from django.db import migrations

from ministries.roles import GROUP_PERMISSIONS


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for label in ("appeals", "ministries"):
        config = apps.get_app_config(label)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        codenames = [
            (app_label, f"{action}_{model}")
            for app_label, models in grants.items()
            for model, actions in models.items()
            for action in actions
        ]
        group.permissions.set(
            [Permission.objects.get(content_type__app_label=app, codename=code) for app, code in codenames]
        )


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
