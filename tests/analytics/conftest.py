"""A small government's fortnight: appeals of two ministries with known outcomes, and the
figures the dashboard must show for it (worked out by hand in the comments)."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from appeals import services
from appeals.models import Municipality

from ..factories import AppealFactory

KRSK = timezone.get_default_timezone()
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=KRSK)


def at(day: int, hour: int) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=KRSK)


@pytest.fixture
def fortnight(topics, ministry_a, ministry_b, head_a, specialist_a, specialist_b, operator):
    """Ministry A (housing): three appeals received 10–12 Nov, resolved after 10 h (on time) and
    30 h (late, deadline 24 h), one extended and still open. Ministry B (roads): one received
    11 Nov, open and overdue now. One unrouted appeal without a topic. One old appeal of A
    from October, open and overdue (not received in the period, but overdue now)."""
    housing, roads = topics["housing_utilities_landscaping"], topics["roads_transport"]
    chernogorsk = Municipality.objects.get(name="Черногорск")
    a1 = AppealFactory(received_at=at(10, 9), topic=housing, municipality=chernogorsk, text="Нет воды")
    a2 = AppealFactory(received_at=at(11, 9), topic=housing, municipality=chernogorsk, text="Нет отопления")
    a3 = AppealFactory(received_at=at(12, 9), topic=roads, text="Яма во дворе")
    b1 = AppealFactory(received_at=at(11, 10), topic=roads, text="Яма на трассе")
    unrouted = AppealFactory(received_at=at(12, 15), topic=None, text="Спасибо!")
    old = AppealFactory(received_at=datetime(2026, 10, 1, 9, 0, tzinfo=KRSK), topic=housing, text="Старая жалоба")
    for appeal in (a1, a2, a3, old):
        services.assign(appeal, official=specialist_a, actor=operator, now=appeal.received_at + timedelta(minutes=5))
    services.assign(b1, official=specialist_b, actor=operator, now=b1.received_at + timedelta(minutes=5))
    services.resolve(a1, answer="Воду дали", actor=specialist_a.user, now=a1.received_at + timedelta(hours=10))
    services.resolve(a2, answer="Отопление включили", actor=specialist_a.user, now=a2.received_at + timedelta(hours=30))
    services.extend(a3, due_at=NOW + timedelta(days=5), reason="Нужен подрядчик", actor=head_a.user, now=at(13, 9))
    return {"a1": a1, "a2": a2, "a3": a3, "b1": b1, "unrouted": unrouted, "old": old}
