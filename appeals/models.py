from datetime import datetime, timedelta

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .steps import OPEN_STATUSES, STEPS


class Topic(models.Model):
    """What an appeal is about (тематика); the source's five are created by a migration.

    A topic carries its deadline policy: how many hours, counted on the calendar or in working
    hours, and whether waiting for the citizen stops the clock.
    """

    class SlaMode(models.TextChoices):
        CALENDAR = "calendar", _("calendar hours")
        WORKING = "working", _("working hours")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    default_ministry = models.ForeignKey(
        "ministries.Ministry",
        verbose_name=_("default ministry"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sla_hours = models.PositiveIntegerField(
        _("deadline, hours"),
        default=24,
        validators=[MinValueValidator(1)],
        help_text=_("Hours from arrival to the deadline for resolving the appeal."),
    )
    sla_mode = models.CharField(_("hours are counted"), max_length=16, choices=SlaMode, default=SlaMode.CALENDAR)
    pause_when_awaiting = models.BooleanField(
        _("waiting for the citizen stops the clock"),
        default=True,
        help_text=_("When work resumes, the deadline moves by the time spent waiting."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(sla_hours__gt=0), name="topic_sla_hours_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    """A city or district of the region, recognised in appeals' texts.

    The gazetteer is data: each municipality carries the regular expressions that find it in a
    text in any grammatical case ("в Черногорске", "Аскизского района"); another region loads
    its own (``manage.py load_gazetteer``). They run on RE2, in time linear in the text;
    ``patterns.compile_pattern`` says what they may use.
    """

    class Kind(models.TextChoices):
        CITY = "city", _("city")
        DISTRICT = "district", _("district")

    name = models.CharField(_("name"), max_length=128, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind)
    patterns = models.TextField(
        _("patterns"),
        help_text=_("Regular expressions, one a line, matched case-insensitively in the appeal's text."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from .patterns import PatternError, compile_pattern

        for line in self.patterns.splitlines():
            if not line.strip():
                continue
            try:
                compile_pattern(line)  # as routing runs it: on RE2, in linear time
            except PatternError as error:
                raise ValidationError(
                    {
                        "patterns": _("Not a regular expression: %(line)s (%(error)s)")
                        % {"line": line, "error": error.reason}
                    }
                ) from None


class Settlement(models.Model):
    """A town, village or other settlement of a municipality, as the official register names it
    (OKTMO), or by its kind a street of a town («улица», «проспект»: FIAS): found in an appeal's
    text in any grammatical case, it gives the appeal its municipality. Loaded from a region's CSV
    by ``manage.py load_gazetteer`` (``appeals.gazetteer`` says how names are matched)."""

    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=64, help_text=_("As in the register: город, село, деревня, аал…"))
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.CASCADE, related_name="settlements"
    )
    oktmo = models.CharField(_("OKTMO code"), max_length=11, blank=True)
    fias_id = models.CharField(_("FIAS identifier"), max_length=36, blank=True)
    # What the matcher needs: the name's forms in every case, normalised, one a line
    # (``gazetteer.forms_of``), computed once when the settlement is loaded.
    forms = models.TextField(_("forms of the name"), blank=True, editable=False)

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        ordering = ["municipality__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name", "kind", "oktmo"], name="settlement_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.name}"

    def save(self, *args, **kwargs) -> None:
        from .gazetteer import forms_of

        self.forms = "\n".join(forms_of(self.name, self.kind))  # as the loader stores them (bulk writes set them there)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "forms"}
        super().save(*args, **kwargs)


class RoutingRule(models.Model):
    """An editable, ordered routing rule: the first active rule whose conditions all hold gives a
    new appeal its ministry (and optionally an official). No rule: the operators triage it."""

    position = models.PositiveIntegerField(_("order"), default=0)
    name = models.CharField(_("name"), max_length=255)
    is_active = models.BooleanField(_("active"), default=True)
    account = models.ForeignKey(
        "ministries.SocialAccount",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    keywords = models.CharField(
        _("keywords"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated; the rule holds if the text contains any of them (any case)."),
    )
    ministry = models.ForeignKey(
        "ministries.Ministry", verbose_name=_("ministry"), on_delete=models.CASCADE, related_name="+"
    )
    official = models.ForeignKey(
        "ministries.Official",
        verbose_name=_("official"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(account__isnull=False)
                | Q(topic__isnull=False)
                | Q(municipality__isnull=False)
                | ~Q(keywords=""),
                name="routingrule_has_a_condition",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if not (self.account_id or self.topic_id or self.municipality_id or self.keywords.strip()):
            raise ValidationError(_("Give the rule at least one condition: account, topic, municipality or keywords."))
        if self.official_id and self.ministry_id and self.official.ministry_id != self.ministry_id:
            raise ValidationError({"official": _("The official must work in the rule's ministry.")})

    def matches(self, appeal: "Appeal") -> bool:
        if self.account_id and appeal.account_id != self.account_id:
            return False
        if self.topic_id and appeal.topic_id != self.topic_id:
            return False
        if self.municipality_id and appeal.municipality_id != self.municipality_id:
            return False
        words = [word.strip().lower() for word in self.keywords.split(",") if word.strip()]
        return not words or any(word in appeal.text.lower() for word in words)


def end_of_local_day(now: datetime) -> datetime:
    """The last moment of ``now``'s day in local time (TIME_ZONE)."""
    return timezone.localtime(now).replace(hour=23, minute=59, second=59, microsecond=999999)


class AppealQuerySet(models.QuerySet):
    """The appeals' states as filters. Each deadline state is the condition of ``deadline_q`` (the
    one definition: the lists, the counters, the figures and the jobs all filter by it)."""

    def open(self) -> "AppealQuerySet":
        return self.filter(OPEN_Q)

    def running(self) -> "AppealQuerySet":
        """Open appeals whose clock runs (not paused while waiting for the citizen)."""
        return self.filter(RUNNING_Q)

    def closed(self) -> "AppealQuerySet":
        return self.exclude(OPEN_Q)

    def untriaged(self) -> "AppealQuerySet":
        """New and in no ministry yet: the press service's triage queue."""
        return self.filter(status="new", ministry__isnull=True)

    def overdue(self, now: datetime | None = None) -> "AppealQuerySet":
        """Running appeals whose deadline has passed (whether or not the job has flagged them).

        An appeal whose clock is stopped while it waits for the citizen is not overdue: its
        deadline moves when work resumes.
        """
        return self.filter(deadline_q("overdue", now or timezone.now()))

    def due_soon(self, now: datetime | None = None) -> "AppealQuerySet":
        """Running appeals whose deadline is within GOVFEEDBACK_DUE_SOON_HOURS from now."""
        return self.filter(deadline_q("due_soon", now or timezone.now()))

    def due_today(self, now: datetime | None = None) -> "AppealQuerySet":
        """Running appeals whose deadline is still ahead today (local time)."""
        return self.filter(deadline_q("due_today", now or timezone.now()))

    def extended(self) -> "AppealQuerySet":
        return self.filter(deadline_q("extended", timezone.now()))

    def paused(self) -> "AppealQuerySet":
        """Open appeals whose clock is stopped while they wait for the citizen."""
        return self.filter(deadline_q("paused", timezone.now()))

    def reacted(self) -> "AppealQuerySet":
        """The citizen wrote after the answer, and nobody has dealt with it yet."""
        return self.filter(reacted_at__isnull=False)

    def answer_awaiting_approval(self) -> "AppealQuerySet":
        """Open appeals whose answer waits for an approver (appeals/answers.py); a closed appeal's
        answer is nobody's to approve."""
        waiting = Publication.objects.filter(appeal=models.OuterRef("pk"), status=Publication.Status.AWAITING_APPROVAL)
        return self.open().filter(models.Exists(waiting))

    def answer_not_published(self) -> "AppealQuerySet":
        """Open appeals with an answer the platform refused, or whose outcome is unknown: a person
        retries it or confirms it with its link."""
        failed = Publication.objects.filter(appeal=models.OuterRef("pk"), status__in=ANSWER_NOT_PUBLISHED)
        return self.open().filter(models.Exists(failed))

    def with_answer_state(self) -> "AppealQuerySet":
        """Each appeal with ``answer_state``: the status of its newest answer that keeps it open — a
        resolving answer queued or awaiting approval, or any answer not published — else None (one
        subquery in the list's query; shown by ``answers.ANSWER_STATES``)."""
        pending = Publication.objects.filter(
            Q(resolves=True, status__in=[Publication.Status.QUEUED, Publication.Status.AWAITING_APPROVAL])
            | Q(status__in=ANSWER_NOT_PUBLISHED),
            appeal=models.OuterRef("pk"),
        ).order_by("-created_at", "-id")
        return self.annotate(answer_state=models.Subquery(pending.values("status")[:1]))

    def first_answer_overdue(self, now: datetime | None = None) -> "AppealQuerySet":
        now = now or timezone.now()
        return self.open().filter(first_answered_at__isnull=True, first_answer_due_at__lt=now)


OPEN_Q = Q(status__in=OPEN_STATUSES)
# An answer the citizen has not seen and nobody will send again without a person.
ANSWER_NOT_PUBLISHED = ("failed", "unknown")
# Open and its clock running: what the deadline jobs look at.
RUNNING_Q = OPEN_Q & Q(paused_at__isnull=True)
# Open with its deadline extended (a reason given).
EXTENDED_Q = OPEN_Q & ~Q(extension_reason="")


def due_soon_window() -> timedelta:
    return timedelta(hours=settings.GOVFEEDBACK_DUE_SOON_HOURS)


def deadline_q(state: str, now: datetime) -> Q:
    """The appeals in a deadline state at ``now``: "overdue", "due_soon" (within
    GOVFEEDBACK_DUE_SOON_HOURS), "due_today" (still ahead today, local time), "extended" (open, its
    deadline moved with a reason) or "paused" (open, the clock stopped for the citizen). The one
    definition of these states for rows; ``Appeal.deadline_state`` is the same rule for one appeal
    (``tests/appeals/test_deadline_states.py`` holds the two equal)."""
    if state == "overdue":
        return RUNNING_Q & Q(due_at__lt=now)
    if state == "due_soon":
        return RUNNING_Q & Q(due_at__gte=now, due_at__lt=now + due_soon_window())
    if state == "due_today":
        return RUNNING_Q & Q(due_at__gte=now, due_at__lte=end_of_local_day(now))
    if state == "extended":
        return EXTENDED_Q
    if state == "paused":
        return OPEN_Q & Q(paused_at__isnull=False)
    raise ValueError(f"Unknown deadline state {state!r}.")


class Appeal(models.Model):
    """A citizen's message that needs an answer or an action (обращение)."""

    class Status(models.TextChoices):
        NEW = "new", _("new")
        ASSIGNED = "assigned", _("assigned")
        IN_PROGRESS = "in_progress", _("in progress")
        AWAITING_CITIZEN = "awaiting_citizen", _("awaiting the citizen")
        RESOLVED = "resolved", _("resolved")
        REJECTED = "rejected", _("rejected")

    class RejectionReason(models.TextChoices):
        SPAM = "spam", _("spam")
        NOT_APPEAL = "not_appeal", _("not an appeal")
        DUPLICATE = "duplicate", _("duplicate")

    OPEN_STATUSES = OPEN_STATUSES  # which steps are taken from which status: appeals/steps.py

    account = models.ForeignKey(
        "ministries.SocialAccount",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
        help_text=_("Where the appeal arrived; empty for appeals entered by hand."),
    )
    external_id = models.CharField(
        _("platform message id"), max_length=128, blank=True, help_text=_("Empty when entered by hand.")
    )
    thread_id = models.CharField(_("platform thread id"), max_length=128, blank=True)
    permalink = models.URLField(_("link to the original"), max_length=500, blank=True)
    author_name = models.CharField(_("author"), max_length=255, blank=True)
    author_external_id = models.CharField(_("author's platform id"), max_length=128, blank=True)
    author_url = models.URLField(_("author's profile"), max_length=500, blank=True)
    text = models.TextField(_("text"))
    written_at = models.DateTimeField(_("written at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    # Foreign keys without an index of their own are covered by a composite index (see Meta)
    # whose first column they are: one index less to write for every appeal.
    topic = models.ForeignKey(
        Topic,
        verbose_name=_("topic"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
        db_index=False,
    )
    # Who set the topic: the classifier on arrival, or a person; and the classifier's confidence.
    topic_set_by = models.CharField(
        _("topic set by"), max_length=16, blank=True, choices=[("system", _("classifier")), ("person", _("person"))]
    )
    topic_confidence = models.FloatField(_("classifier's confidence"), null=True, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appeals",
    )
    ministry = models.ForeignKey(
        "ministries.Ministry",
        verbose_name=_("ministry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
        db_index=False,
    )
    assignee = models.ForeignKey(
        "ministries.Official",
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appeals",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.NEW)

    due_at = models.DateTimeField(_("deadline"))
    first_answer_due_at = models.DateTimeField(_("first answer due"), null=True, blank=True)
    first_answered_at = models.DateTimeField(_("first answered at"), null=True, blank=True)
    # While the appeal waits for the citizen and its policy stops the clock: since when.
    paused_at = models.DateTimeField(_("clock stopped at"), null=True, blank=True)
    # What the reminder jobs have done for the current deadline (cleared when it moves).
    reminded_due_soon_at = models.DateTimeField(_("due-soon reminder sent at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for extension"), blank=True)
    overdue_since = models.DateTimeField(_("overdue since"), null=True, blank=True)
    # Personal data (152-FZ): when the author's name, links and platform ids were erased.
    anonymised_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)

    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answer_url = models.URLField(_("where the answer is published"), max_length=500, blank=True)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=16, choices=RejectionReason, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("duplicate of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        db_index=False,  # a partial index: few appeals are duplicates
    )
    # The citizen wrote again in the thread after the answer was published (services.receive_message):
    # back to the operators' attention until someone reopens the appeal or dismisses the message.
    reacted_at = models.DateTimeField(_("the citizen replied after the answer at"), null=True, blank=True)

    objects = AppealQuerySet.as_manager()

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "external_id"],
                condition=~Q(external_id=""),
                name="appeal_account_external_id_uniq",
            ),
            models.CheckConstraint(
                condition=~Q(status="resolved") | (Q(resolved_at__isnull=False) & ~Q(answer="")),
                name="appeal_resolved_has_answer",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="appeal_rejected_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(duplicate_of__isnull=True) | ~Q(duplicate_of=F("id")),
                name="appeal_not_duplicate_of_itself",
            ),
        ]
        indexes = [
            # The default list order (newest first).
            models.Index(F("received_at").desc(), F("id").desc(), name="appeal_received_idx"),
            # "Overdue" and "due soon" filters, and ordering the open queue by deadline.
            models.Index(fields=["due_at"], condition=OPEN_Q, name="appeal_open_due_idx"),
            # "Overdue" and "due today" (running appeals by deadline): the admin's capped counters
            # read this index alone, without visiting the table for the paused ones.
            models.Index(fields=["due_at"], condition=RUNNING_Q, name="appeal_running_due_idx"),
            # The admin's "extended" counter and filter: the few open appeals with a moved deadline.
            models.Index(
                fields=["ministry", "due_at"],
                condition=EXTENDED_Q,
                name="appeal_open_extended_idx",
            ),
            # flag_overdue and remind_due_soon: running, not flagged yet, by deadline.
            models.Index(
                fields=["due_at"],
                condition=RUNNING_Q & Q(overdue_since__isnull=True),
                name="appeal_unflagged_due_idx",
            ),
            # escalate_overdue: running, flagged, not escalated yet.
            models.Index(
                fields=["overdue_since"],
                condition=RUNNING_Q & Q(overdue_since__isnull=False, escalated_at__isnull=True),
                name="appeal_unescalated_idx",
            ),
            # "First answer overdue": open appeals nobody has answered yet.
            models.Index(
                fields=["first_answer_due_at"],
                condition=OPEN_Q & Q(first_answered_at__isnull=True),
                name="appeal_unanswered_idx",
            ),
            # The press service's triage queue (new, in no ministry), by deadline: the operators' landing.
            models.Index(
                fields=["due_at"], condition=Q(status="new", ministry__isnull=True), name="appeal_untriaged_due_idx"
            ),
            # A ministry head's queue and a specialist's queue, by deadline.
            models.Index(fields=["ministry", "due_at"], condition=OPEN_Q, name="appeal_ministry_open_due_idx"),
            models.Index(fields=["assignee", "due_at"], condition=OPEN_Q, name="appeal_assignee_open_due_idx"),
            models.Index(fields=["ministry", "received_at"], name="appeal_ministry_received_idx"),
            models.Index(fields=["topic", "received_at"], name="appeal_topic_received_idx"),
            models.Index(fields=["duplicate_of"], condition=Q(duplicate_of__isnull=False), name="appeal_duplicate_idx"),
            # Intake: a citizen's follow-up joins their open appeal in the same thread.
            models.Index(
                fields=["account", "thread_id", "author_external_id"],
                condition=OPEN_Q & ~Q(thread_id=""),
                name="appeal_open_thread_idx",
            ),
            models.Index(fields=["status", "received_at"], name="appeal_status_received_idx"),
            # The citizen's reaction: their message in the thread of their resolved appeal joins it.
            models.Index(
                fields=["account", "thread_id", "author_external_id"],
                condition=Q(status="resolved") & ~Q(thread_id=""),
                name="appeal_resolved_thread_idx",
            ),
            # The reply form's suggestions (appeals/suggestions.py): the newest resolved appeals of a
            # topic, within a ministry (its people) or in all (the press service).
            models.Index(
                fields=["ministry", "topic", "-resolved_at"],
                condition=Q(status="resolved"),
                name="appeal_resolved_topic_min_idx",
            ),
            models.Index(
                fields=["topic", "-resolved_at"], condition=Q(status="resolved"), name="appeal_resolved_topic_idx"
            ),
            # "The citizen replied after the answer": the list's filter and counter.
            models.Index(fields=["reacted_at"], condition=Q(reacted_at__isnull=False), name="appeal_reacted_idx"),
            # The dashboard's figures of a period, read from the indexes alone (index-only scans on
            # PostgreSQL): what was received, and what was resolved.
            models.Index(
                fields=["received_at"],
                include=["id", "topic", "ministry", "municipality", "account", "first_answered_at"],
                name="appeal_received_figures_idx",
            ),
            models.Index(
                fields=["resolved_at"],
                include=["id", "ministry", "received_at", "due_at", "status"],
                condition=Q(resolved_at__isnull=False),
                name="appeal_resolved_idx",
            ),
        ]

    def __str__(self) -> str:
        return _("Appeal #%(id)s") % {"id": self.pk}

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.deadline_state(now) == "overdue"

    def deadline_state(self, now: datetime | None = None) -> str:
        """One of "closed", "paused", "overdue", "due_soon", "on_time" (the admin's colours)."""
        now = now or timezone.now()
        if not self.is_open:
            return "closed"
        if self.paused_at is not None:
            return "paused"
        if self.due_at < now:
            return "overdue"
        if self.due_at < now + due_soon_window():
            return "due_soon"
        return "on_time"

    def first_answer_state(self, now: datetime | None = None) -> str:
        """One of "answered", "closed", "overdue", "due_soon", "on_time" for the first-answer clock."""
        now = now or timezone.now()
        if self.first_answered_at is not None:
            return "answered"
        if not self.is_open or self.first_answer_due_at is None:
            return "closed"
        if self.first_answer_due_at < now:
            return "overdue"
        if self.first_answer_due_at < now + due_soon_window():
            return "due_soon"
        return "on_time"

    def can(self, step: str) -> bool:
        return self.status in STEPS[step].statuses

    def allowed_steps(self) -> list[str]:
        return [name for name, step in STEPS.items() if self.status in step.statuses]


class AppealEventQuerySet(models.QuerySet):
    def classifier_accuracy(self) -> dict:
        """How often operators corrected the topic the classifier set, among these events (one
        query): the topics page's figure and the dashboard's, for its period and selection."""
        figures = self.filter(kind=AppealEvent.Kind.TOPIC_SET).aggregate(
            predicted=models.Count("pk", filter=Q(actor__isnull=True)),
            corrected=models.Count("pk", filter=Q(actor__isnull=False, data__has_key="correction")),
        )
        predicted, corrected = figures["predicted"], figures["corrected"]
        figures["accuracy"] = round(100 * (predicted - corrected) / predicted, 1) if predicted else None
        return figures


class AppealEvent(models.Model):
    """One entry of an appeal's append-only history. Reports are computed from these."""

    class Kind(models.TextChoices):
        CREATED = "created", _("received")
        ASSIGNED = "assigned", _("assigned")
        TOPIC_SET = "topic_set", _("topic set")
        STARTED = "started", _("work started")
        AWAITING_CITIZEN = "awaiting_citizen", _("clarification asked")
        EXTENDED = "extended", _("deadline extended")
        RESOLVED = "resolved", _("resolved")
        REJECTED = "rejected", _("rejected")
        REOPENED = "reopened", _("reopened")
        OVERDUE = "overdue", _("became overdue")
        ESCALATED = "escalated", _("escalated to the press service")
        REPLIED = "replied", _("public answer")
        EDITED = "edited", _("text edited by the author")
        MESSAGE = "message", _("message from the citizen")
        COMMENTED = "commented", _("comment")
        ANONYMISED = "anonymised", _("personal data erased")
        REFUSED = "refused", _("step refused")
        ANSWER_DRAFTED = "answer_drafted", _("answer drafted")
        ANSWER_SUBMITTED = "answer_submitted", _("answer sent for approval")
        ANSWER_APPROVED = "answer_approved", _("answer approved")
        ANSWER_RETURNED = "answer_returned", _("answer returned for changes")
        ANSWER_QUEUED = "answer_queued", _("answer queued for publishing")
        ANSWER_RETRIED = "answer_retried", _("answer queued again")
        ANSWER_PUBLISHED = "answer_published", _("answer published")
        ANSWER_FAILED = "answer_failed", _("answer not published")
        ANSWER_UNKNOWN = "answer_unknown", _("publication outcome unknown")
        ANSWER_CANCELLED = "answer_cancelled", _("draft answer deleted")
        # On a confirmed duplicate: the original's answer was published (its citizen saw nothing yet).
        ORIGINAL_ANSWERED = "original_answered", _("the original appeal's answer published")
        REACTED = "reacted", _("the citizen replied after the answer")
        REACTION_SEEN = "reaction_seen", _("the citizen's reply seen")

    # Indexed by (appeal, at) and, for the events of people (not the system's), by actor: see Meta.
    appeal = models.ForeignKey(
        Appeal,
        verbose_name=_("appeal"),
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # The actor's name when the event was written; empty means the system did it.
    actor_name = models.CharField(_("who (name)"), max_length=255, blank=True)
    kind = models.CharField(_("what"), max_length=20, choices=Kind)
    data = models.JSONField(_("details"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = AppealEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("history event")
        verbose_name_plural = _("history")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["appeal", "at"], name="appealevent_appeal_at_idx"),
            # The history list, newest first.
            models.Index(F("at").desc(), F("id").desc(), name="appealevent_at_idx"),
            models.Index(fields=["kind", "at"], name="appealevent_kind_at_idx"),
            models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="appealevent_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.at:%Y-%m-%d %H:%M})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("The appeal history is append-only: an event cannot be changed.")
        super().save(*args, **kwargs)

    @property
    def who(self) -> str:
        """The person's name, or "system" for the jobs and the intake."""
        return self.actor_name or str(_("system"))


class AppealMessage(models.Model):
    """One message of an appeal's conversation: the citizen's follow-ups and the officials' answers.

    The appeal's own text is its first message; replies from the same author in the same thread
    while the appeal is open join it here instead of opening new appeals.
    """

    class Direction(models.TextChoices):
        CITIZEN = "citizen", _("from the citizen")
        OFFICIAL = "official", _("from the government")

    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.PROTECT, related_name="messages")
    direction = models.CharField(_("direction"), max_length=16, choices=Direction, default=Direction.CITIZEN)
    external_id = models.CharField(_("platform message id"), max_length=128, blank=True)
    author_name = models.CharField(_("author"), max_length=255, blank=True)
    text = models.TextField(_("text"))
    # An official's answer published on the platform: the link to it there.
    url = models.URLField(_("link"), max_length=500, blank=True)
    written_at = models.DateTimeField(_("written at"), null=True, blank=True)
    created_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("conversation")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appeal", "external_id"], condition=~Q(external_id=""), name="appealmessage_external_id_uniq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()}: {self.text[:50]}"


class AnswerTemplateQuerySet(models.QuerySet):
    def for_appeal(self, appeal: Appeal) -> "AnswerTemplateQuerySet":
        """The active templates that fit ``appeal``: of its topic or of any, of its ministry or of any
        (the most specific first)."""
        topic = Q(topic__isnull=True) | Q(topic_id=appeal.topic_id) if appeal.topic_id else Q(topic__isnull=True)
        ministry = (
            Q(ministry__isnull=True) | Q(ministry_id=appeal.ministry_id)
            if appeal.ministry_id
            else Q(ministry__isnull=True)
        )
        return self.filter(topic, ministry, is_active=True).order_by(
            F("ministry_id").desc(nulls_last=True), F("topic_id").desc(nulls_last=True), "position", "title"
        )


class AnswerTemplate(models.Model):
    """A ready answer (шаблон ответа) with placeholders ({имя}, {номер}, {ведомство}, {дата_работ}),
    for a topic and/or a ministry; the drafter picks it in the reply form and edits the result."""

    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(
        _("text"),
        help_text=_(
            "Placeholders: {имя} (the citizen's name), {номер} (the appeal's number), {ведомство} (the "
            "ministry), {дата_работ} (the date of the planned works, given when answering)."
        ),
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    ministry = models.ForeignKey(
        "ministries.Ministry",
        verbose_name=_("ministry"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="answer_templates",
        help_text=_("Empty: for every ministry."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = AnswerTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("answer template")
        verbose_name_plural = _("answer templates")
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from .answers import PLACEHOLDER_RE, PLACEHOLDERS

        unknown = [m.group(0) for m in PLACEHOLDER_RE.finditer(self.text) if m.group(1) not in PLACEHOLDERS]
        if unknown:
            raise ValidationError(
                {
                    "text": _("Unknown placeholders: %(unknown)s. Known: %(known)s.")
                    % {"unknown": ", ".join(unknown), "known": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)}
                }
            )


class InboundEventQuerySet(models.QuerySet):
    def waiting(self):
        """Accepted (authenticated, checked) and not processed yet: a worker's to do, now or, after a
        failure that may pass, at ``retry_at``."""
        return self.filter(outcome=InboundEvent.Outcome.RECEIVED, authenticated=True, processed_at=None)

    def due(self, now: datetime):
        """Waiting and not put off: never failed, or its next attempt's time has come."""
        return self.waiting().filter(Q(retry_at=None) | Q(retry_at__lte=now))

    def retrying(self):
        """Failed for a reason that may pass; a worker tries again at ``retry_at``."""
        return self.waiting().filter(retry_at__isnull=False)

    def needing_a_person(self):
        """Failed for good (a bug, a payload nothing can parse, or too many attempts): kept for an
        operator's replay after a fix."""
        return self.filter(outcome=InboundEvent.Outcome.RECEIVED, processed_at__isnull=False)


class InboundEvent(models.Model):
    """Every request that reaches an intake endpoint, stored before it is parsed.

    Nothing a platform sends is lost: a payload that could not be turned into an appeal stays
    here with the reason, and an operator can replay it after a fix.
    """

    class Outcome(models.TextChoices):
        RECEIVED = "received", _("received, not processed yet")
        CREATED = "created", _("appeal created")
        UPDATED = "updated", _("appeal updated")
        MESSAGE = "message", _("added to an appeal's conversation")
        DUPLICATE = "duplicate", _("duplicate")
        IGNORED = "ignored", _("ignored")
        REJECTED = "rejected", _("rejected")

    # What the interface calls each intake path (``platform`` holds its code, as in the URL).
    SOURCES = {
        "vk": _("VK"),
        "ok": _("Odnoklassniki"),
        "telegram": _("Telegram"),
        "meta": _("Facebook and Instagram"),
        "import": _("a file (import)"),
        "batch": _("the API (a batch)"),
    }

    platform = models.CharField(_("platform"), max_length=16)
    account = models.ForeignKey(
        "ministries.SocialAccount",
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inbound_events",
    )
    account_key = models.CharField(_("account in the URL"), max_length=128, blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    body = models.BinaryField(_("raw body"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    # The platform's id of the delivery (VK event_id, Telegram update_id): a redelivery repeats it.
    dedup_key = models.CharField(_("delivery id"), max_length=128, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome, default=Outcome.RECEIVED)
    reason = models.TextField(_("reason"), blank=True)
    appeal = models.ForeignKey(
        Appeal,
        verbose_name=_("appeal"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_events",
    )
    # Every appeal whose messages this request carried (a webhook or a file can hold several
    # citizens'): erasing a citizen's data erases the raw requests that brought it.
    appeals = models.ManyToManyField(Appeal, verbose_name=_("appeals it carried"), related_name="sources", blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    # The request passed the platform's secret or signature check (only those can be replayed).
    authenticated = models.BooleanField(_("authenticated"), default=False)
    # Personal data (152-FZ): when the raw body and headers were erased.
    redacted_at = models.DateTimeField(_("raw request erased at"), null=True, blank=True)
    # Processing attempts that failed; after a failure that may pass (the database locked or
    # unreachable, the broker down) the next attempt is due at retry_at (appeals.intake.processing).
    failed_attempts = models.PositiveSmallIntegerField(_("failed attempts"), default=0)
    retry_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)

    objects = InboundEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("inbound event")
        verbose_name_plural = _("inbound events")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(F("received_at").desc(), F("id").desc(), name="inboundevent_received_idx"),
            models.Index(fields=["account", "dedup_key"], name="inboundevent_dedup_idx"),
            models.Index(fields=["outcome", "received_at"], name="inboundevent_outcome_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.source_label()} №{self.pk} ({self.get_outcome_display()})"

    def source_label(self) -> str:
        """«ВКонтакте», «файл (импорт)»: the intake path as the interface calls it."""
        return str(self.SOURCES.get(self.platform, self.platform))

    def needs_a_person(self) -> bool:
        """Failed for good: nothing tries it again until an operator replays it after a fix."""
        return self.outcome == self.Outcome.RECEIVED and self.processed_at is not None


# Models kept in the appeals' sub-packages, imported here so that Django registers them.
from .publishing.models import Publication  # noqa: E402
from .routing_model.models import RoutingModelVersion, RoutingSettings  # noqa: E402, F401
