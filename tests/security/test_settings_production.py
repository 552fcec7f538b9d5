"""Production settings: DEBUG can never be on once the deployment says it is production."""

from ..govfeedback.test_settings import check

PRODUCTION = {"SECRET_KEY": "p" * 30 + "-production-secret-" + "s" * 20, "ALLOWED_HOSTS": "feedback.example.ru"}
# The rate limits' shared counters (not reached by `check`).
CACHE = {"CACHE_URL": "redis://127.0.0.1:6390/0"}


def test_debug_is_refused_in_production():
    result = check(DJANGO_ENV="production", DEBUG="1", **PRODUCTION)
    assert result.returncode != 0
    assert "DEBUG=1 is refused with DJANGO_ENV=production" in result.stderr


def test_production_passes_the_deploy_check_with_throttling_and_hashed_tokens():
    result = check(DJANGO_ENV="production", DEBUG="0", **PRODUCTION, **CACHE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_without_a_shared_cache_is_refused_with_the_fix():
    result = check(DJANGO_ENV="production", DEBUG="0", **PRODUCTION)
    assert result.returncode != 0
    assert "govfeedback.E001" in result.stderr and "CACHE_URL=redis://" in result.stderr


def test_a_cache_url_that_is_not_redis_is_refused():
    result = check(DEBUG="1", CACHE_URL="memcached://127.0.0.1:11211")
    assert result.returncode != 0
    assert "CACHE_URL='memcached://127.0.0.1:11211' is not a redis:// URL" in result.stderr


def test_an_unknown_environment_name_is_refused():
    result = check(DEBUG="1", DJANGO_ENV="prod")
    assert result.returncode != 0
    assert "DJANGO_ENV='prod' is not one of: development, production" in result.stderr
