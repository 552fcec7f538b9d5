import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "appeals"
    verbose_name = _("Citizens' appeals")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from ministries.models import SocialAccount

        from . import routing, tasks  # noqa: F401  (tasks: the Celery tasks registered by name)
        from .intake import views
        from .models import Municipality, Settlement

        for model in (Municipality, Settlement):
            post_save.connect(routing.forget_gazetteer, sender=model, dispatch_uid=f"gazetteer-saved-{model.__name__}")
            post_delete.connect(
                routing.forget_gazetteer, sender=model, dispatch_uid=f"gazetteer-deleted-{model.__name__}"
            )
        post_save.connect(views.forget_accounts, sender=SocialAccount, dispatch_uid="intake-account-saved")
        post_delete.connect(views.forget_accounts, sender=SocialAccount, dispatch_uid="intake-account-deleted")
        # runserver's request log never shows an intake URL's query (the OK webhook's secret).
        server_log = logging.getLogger("django.server")
        if not any(isinstance(f, views.HideIntakeQuery) for f in server_log.filters):
            server_log.addFilter(views.HideIntakeQuery())
