"""System checks of the settings that only the running system can judge (``manage.py check``)."""

from django.conf import settings
from django.core.checks import Error, Tags, register

# Cache backends every process reaches: what the rate limits count in must be one of them.
SHARED_CACHES = ("django_redis.cache.RedisCache", "django.core.cache.backends.redis.RedisCache")


@register(Tags.caches)
def rate_limit_cache_is_shared(app_configs=None, **kwargs) -> list:
    """The rate limits (the intake's, and the platforms' limits each token is held to when
    publishing answers) are counters in the default cache; each process counting alone lets N
    workers make N times the calls a platform allows. An error in production; development's
    embedded defaults (one machine, no token of a real account) are let be."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend in SHARED_CACHES or settings.DEBUG:
        return []
    return [
        Error(
            f"The default cache ({backend}) is not shared by the processes: the rate limits of the intake and "
            "of publishing answers are then counted by each process alone.",
            hint="Set CACHE_URL=redis://host:6379/2 (docs/publishing.md, «Limits»).",
            id="govfeedback.E001",
        )
    ]
