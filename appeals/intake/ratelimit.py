"""Requests a minute to one intake account (``GOVFEEDBACK_INTAKE_RATE_PER_MINUTE``).

The counters live in Django's cache (Redis when CACHE_URL is set, shared by every process). When
the cache cannot be reached the limit is not applied: losing a citizen's appeal is worse than a
burst.
"""

import logging
import time

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def over_limit(account_id: int, now: float | None = None) -> bool:
    """Count one request to the account in the current minute; True once past the limit."""
    minute = int((now or time.time()) // 60)
    key = f"intake-rate:{account_id}:{minute}"
    try:
        try:
            count = cache.incr(key)
        except ValueError:  # the minute's first request: its counter does not exist yet
            count = 1 if cache.add(key, 1, timeout=120) else cache.incr(key)
    except Exception:  # the cache is down: count nothing, refuse nothing
        logger.warning("Intake rate limit not applied: the cache is unreachable.", exc_info=True)
        return False
    return count > settings.GOVFEEDBACK_INTAKE_RATE_PER_MINUTE
