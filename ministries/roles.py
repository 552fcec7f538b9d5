"""Who plays which part.

Three groups, kept by a ``post_migrate`` handler (``sync_after_migrate``): the press service's
operators, the ministry heads and the specialists. The groups give model permissions (what the
admin shows); what rows a person sees and may change follows from their role and their
``Official`` record — see ``appeals/access.py``.
"""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

OPERATORS_GROUP = "Операторы пресс-службы"
HEADS_GROUP = "Руководители ведомств"
SPECIALISTS_GROUP = "Специалисты ведомств"

# Model permissions of each group: {app_label: {model: [actions]}}.
GROUP_PERMISSIONS = {
    OPERATORS_GROUP: {
        "appeals": {
            "appeal": ["view", "add", "change"],
            "appealevent": ["view"],
            "topic": ["view", "add", "change"],
            "appealmessage": ["view"],
            "inboundevent": ["view", "change"],
            "routingrule": ["view", "add", "change", "delete"],
            "municipality": ["view", "add", "change"],
            "settlement": ["view", "add", "change", "delete"],
            "answertemplate": ["view", "add", "change", "delete"],
            "routingmodelversion": ["view"],
            "routingsettings": ["view", "change"],
        },
        "ministries": {
            "ministry": ["view", "add", "change"],
            "official": ["view", "add", "change"],
            "socialaccount": ["view", "add", "change"],
        },
        "analytics": {"spikealert": ["view"], "weeklyreport": ["view"]},
        "notifications": {"notification": ["view"]},
    },
    HEADS_GROUP: {
        "appeals": {
            "appeal": ["view", "change"],
            "appealevent": ["view"],
            "topic": ["view"],
            "appealmessage": ["view"],
            "answertemplate": ["view", "add", "change", "delete"],
        },
        "ministries": {"ministry": ["view"], "official": ["view"]},
        "analytics": {"spikealert": ["view"]},
        "notifications": {"notification": ["view"]},
    },
    SPECIALISTS_GROUP: {
        "appeals": {
            "appeal": ["view", "change"],
            "appealevent": ["view"],
            "topic": ["view"],
            "appealmessage": ["view"],
            "answertemplate": ["view"],
        },
        "ministries": {"official": ["view"]},
        "analytics": {"spikealert": ["view"]},
        "notifications": {"notification": ["view"]},
    },
}


def sync_after_migrate(sender, apps=None, **kwargs) -> None:
    """``post_migrate``: after every ``migrate`` (and a test database's flush) the three groups
    exist with exactly their permissions (a new model's included), in a new database and an
    upgraded one."""
    from django.apps import apps as installed

    sync_group_permissions(apps or installed)


def sync_group_permissions(apps) -> None:
    """Create the groups and give them exactly GROUP_PERMISSIONS."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations; the groups need them now.
    for label in {app_label for grants in GROUP_PERMISSIONS.values() for app_label in grants}:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue  # an app whose models a later migration creates (it syncs again then)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        wanted = [
            (app_label, f"{action}_{model}")
            for app_label, models in grants.items()
            for model, actions in models.items()
            for action in actions
        ]
        # Models a later migration creates get their permissions when that migration syncs again.
        existing = {
            (app, code): permission
            for permission in Permission.objects.filter(content_type__app_label__in=grants).select_related(
                "content_type"
            )
            for app, code in [(permission.content_type.app_label, permission.codename)]
        }
        group.permissions.set([existing[key] for key in wanted if key in existing])


def operator_users() -> QuerySet:
    """Active logins of the press-service operators (they receive escalations)."""
    return get_user_model().objects.filter(is_active=True, groups__name=OPERATORS_GROUP).distinct()


def group_for(official) -> str:
    """The group an official's login belongs in: heads and deputies manage, specialists work."""
    return SPECIALISTS_GROUP if official.role == "specialist" else HEADS_GROUP


def give_access(official) -> None:
    """Let an official's login into the admin with the permissions of their role."""
    from django.contrib.auth.models import Group

    user = official.user
    if user is None:
        return
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.remove(*Group.objects.filter(name__in=[HEADS_GROUP, SPECIALISTS_GROUP]))
    user.groups.add(Group.objects.get(name=group_for(official)))
