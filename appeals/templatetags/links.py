"""``safe_link``: a stored link as a template may put in ``href`` — http(s) only (``intake.safe_url``)."""

from django import template

from ..intake import safe_url

register = template.Library()


@register.filter
def safe_link(value) -> str:
    return safe_url(value)
