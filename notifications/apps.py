from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from analytics.signals import spike_raised
        from appeals.signals import answer_needs_attention, appeal_assigned

        from . import services, tasks  # noqa: F401  (tasks: the Celery tasks registered by name)

        spike_raised.connect(services.on_spike_raised, dispatch_uid="notifications-spike")
        appeal_assigned.connect(services.on_appeal_assigned, dispatch_uid="notifications-assigned")
        answer_needs_attention.connect(services.on_answer_needs_attention, dispatch_uid="notifications-answer")
