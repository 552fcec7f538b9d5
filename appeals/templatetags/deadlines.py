"""``{{ appeal|time_left }}``: the time left or overdue in words (``sla.time_left``) for templates,
the e-mails' included."""

from django import template

from .. import sla

register = template.Library()


@register.filter
def time_left(appeal) -> str:
    return sla.time_left(appeal)
