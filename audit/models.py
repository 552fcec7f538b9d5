"""Who opened, exported or anonymised which citizens' appeals (152-FZ): an append-only log."""

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessLog(models.Model):
    """One access to citizens' personal data: a page or an API answer that showed appeals, an
    export, or an anonymisation. Written by ``audit.log.record_access``; never changed."""

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        LIST = "list", _("viewed a list")
        EXPORT = "export", _("exported")
        ANONYMISE = "anonymise", _("anonymised")

    at = models.DateTimeField(_("when"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The login when the entry was written: the entry outlives a deleted login.
    username = models.CharField(_("login"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=Action)
    # The appeals' numbers (at most MAX_IDS of them) and how many there were in all.
    appeal_ids = models.JSONField(_("appeals"), default=list, blank=True)
    count = models.PositiveIntegerField(_("number of appeals"), default=0)
    detail = models.TextField(_("details"), blank=True, help_text=_("The page, the filter or the reason."))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(F("at").desc(), F("id").desc(), name="accesslog_at_idx"),
            models.Index(fields=["user", "at"], name="accesslog_user_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.username or '—'} {self.get_action_display()} ({self.at:%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("The access log is append-only: an entry cannot be changed.")
        super().save(*args, **kwargs)
