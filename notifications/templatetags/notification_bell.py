"""The bell in the admin's header: how many notices the person has not read, and the latest of them."""

from django import template
from django.db.models import Count, Window

from .. import services

register = template.Library()

SHOWN = 8


@register.inclusion_tag("admin/notifications/_bell.html", takes_context=True)
def notification_bell(context) -> dict:
    """One query whatever the number of notices: the latest ``SHOWN`` unread, each with the count of
    all unread (a window over them, computed before the limit; ``notification_unread_idx``)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"shown": False}
    latest = list(
        services.inbox(user)
        .filter(read_at__isnull=True)
        .select_related("appeal")
        .annotate(unread_total=Window(Count("pk")))[:SHOWN]
    )
    return {"shown": True, "latest": latest, "unread": latest[0].unread_total if latest else 0}
