"""Who plays which part. The press service's operators are the members of one group."""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

OPERATORS_GROUP = "Операторы пресс-службы"


def operator_users() -> QuerySet:
    """Active logins of the press-service operators (they receive escalations)."""
    return get_user_model().objects.filter(is_active=True, groups__name=OPERATORS_GROUP).distinct()
