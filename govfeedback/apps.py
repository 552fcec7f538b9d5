from django.contrib.admin.apps import AdminConfig
from django.db.backends.signals import connection_created


class GovAdminConfig(AdminConfig):
    default_site = "govfeedback.admin.GovAdminSite"

    def ready(self) -> None:
        super().ready()
        from django.contrib.admin.templatetags import admin_list

        from . import admin_texts, checks, sqlite  # noqa: F401  (checks: registered on import)

        # The yes/no icons say «да»/«нет» to a screen reader, not "True"/"False" (every caller of
        # Django's _boolean_icon imports it from admin_list when it runs).
        admin_list._boolean_icon = admin_texts.boolean_icon

        # Searches ignore the case of Cyrillic letters on SQLite too (govfeedback.sqlite).
        connection_created.connect(sqlite.register, dispatch_uid="govfeedback-sqlite-case")
