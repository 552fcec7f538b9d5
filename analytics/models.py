"""What analytics keeps: spike alerts (once per spike) and the weekly reports for the Head."""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SpikeAlert(models.Model):
    """A topic (or a topic in one municipality) that received far more appeals than usual.

    One row per spike: while the rise goes on, the next hourly check extends this row instead of
    raising another alert. ``scope_key`` names the topic and municipality so that a doubled beat
    cannot raise the same window twice (a unique constraint).
    """

    topic = models.ForeignKey(
        "appeals.Topic", verbose_name=_("topic"), on_delete=models.PROTECT, related_name="spike_alerts"
    )
    municipality = models.ForeignKey(
        "appeals.Municipality",
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="spike_alerts",
    )
    scope_key = models.CharField(_("topic and municipality"), max_length=64, editable=False)
    window_start = models.DateTimeField(_("from"))
    window_end = models.DateTimeField(_("to"))
    count = models.PositiveIntegerField(_("appeals"))
    baseline = models.FloatField(_("usual number"))
    appeals = models.ManyToManyField(
        "appeals.Appeal", verbose_name=_("appeals that make it"), related_name="spike_alerts", blank=True
    )
    created_at = models.DateTimeField(_("raised at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("spike alert")
        verbose_name_plural = _("spike alerts")
        ordering = ["-window_end", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["scope_key", "window_start"], name="spikealert_once_per_window"),
        ]
        indexes = [models.Index(fields=["scope_key", "window_end"], name="spikealert_scope_end_idx")]

    def __str__(self) -> str:
        where = f", {self.municipality}" if self.municipality_id else ""
        return f"{self.topic}{where}: {self.count}"

    @staticmethod
    def key(topic_id: int, municipality_id: int | None) -> str:
        return f"{topic_id}:{municipality_id or '*'}"

    @property
    def ratio(self) -> float:
        return self.count / max(self.baseline, 1.0)


class WeeklyReport(models.Model):
    """The weekly report for the Head of the Republic, as an XLSX workbook kept in the database."""

    week_start = models.DateField(_("week from"), unique=True)
    week_end = models.DateField(_("week to"))
    created_at = models.DateTimeField(_("generated at"), default=timezone.now)
    received = models.PositiveIntegerField(_("appeals received"), default=0)
    content = models.BinaryField(_("workbook"), editable=False)

    class Meta:
        verbose_name = _("weekly report")
        verbose_name_plural = _("weekly reports")
        ordering = ["-week_start"]

    def __str__(self) -> str:
        return f"{self.week_start:%d.%m.%Y} – {self.week_end:%d.%m.%Y}"

    @property
    def filename(self) -> str:
        return f"weekly-report-{self.week_start:%Y-%m-%d}.xlsx"


class DashboardSnapshot(models.Model):
    """The dashboard's figures for one scope, filter and period, as computed at ``computed_at``.

    A year of a million appeals takes seconds to aggregate; the figures of the usual views are
    computed by a beat job and read from here, and any view is kept for a few minutes after a
    person asked for it. The page says when its figures were computed and can recompute them.
    """

    key = models.CharField(_("key"), max_length=200, unique=True)
    computed_at = models.DateTimeField(_("computed at"))
    seconds = models.FloatField(_("seconds to compute"), default=0)
    payload = models.JSONField(_("figures"), encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("dashboard snapshot")
        verbose_name_plural = _("dashboard snapshots")

    def __str__(self) -> str:
        return self.key
