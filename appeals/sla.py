"""Deadlines.

A deadline policy belongs to a topic (``Topic.sla_hours``, ``sla_mode``, ``pause_when_awaiting``);
appeals without a topic follow the defaults in settings. Hours are counted on the calendar or in
working hours: GOVFEEDBACK_WORKDAY_START to GOVFEEDBACK_WORKDAY_END local time on working days of
the `holidays` calendar (Russian public holidays, with the officially moved working days).

The jobs that act on deadlines (flag overdue appeals, remind, escalate) are ``notifications.jobs``.
"""

from datetime import date, datetime, time, timedelta
from functools import cache

import holidays
from django.conf import settings
from django.utils import timezone

from .models import Topic

Mode = Topic.SlaMode
# No deadline is further than this many days of walking the calendar.
_MAX_DAYS = 3660


# --- policy and arithmetic -----------------------------------------------------------------------


def policy(topic: Topic | None) -> tuple[int, str, bool]:
    """(hours, mode, pause while awaiting the citizen) for appeals about ``topic``."""
    if topic is not None:
        return topic.sla_hours, topic.sla_mode, topic.pause_when_awaiting
    return (
        settings.GOVFEEDBACK_DEFAULT_SLA_HOURS,
        settings.GOVFEEDBACK_DEFAULT_SLA_MODE,
        settings.GOVFEEDBACK_DEFAULT_PAUSE_WHEN_AWAITING,
    )


@cache
def _calendar() -> holidays.HolidayBase:
    return holidays.country_holidays(settings.GOVFEEDBACK_HOLIDAYS_COUNTRY)


def is_working_day(day: date) -> bool:
    """Monday to Friday, minus public holidays, plus the weekend days officially made working."""
    return _calendar().is_working_day(day)


def _working_hours(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_default_timezone()
    start = datetime.combine(day, time(settings.GOVFEEDBACK_WORKDAY_START), tzinfo=tz)
    end = datetime.combine(day, time(settings.GOVFEEDBACK_WORKDAY_END), tzinfo=tz)
    return start, end


def _working_periods(since: datetime):
    """The working periods (start, end) from ``since`` on, the first one clipped to it."""
    day = timezone.localtime(since).date()
    for _ in range(_MAX_DAYS):
        if is_working_day(day):
            start, end = _working_hours(day)
            if end > since:
                yield max(start, since), end
        day += timedelta(days=1)
    raise ValueError(f"No working time within {_MAX_DAYS} days of {since}: check the calendar settings.")


def add_hours(start: datetime, hours: float, mode: str) -> datetime:
    """``start`` plus ``hours`` counted on the calendar or in working hours."""
    if mode == Mode.CALENDAR:
        return start + timedelta(hours=hours)
    remaining = timedelta(hours=hours)
    for begin, end in _working_periods(start):
        if remaining <= end - begin:
            return begin + remaining
        remaining -= end - begin
    raise AssertionError("unreachable")


def hours_between(start: datetime, end: datetime, mode: str) -> float:
    """How many calendar or working hours lie between ``start`` and ``end``."""
    if end <= start:
        return 0.0
    if mode == Mode.CALENDAR:
        return (end - start).total_seconds() / 3600
    total = timedelta()
    for begin, finish in _working_periods(start):
        if begin >= end:
            break
        total += min(finish, end) - begin
    return total.total_seconds() / 3600


def deadline_for(start: datetime, topic: Topic | None) -> datetime:
    """The resolution deadline of an appeal about ``topic`` whose clock started at ``start``."""
    hours, mode, _pause = policy(topic)
    return add_hours(start, hours, mode)


def first_answer_deadline(start: datetime, topic: Topic | None) -> datetime:
    """When the first public answer is due (GOVFEEDBACK_FIRST_ANSWER_HOURS, in the topic's mode)."""
    _hours, mode, _pause = policy(topic)
    return add_hours(start, settings.GOVFEEDBACK_FIRST_ANSWER_HOURS, mode)
