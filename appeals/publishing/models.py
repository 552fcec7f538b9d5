"""An answer to publish on the platform where the citizen wrote (imported by ``appeals.models``)."""

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..outbox import OutboxItem, OutboxQuerySet


class PublicationQuerySet(OutboxQuerySet):
    def pending(self) -> "PublicationQuerySet":
        """What a sender delivers: queued publications only (drafts are never sent)."""
        return self.filter(status=Publication.Status.QUEUED)


class Publication(OutboxItem):
    """One answer to publish as a reply where the appeal came from, from the account it came to.

    ``status`` is the one truth of its stage. A draft may need approval; once queued, a sender
    claims it with a lease (``appeals.outbox``) and publishes it through the platform's API
    (``appeals.publishing.delivery``); the platform's confirmation, a failure with its reason or
    an unknown outcome is recorded by ``appeals.services``. The ``idempotency_key`` stays the same
    across retries (VK's ``guid`` and ``random_id`` are derived from it).
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        AWAITING_APPROVAL = "awaiting_approval", _("awaiting approval")
        RETURNED = "returned", _("returned for changes")
        QUEUED = "queued", _("queued for publishing")
        PUBLISHED = "published", _("published")
        FAILED = "failed", _("not published")
        UNKNOWN = "unknown", _("outcome unknown")

    appeal = models.ForeignKey(
        "appeals.Appeal",
        verbose_name=_("appeal"),
        on_delete=models.PROTECT,
        related_name="publications",
        db_index=False,  # (appeal, created_at) in Meta
    )
    account = models.ForeignKey(
        "ministries.SocialAccount",
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="publications",
    )
    text = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.DRAFT)
    resolves = models.BooleanField(
        _("resolves the appeal"), default=False, help_text=_("Publishing it resolves the appeal.")
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    return_comment = models.TextField(_("why it was returned"), blank=True)
    idempotency_key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    external_id = models.CharField(_("platform id of the reply"), max_length=128, blank=True)
    url = models.URLField(_("link to the reply"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = PublicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sender's scan: queued, by the time of the next attempt.
            models.Index(fields=["next_attempt_at"], condition=Q(status="queued"), name="publication_queued_idx"),
            models.Index(fields=["appeal", "created_at"], name="publication_appeal_idx"),
            # What needs a person: failed and unknown outcomes, and drafts awaiting approval.
            models.Index(
                fields=["status", "created_at"],
                condition=Q(status__in=["awaiting_approval", "failed", "unknown"]),
                name="publication_attention_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(sent_at__isnull=False),
                name="publication_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return _("Answer to appeal #%(id)s (%(status)s)") % {"id": self.appeal_id, "status": self.get_status_display()}

    def queue(self, now: datetime) -> list[str]:
        """Set the fields that put it in the sender's queue (a first time or again after a failure,
        keeping its idempotency key); returns them for ``save(update_fields=...)``. Only the
        services call it, on a locked row."""
        self.status = self.Status.QUEUED
        self.next_attempt_at, self.locked_until, self.attempts = now, None, 0
        self.gave_up_at, self.last_error = None, ""
        return ["status", "next_attempt_at", "locked_until", "attempts", "gave_up_at", "last_error"]
