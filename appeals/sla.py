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
from django.utils.translation import gettext, ngettext

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


def add_working_days(start: datetime, days: int) -> datetime:
    """The same local time of day ``days`` working days after ``start`` (the extension shortcuts)."""
    local = timezone.localtime(start)
    day, counted = local.date(), 0
    for _ in range(_MAX_DAYS):
        if counted == days:
            break
        day += timedelta(days=1)
        counted += is_working_day(day)
    return datetime.combine(day, local.time(), tzinfo=local.tzinfo)


# --- the time left in words ----------------------------------------------------------------------


def _amount(hours: float, mode: str) -> tuple[str, int]:
    """The unit a span is told in (minutes under an hour, hours under two days, then days; a day of
    working time is one working day's hours) and how many whole units it holds."""
    if hours < 1:
        return "min", int(hours * 60)
    day = 24 if mode == Mode.CALENDAR else settings.GOVFEEDBACK_WORKDAY_END - settings.GOVFEEDBACK_WORKDAY_START
    if hours < 2 * day:
        return "h", int(hours)
    return "days", int(hours // day)


def _left_words(unit: str, count: int, working: bool) -> str:
    if unit == "min":
        return ngettext("%(count)d min left", "%(count)d min left", count) % {"count": count}
    if unit == "h" and working:
        return ngettext("%(count)d working h left", "%(count)d working h left", count) % {"count": count}
    if unit == "h":
        return ngettext("%(count)d h left", "%(count)d h left", count) % {"count": count}
    if working:
        return ngettext("%(count)d working days left", "%(count)d working days left", count) % {"count": count}
    return ngettext("%(count)d days left", "%(count)d days left", count) % {"count": count}


def _overdue_words(unit: str, count: int, working: bool) -> str:
    if unit == "min":
        return ngettext("overdue by %(count)d min", "overdue by %(count)d min", count) % {"count": count}
    if unit == "h" and working:
        return ngettext("overdue by %(count)d working h", "overdue by %(count)d working h", count) % {"count": count}
    if unit == "h":
        return ngettext("overdue by %(count)d h", "overdue by %(count)d h", count) % {"count": count}
    if working:
        return ngettext("overdue by %(count)d working days", "overdue by %(count)d working days", count) % {
            "count": count
        }
    return ngettext("overdue by %(count)d days", "overdue by %(count)d days", count) % {"count": count}


def time_left(appeal, now: datetime | None = None) -> str:
    """The time left to an appeal's deadline or past it, in words, counted as its topic's policy
    counts (calendar or working hours): «осталось 3 ч», «просрочено 2 раб. дн.». Empty for a closed
    appeal. The one wording of the lists, the appeal's page and the e-mails."""
    now = now or timezone.now()
    if not appeal.is_open:
        return ""
    if appeal.paused_at is not None:
        return gettext("clock stopped")
    _hours, mode, _pause = policy(appeal.topic)
    working = mode == Mode.WORKING
    if appeal.due_at >= now:
        unit, count = _amount(hours_between(now, appeal.due_at, mode), mode)
        return _left_words(unit, count, working) if count else gettext("due now")
    unit, count = _amount(hours_between(appeal.due_at, now, mode), mode)
    return _overdue_words(unit, count, working) if count else gettext("overdue")
