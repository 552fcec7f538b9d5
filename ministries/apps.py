from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MinistriesConfig(AppConfig):
    name = "ministries"
    verbose_name = _("Ministries and accounts")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import roles

        # The groups and their permissions follow roles.GROUP_PERMISSIONS after every migrate.
        post_migrate.connect(roles.sync_after_migrate, sender=self, dispatch_uid="ministries-roles")
