from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from .figures import add_sqlite_median

        connection_created.connect(add_sqlite_median, dispatch_uid="analytics_sqlite_median")
