"""The routing model's versions and the operators' setting (imported by ``appeals.models``)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RoutingModelVersion(models.Model):
    """One training of the routing model: its figures on held-out appeals and, unless it failed,
    the model itself (``model.RoutingModel.to_bytes``). Exactly one version at most is in use."""

    class Status(models.TextChoices):
        CURRENT = "current", _("in use")
        RETIRED = "retired", _("replaced")
        REJECTED = "rejected", _("not switched in")
        FAILED = "failed", _("training failed")

    trained_at = models.DateTimeField(_("trained at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=16, choices=Status)
    rows = models.PositiveIntegerField(_("appeals learnt from"), default=0)
    # Cross-validated figures: accuracy, top3, coverage_at_95, thresholds per precision, ...
    figures = models.JSONField(_("figures"), default=dict, blank=True)
    reason = models.TextField(_("why"), blank=True)
    artifact = models.BinaryField(_("model"), default=b"", blank=True, editable=False)

    class Meta:
        verbose_name = _("routing model version")
        verbose_name_plural = _("routing model versions")
        ordering = ["-trained_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["status"], condition=Q(status="current"), name="routingmodel_one_current"),
        ]

    def __str__(self) -> str:
        return _("Routing model v%(version)s (%(status)s)") % {"version": self.pk, "status": self.get_status_display()}


class RoutingSettings(models.Model):
    """How far the press service trusts the routing model: one row (``get``)."""

    auto_route = models.BooleanField(
        _("route automatically"),
        default=True,
        help_text=_("A new appeal that no routing rule matches goes to the ministry the model is sure of."),
    )
    min_precision = models.PositiveSmallIntegerField(
        _("required precision, %"),
        default=95,
        validators=[MinValueValidator(50), MaxValueValidator(100)],
        help_text=_(
            "The model routes by itself only from the confidence at which its routes were right this "
            "often on appeals it had not seen; the others wait for the operators."
        ),
    )

    class Meta:
        verbose_name = _("routing settings")
        verbose_name_plural = _("routing settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_precision__gte=50, min_precision__lte=100), name="routingsettings_precision_range"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Routing settings"))

    @classmethod
    def get(cls) -> "RoutingSettings":
        return cls.objects.get_or_create(pk=1)[0]
