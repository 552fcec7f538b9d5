"""Rate limits, counted in Django's cache (Redis when CACHE_URL is set, shared by
every process).

- ``over_limit``: requests to one account (``GOVFEEDBACK_INTAKE_RATE_PER_MINUTE``). A request past
  it is stored refused; one that passed its platform's check can be replayed.
- ``refused_over_limit``: requests that did not pass a platform's check (an unknown account, a
  wrong secret or signature, a malformed body), from one client address
  (``GOVFEEDBACK_INTAKE_RATE_PER_ADDRESS``) and in all (``GOVFEEDBACK_INTAKE_REFUSED_PER_MINUTE``).
  They are counted after the check and before they are stored: past a limit they are answered 429
  and not stored at all. A platform's authenticated deliveries never count here, so no burst of
  theirs is refused because of an address (VK, Telegram and OK send from a few addresses).

- ``wait_for``: a platform's limit on the calls of one account (publishing answers,
  ``appeals.publishing``): how long to wait for room.

When the cache cannot be reached no limit is applied: losing a citizen's appeal is worse than a
burst (a refused request is then still stored with the first kilobyte of its body only).
"""

import ipaddress
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext

logger = logging.getLogger(__name__)


def _count(key: str) -> int | None:
    """Count one more under ``key`` (a minute's counter); None when the cache is unreachable."""
    try:
        try:
            return cache.incr(key)
        except ValueError:  # the minute's first request: its counter does not exist yet
            return 1 if cache.add(key, 1, timeout=120) else cache.incr(key)
    except Exception:  # the cache is down: count nothing, refuse nothing
        logger.warning("Rate limit not applied: the cache is unreachable.", exc_info=True)
        return None


def over_limit(account_id: int, now: float | None = None) -> bool:
    """Count one request to the account in the current minute; True once past the limit."""
    minute = int((now or time.time()) // 60)
    count = _count(f"intake-rate:{account_id}:{minute}")
    return count is not None and count > settings.GOVFEEDBACK_INTAKE_RATE_PER_MINUTE


def client(address: str | None) -> str:
    """Whom a limit counts: an IPv4 address, or the /64 network of an IPv6 one (what one subscriber
    gets: each of its addresses must not count on its own)."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)


def refused_over_limit(address: str | None, now: float | None = None) -> str | None:
    """Count one refused request from ``address`` in the current minute; once past the limit of
    one address or of all, the reason to answer with (and a warning in the log the first time a
    minute), else None."""
    minute = int((now or time.time()) // 60)
    source = client(address)
    for key, limit, reason in [
        (
            f"intake-refused:{source}:{minute}",
            settings.GOVFEEDBACK_INTAKE_RATE_PER_ADDRESS,
            gettext(
                "More than %(limit)d refused requests a minute from this address "
                "(GOVFEEDBACK_INTAKE_RATE_PER_ADDRESS); not stored."
            ),
        ),
        (
            f"intake-refused:all:{minute}",
            settings.GOVFEEDBACK_INTAKE_REFUSED_PER_MINUTE,
            gettext(
                "More than %(limit)d refused requests a minute in all "
                "(GOVFEEDBACK_INTAKE_REFUSED_PER_MINUTE); not stored."
            ),
        ),
    ]:
        count = _count(key)
        if count is not None and count > limit:
            if count == limit + 1:
                logger.warning("Intake: %s (the address: %s)", reason % {"limit": limit}, source)
            return reason % {"limit": limit}
    return None


def wait_for(key: str, limit: int, seconds: int, now: float | None = None, margin: float = 0.2) -> float:
    """Count one use of ``key`` in its current window of ``seconds`` (shared by every process, like
    the intake's counters); 0 while within ``limit``, else the seconds until a window with room.

    A use counted in the last ``margin`` seconds of a window may reach the other side after the
    next one began: it counts in both, so that no window, as the other side counts, holds more
    than ``limit``. Unreachable cache: 0 (nothing is held back; the platform's own limit answers)."""
    now = now if now is not None else time.time()
    window = int(now // seconds)
    windows = [window, window + 1] if (window + 1) * seconds - now < margin else [window]
    for each in windows:
        count = _count(f"rate:{key}:{seconds}:{each}")
        if count is not None and count > limit:
            return (each + 1) * seconds - now
    return 0.0
