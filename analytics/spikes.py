"""Spike alerts: a topic, or a topic in one municipality, that suddenly gets far more appeals.

Every hour ``detect_spikes`` counts the appeals of the last GOVFEEDBACK_SPIKE_WINDOW_HOURS (up to
the last full hour) per topic and municipality, in one grouped query that also counts the same
hours of each of the previous GOVFEEDBACK_SPIKE_BASELINE_WEEKS weeks. A group is a spike when it
has at least GOVFEEDBACK_SPIKE_MIN_APPEALS appeals and GOVFEEDBACK_SPIKE_RATIO times its weekly
mean. A spike raises one alert: the operators and the head of the topic's ministry are notified,
and the dashboard shows a banner. While the rise goes on, the next hours extend that alert
instead of raising another one; a doubled beat cannot raise a window twice (a unique key).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone

from appeals.models import Appeal, Topic

from .models import SpikeAlert
from .signals import spike_raised


@dataclass(frozen=True)
class Rise:
    topic_id: int
    municipality_id: int | None
    count: int
    baseline: float


def window_end(now: datetime) -> datetime:
    """The end of the window checked at ``now``: the start of the current hour."""
    return now.replace(minute=0, second=0, microsecond=0)


def find_rises(end: datetime) -> list[Rise]:
    """The topic and topic × municipality groups whose count in the window ending at ``end`` is a
    spike against the same hours of the previous weeks. One grouped query."""
    hours, weeks = settings.GOVFEEDBACK_SPIKE_WINDOW_HOURS, settings.GOVFEEDBACK_SPIKE_BASELINE_WEEKS
    length = timedelta(hours=hours)
    windows = [(end - timedelta(weeks=week) - length, end - timedelta(weeks=week)) for week in range(weeks + 1)]
    in_any = Q()
    for start, stop in windows:
        in_any |= Q(received_at__gte=start, received_at__lt=stop)
    week_of = Case(
        *(
            When(received_at__gte=start, received_at__lt=stop, then=Value(week))
            for week, (start, stop) in enumerate(windows)
        ),
        output_field=IntegerField(),
    )
    counts: dict[tuple[int, int | None], list[int]] = defaultdict(lambda: [0] * (weeks + 1))
    rows = (
        Appeal.objects.filter(in_any, topic__isnull=False)
        .annotate(week=week_of)
        .values_list("topic_id", "municipality_id", "week")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for topic_id, municipality_id, week, n in rows:
        counts[(topic_id, None)][week] += n  # the topic as a whole
        if municipality_id is not None:
            counts[(topic_id, municipality_id)][week] += n
    rises = [
        Rise(topic_id, municipality_id, per_week[0], sum(per_week[1:]) / weeks)
        for (topic_id, municipality_id), per_week in counts.items()
        if per_week[0] >= settings.GOVFEEDBACK_SPIKE_MIN_APPEALS
        and per_week[0] >= settings.GOVFEEDBACK_SPIKE_RATIO * max(sum(per_week[1:]) / weeks, 1.0)
    ]
    # A rise in one municipality that makes most of its topic's rise is one spike, not two.
    local: dict[int, int] = {}
    for rise in rises:
        if rise.municipality_id is not None:
            local[rise.topic_id] = max(local.get(rise.topic_id, 0), rise.count)
    return [rise for rise in rises if rise.municipality_id is not None or local.get(rise.topic_id, 0) * 2 < rise.count]


def detect_spikes(now: datetime | None = None) -> list[SpikeAlert]:
    """Raise (or extend) an alert for every spike of the last window; returns the new alerts."""
    now = now or timezone.now()
    end = window_end(now)
    start = end - timedelta(hours=settings.GOVFEEDBACK_SPIKE_WINDOW_HOURS)
    raised = []
    for rise in find_rises(end):
        alert = _raise(rise, start, end, now)
        if alert is not None:
            raised.append(alert)
    return raised


def _raise(rise: Rise, start: datetime, end: datetime, now: datetime) -> SpikeAlert | None:
    key = SpikeAlert.key(rise.topic_id, rise.municipality_id)
    appeals = Appeal.objects.filter(topic_id=rise.topic_id, received_at__gte=start, received_at__lt=end)
    if rise.municipality_id is not None:
        appeals = appeals.filter(municipality_id=rise.municipality_id)
    with transaction.atomic():
        # One checker at a time per topic: a doubled beat waits here, then finds the alert.
        topic = Topic.objects.select_for_update().get(pk=rise.topic_id)
        ongoing = SpikeAlert.objects.filter(scope_key=key, window_end__gte=start).order_by("-window_end").first()
        if ongoing is not None:
            # The same spike goes on: extend it, without a second notification.
            if ongoing.window_end < end:
                ongoing.window_end = end
                ongoing.count = max(ongoing.count, rise.count)
                ongoing.save(update_fields=["window_end", "count"])
                ongoing.appeals.add(*appeals.values_list("pk", flat=True))
            return None
        try:
            with transaction.atomic():
                alert = SpikeAlert.objects.create(
                    topic=topic,
                    municipality_id=rise.municipality_id,
                    scope_key=key,
                    window_start=start,
                    window_end=end,
                    count=rise.count,
                    baseline=round(rise.baseline, 2),
                    created_at=now,
                )
        except IntegrityError:
            return None
        alert.appeals.add(*appeals.values_list("pk", flat=True))
        spike_raised.send(sender=SpikeAlert, alert=alert, now=now)
    return alert
