"""Settings of the benchmark: the project's own, as production runs them (DEBUG off), with a bench-only URL.

The differences from production are only those a local run needs: no HTTPS redirect, static files
served from the apps (no collectstatic), plain HTTP cookies, and ``bench.urls`` (the project's URLs
plus the bare floor view). The database comes from DATABASE_URL, set by ``bench.run``.
"""

import os
import warnings

# WhiteNoise looks for STATIC_ROOT, which only collectstatic makes; the apps' files are served anyway.
warnings.filterwarnings("ignore", message="No directory at")

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("SECURE_HSTS_SECONDS", "0")
# Persistent connections, as a production deployment behind gunicorn would use.
os.environ.setdefault("CONN_MAX_AGE", "60")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# The benchmark measures capacity: the per-account intake limit and the per-login API limit are
# not what is measured (one login makes all the API load). Both still count every request in Redis;
# the API's per second, so that DRF's throttle keeps a second's history per request, not a minute's.
os.environ.setdefault("GOVFEEDBACK_INTAKE_RATE_PER_MINUTE", "100000000")
os.environ.setdefault("GOVFEEDBACK_API_RATE", "100000000/s")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
# The accounts' access tokens (item 8) are encrypted under a bench-only key.
os.environ.setdefault("GOVFEEDBACK_TOKEN_KEYS", "YmVuY2gtb25seS1ub3QtYS1zZWNyZXQtMzItYnl0ZSE=")

from govfeedback.settings import *  # noqa: E402, F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ROOT_URLCONF = "bench.urls"
