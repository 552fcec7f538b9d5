"""Reminders, escalations, digests and spike alerts to people: one row per message to one
recipient on one channel, claimed before it is sent."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals.outbox import OutboxItem, OutboxQuerySet


class NotificationQuerySet(OutboxQuerySet):
    """``pending`` (neither sent nor given up) and ``ready`` (due, not held): ``appeals.outbox``."""


class Notification(OutboxItem):
    """One reminder, escalation or digest to one recipient on one channel.

    Created by the deadline jobs; a sender claims it (a lease in ``locked_until``) before
    delivering, so that two workers, a retry or a doubled beat never send it twice, and a
    worker that dies mid-send only delays it until the lease runs out.
    """

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", _("deadline soon")
        OVERDUE = "overdue", _("overdue")
        ESCALATION = "escalation", _("escalation")
        DIGEST = "digest", _("morning digest")
        SPIKE = "spike", _("spike in appeals")
        ASSIGNED = "assigned", _("appeal assigned")
        # An answer to publish that waits for a person (appeals.signals.answer_needs_attention).
        ANSWER_APPROVAL = "answer_approval", _("answer awaits approval")
        ANSWER_RETURNED = "answer_returned", _("answer returned for changes")
        ANSWER_FAILED = "answer_failed", _("answer not published")
        ANSWER_UNKNOWN = "answer_unknown", _("answer's publication unknown")

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        TELEGRAM = "telegram", _("Telegram")
        # A notice in the admin (the bell): delivered by being written, read when the person opens it.
        ADMIN = "admin", _("in the admin")

    # Indexed by (appeal, created_at); spike and recipient_user, mostly empty, by partial indexes.
    appeal = models.ForeignKey(
        "appeals.Appeal",
        verbose_name=_("appeal"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
        db_index=False,
    )
    spike = models.ForeignKey(
        "analytics.SpikeAlert",
        verbose_name=_("spike alert"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
        db_index=False,
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel, default=Channel.EMAIL)
    recipient_official = models.ForeignKey(
        "ministries.Official",
        verbose_name=_("recipient (official)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient (login)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    recipient_name = models.CharField(_("recipient"), max_length=255, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True, help_text=_("E-mail or chat id."))
    digest_date = models.DateField(_("digest date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # next_attempt_at, locked_until, attempts, sent_at, gave_up_at, last_error: OutboxItem's.
    # Several reminders to one address within minutes go out as one message: each row of it is
    # sent with the first one (``services.send_pending``).
    sent_with = models.ForeignKey(
        "self",
        verbose_name=_("sent in one message with"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A doubled beat cannot queue a second digest for the same head on the same day.
            models.UniqueConstraint(
                fields=["recipient_official", "channel", "digest_date"],
                condition=Q(kind="digest"),
                name="notification_one_digest_a_day",
            ),
        ]
        indexes = [
            # The sender's scan: pending, by the time of the next attempt.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(sent_at__isnull=True, gave_up_at__isnull=True),
                name="notification_pending_idx",
            ),
            models.Index(fields=["appeal", "created_at"], name="notification_appeal_idx"),
            models.Index(fields=["spike"], condition=Q(spike__isnull=False), name="notification_spike_idx"),
            models.Index(
                fields=["recipient_user"], condition=Q(recipient_user__isnull=False), name="notification_user_idx"
            ),
            # The bell on every admin page: a person's unread notices in the admin, newest first.
            models.Index(
                fields=["recipient_user", "-created_at"],
                condition=Q(channel="admin", read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.recipient_name or self.address}"

    @property
    def state(self) -> str:
        if self.sent_at:
            return "sent"
        if self.gave_up_at:
            return "failed"
        return "pending"
