"""Settings for govfeedback.

Every deployment setting comes from the environment through the small typed helpers below.
With nothing set (and DEBUG=1) the project runs on the embedded defaults: SQLite and a
Celery broker on the file system. A production run (DEBUG off) refuses to start without
SECRET_KEY and ALLOWED_HOSTS.

DEBUG is off unless set. The developer's two entries turn it on for local development: the
Makefile (``make run``, ``make test``), and ``manage.py`` when the environment names nothing of a
deployment (none of DEBUG, DJANGO_ENV, DATABASE_URL, SECRET_KEY, SECRET_KEY_FILE, ALLOWED_HOSTS),
so that ``.venv/bin/python manage.py changepassword admin`` works as the README shows it. A
deployment sets at least one of them, and gunicorn and Celery never pass through manage.py.
"""

import base64
import hashlib
import os
import zoneinfo
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    """A string from the environment, or from the file named by NAME_FILE (for secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc}") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use 1/0, true/false, yes/no.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer.") from None


def env_positive_int(name: str, default: int) -> int:
    value = env_int(name, default)
    if value <= 0:
        raise ImproperlyConfigured(f"{name}={value} must be a positive number.")
    return value


def env_choice(name: str, default: str, choices: list[str]) -> str:
    value = os.environ.get(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of: {', '.join(choices)}.")
    return value


def env_time_zone(name: str, default: str) -> str:
    value = os.environ.get(name, default)
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a known time zone: use an IANA name such as Asia/Krasnoyarsk."
        ) from None
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# A production deployment says so (DJANGO_ENV=production): then DEBUG can never be on.
DJANGO_ENV = env_choice("DJANGO_ENV", "development", ["development", "production"])
if DJANGO_ENV == "production" and DEBUG:
    raise ImproperlyConfigured(
        "DEBUG=1 is refused with DJANGO_ENV=production: debug pages show settings and personal data."
    )

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE) and ALLOWED_HOSTS "
            "for production, or DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not ALLOWED_HOSTS and not DEBUG:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. Set ALLOWED_HOSTS to the host names this site is served on, "
        "e.g. ALLOWED_HOSTS=feedback.r-19.ru."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "govfeedback.apps.GovAdminConfig",  # django.contrib.admin with the analytics pages
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "audit",
    "ministries",
    "appeals",
    "analytics",
    "notifications",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A session's end moves on while its person works (SESSION_COOKIE_AGE of inactivity).
    "audit.middleware.SessionExpiryMiddleware",
    # Who opened which appeal (audit.AccessLog).
    "audit.middleware.AccessLogMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes first: it refuses a login from a locked-out username and address.
AUTHENTICATION_BACKENDS = [
    # An address that failed too often (any logins: password spraying) first, then django-axes.
    "audit.lockout.AddressLimitBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (the admin, and bad API tokens): after this many failures from one address for
# one username, that pair is locked out for AXES_COOLOFF_TIME. Attempts are kept in the database.
AXES_FAILURE_LIMIT = env_positive_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_positive_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Failed logins from one address, whatever the logins, before the address is refused for the
# cool-off (audit.lockout.AddressLimitBackend): an office behind one address has room for mistakes.
AXES_ADDRESS_FAILURE_LIMIT = env_positive_int("AXES_ADDRESS_FAILURE_LIMIT", 20)
AXES_LOCKOUT_CALLABLE = "audit.lockout.locked_out"
# The client's address (behind the TLS proxy: the one it added to X-Forwarded-For).
AXES_CLIENT_IP_CALLABLE = "audit.log.client_ip"

# The cache holds the rate limits' counters. Several processes (gunicorn workers, machines) must
# share it: set CACHE_URL=redis://host:6379/2. Without it each process counts alone (local memory).
# django-redis rather than Django's own Redis backend, which makes a new client for every call
# (~0.3 ms, a tenth of a webhook's time) and increments in two round trips.
CACHE_URL = env_str("CACHE_URL", "")
# A Redis that accepts connections and never answers must not hold a request: every read and
# write gives up after REDIS_TIMEOUT_SECONDS (the counters then count nothing, refuse nothing).
REDIS_TIMEOUT_SECONDS = float(env_str("REDIS_TIMEOUT_SECONDS", "1"))
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": REDIS_TIMEOUT_SECONDS, "SOCKET_TIMEOUT": REDIS_TIMEOUT_SECONDS},
        }
    }
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL={CACHE_URL!r} is not a redis:// URL.")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

ROOT_URLCONF = "govfeedback.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "govfeedback.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 0),
        # A kept connection is checked (SELECT 1) before a request or a task reuses it, so the
        # first request after a database restart reconnects instead of failing.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default has concurrent writers: the web process stores webhooks while the
    # worker turns them into appeals and beat's jobs run. WAL lets readers and the writer go on
    # together; IMMEDIATE takes the write lock at BEGIN, so a writer waits its turn (up to
    # `timeout` seconds) instead of failing at once with "database is locked" when a read
    # transaction tries to become a write one.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }
# A web process (govfeedback.wsgi and .asgi, see govfeedback/web.py) sets this statement timeout on
# its PostgreSQL connections: no request keeps a backend busy for minutes. Workers' jobs have none;
# the dashboard sets its own for its queries (GOVFEEDBACK_DASHBOARD_TIMEOUT_SECONDS).
GOVFEEDBACK_WEB_STATEMENT_TIMEOUT_SECONDS = env_positive_int("GOVFEEDBACK_WEB_STATEMENT_TIMEOUT_SECONDS", 30)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The interface is in Russian whatever the browser asks for (no LocaleMiddleware); source strings
# are English (locale/ru/LC_MESSAGES/django.po).
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "ru")
LANGUAGES = [("ru", "Русский"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_time_zone("TIME_ZONE", "Asia/Krasnoyarsk")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security: on unless DEBUG. Behind a TLS-terminating proxy set SECURE_PROXY_SSL_HEADER.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
# A login's session ends after a working day without activity (audit.middleware.SessionExpiryMiddleware
# moves the end on as the person works), not after Django's default 14 days.
SESSION_COOKIE_AGE = env_positive_int("SESSION_IDLE_HOURS", 10) * 3600
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
GOVFEEDBACK_BEHIND_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if GOVFEEDBACK_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# In development, e-mails are written to files under .run/mail (EMAIL_FILE_PATH), a file per batch.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / ".run" / "mail"))
EMAIL_PORT = env_int("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "govfeedback@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Celery: Redis in production; with nothing set, kombu's filesystem transport (no server).
RUN_DIR = Path(env_str("RUN_DIR", str(BASE_DIR / ".run")))
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = RUN_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(RUN_DIR / "broker-processed"),
        "control_folder": str(RUN_DIR / "broker-control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
        # A webhook's hand-off to a worker fails within a second when Redis is down (the default
        # retries for 6 s while the platform waits); the accepted event waits for the sweep.
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
        # ... and a Redis that accepted the connection but never answers: no read waits longer.
        "socket_timeout": REDIS_TIMEOUT_SECONDS,
    }
# Several deployments (or a test run) can share one Redis by using different queue names.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
# Celery's Django fixup closes the worker's database connection around every task unless told to
# reuse it; then govfeedback.celery closes it only when it broke or is older than CONN_MAX_AGE.
CELERY_DB_REUSE_MAX = 1000
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(RUN_DIR / "celerybeat-schedule")
# The deadline jobs: each a set-based, idempotent function; the intervals are seconds.
CELERY_BEAT_SCHEDULE = {
    # Accepted webhooks whose task was lost with the broker (appeals.intake.processing).
    "process-pending-events": {
        "task": "appeals.tasks.process_pending_events",
        "schedule": env_positive_int("PROCESS_PENDING_EVERY_SECONDS", 60),
    },
    "flag-overdue": {
        "task": "notifications.tasks.flag_overdue",
        "schedule": env_positive_int("FLAG_OVERDUE_EVERY_SECONDS", 60),
    },
    "remind-due-soon": {
        "task": "notifications.tasks.remind_due_soon",
        "schedule": env_positive_int("REMIND_DUE_SOON_EVERY_SECONDS", 60),
    },
    "escalate-overdue": {
        "task": "notifications.tasks.escalate_overdue",
        "schedule": env_positive_int("ESCALATE_EVERY_SECONDS", 300),
    },
    "queue-digests": {
        "task": "notifications.tasks.queue_digests",
        "schedule": env_positive_int("QUEUE_DIGESTS_EVERY_SECONDS", 600),
    },
    "send-notifications": {
        "task": "notifications.tasks.send_notifications",
        "schedule": env_positive_int("SEND_NOTIFICATIONS_EVERY_SECONDS", 30),
    },
    "publish-answers": {
        "task": "appeals.tasks.publish_answers",
        "schedule": env_positive_int("PUBLISH_ANSWERS_EVERY_SECONDS", 10),
    },
    # VK authors by their names instead of "id…" (appeals.publishing.authors).
    "fill-author-names": {
        "task": "appeals.tasks.fill_author_names",
        "schedule": env_positive_int("FILL_AUTHOR_NAMES_EVERY_SECONDS", 60),
    },
    "anonymise-expired": {
        "task": "appeals.tasks.anonymise_expired",
        "schedule": env_positive_int("ANONYMISE_EVERY_SECONDS", 3600),
    },
    "detect-spikes": {
        "task": "analytics.tasks.detect_spikes",
        "schedule": env_positive_int("DETECT_SPIKES_EVERY_SECONDS", 3600),
    },
    "refresh-dashboards": {
        "task": "analytics.tasks.refresh_dashboards",
        "schedule": env_positive_int("DASHBOARD_REFRESH_EVERY_SECONDS", 300),
    },
    "weekly-report": {
        "task": "analytics.tasks.weekly_report",
        "schedule": env_positive_int("WEEKLY_REPORT_EVERY_SECONDS", 3600),
    },
    # The routing model relearns from the history (appeals.routing_model.store.retrain), daily.
    "train-routing": {
        "task": "appeals.tasks.train_routing",
        "schedule": env_positive_int("TRAIN_ROUTING_EVERY_SECONDS", 86400),
    },
}

REST_FRAMEWORK = {
    # Token first: an anonymous request gets 401 with "WWW-Authenticate: Token" (not a bare 403).
    # Tokens are stored hashed (django-rest-knox); see appeals.api.authentication.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "appeals.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Per token (or per login for the admin's session): appeals.api.authentication.TokenRateThrottle.
    "DEFAULT_THROTTLE_CLASSES": ["appeals.api.authentication.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env_str("GOVFEEDBACK_API_RATE", "1200/min")},
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["appeals.api.filters.FilterBackend"],
    # The small tables; the appeals list uses a cursor (appeals.api.pagination).
    "DEFAULT_PAGINATION_CLASS": "appeals.api.pagination.SmallTablePagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "appeals.api.schema.AutoSchema",
}
# API tokens: issued by `manage.py issue_token LOGIN`, shown once, stored as a SHA-512 digest.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env_positive_int("GOVFEEDBACK_API_TOKEN_DAYS", 365)),
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    # In the interface's language, as the summaries and fields (appeals.api.schema).
    "TITLE": gettext_lazy("govfeedback API"),
    "DESCRIPTION": gettext_lazy("Citizens' appeals to a regional government: routing, deadlines, intake."),
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "appeals.api.schema.in_russian"],
    # The choices' codes are listed in each enum; their English "code - code" lines say nothing more.
    "ENUM_GENERATE_CHOICE_DESCRIPTION": False,
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its interactive page are for logged-in staff (session or token).
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "AppealStatusEnum": "appeals.models.Appeal.Status",
        "RejectionReasonEnum": "appeals.models.Appeal.RejectionReason",
        "EventKindEnum": "appeals.models.AppealEvent.Kind",
        "AccountKindEnum": "ministries.models.SocialAccount.Kind",
    },
    # The interactive page's assets come from drf-spectacular-sidecar: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# The classifier sets the topic of a new appeal when at least this confident; else operators triage.
GOVFEEDBACK_CLASSIFY_MIN_CONFIDENCE = float(env_str("GOVFEEDBACK_CLASSIFY_MIN_CONFIDENCE", "0.8"))

# Duplicate suggestions: appeals this many days apart, and how similar texts must be (0-1).
GOVFEEDBACK_DUPLICATE_DAYS = env_positive_int("GOVFEEDBACK_DUPLICATE_DAYS", 7)
GOVFEEDBACK_DUPLICATE_TEXT_SIMILARITY = float(env_str("GOVFEEDBACK_DUPLICATE_TEXT_SIMILARITY", "0.4"))

# The citizen's reaction: their message in the thread within this many days of the answer joins the
# resolved appeal and brings it back to the operators (reopened at once if it says "not solved").
GOVFEEDBACK_REACTION_DAYS = env_positive_int("GOVFEEDBACK_REACTION_DAYS", 7)

# Intake: the largest webhook body stored (bytes); larger requests are refused with 413.
GOVFEEDBACK_INTAKE_MAX_BODY = env_positive_int("GOVFEEDBACK_INTAKE_MAX_BODY", 256 * 1024)
# Meta (Facebook, Instagram) webhooks: the app secret that signs the payloads.
GOVFEEDBACK_META_APP_SECRET = env_str("GOVFEEDBACK_META_APP_SECRET", "")
# Intake: requests to one account a minute; more are stored, refused with 429 and can be replayed.
GOVFEEDBACK_INTAKE_RATE_PER_MINUTE = env_positive_int("GOVFEEDBACK_INTAKE_RATE_PER_MINUTE", 600)
# Intake: a request that fails its platform's check (an unknown account, a wrong secret or signature,
# a malformed body) keeps only its metadata and the first KB of its body; past these limits a minute
# (from one client address — an IPv6 /64 —, and in all) it is answered 429 and not stored. Authenticated
# deliveries never count. Refused requests are deleted after GOVFEEDBACK_INTAKE_REFUSED_DAYS.
GOVFEEDBACK_INTAKE_RATE_PER_ADDRESS = env_positive_int("GOVFEEDBACK_INTAKE_RATE_PER_ADDRESS", 30)
GOVFEEDBACK_INTAKE_REFUSED_PER_MINUTE = env_positive_int("GOVFEEDBACK_INTAKE_REFUSED_PER_MINUTE", 120)
GOVFEEDBACK_INTAKE_REFUSED_DAYS = env_positive_int("GOVFEEDBACK_INTAKE_REFUSED_DAYS", 7)
# An accepted webhook still unprocessed after this many seconds lost its task (the broker was down):
# the beat's sweep processes it.
GOVFEEDBACK_INTAKE_PENDING_AFTER_SECONDS = env_positive_int("GOVFEEDBACK_INTAKE_PENDING_AFTER_SECONDS", 60)

# Personal data (152-FZ): authors' names, profile links and platform ids, and the raw requests,
# are anonymised this many days after an appeal is resolved or rejected (the text stays).
GOVFEEDBACK_RETENTION_DAYS = env_positive_int("GOVFEEDBACK_RETENTION_DAYS", 3 * 365)

# Domain settings.
# The deadline policy of an appeal whose topic is not known yet (a topic's own policy wins).
GOVFEEDBACK_DEFAULT_SLA_HOURS = env_positive_int("GOVFEEDBACK_DEFAULT_SLA_HOURS", 24)
GOVFEEDBACK_DEFAULT_SLA_MODE = env_choice("GOVFEEDBACK_DEFAULT_SLA_MODE", "calendar", ["calendar", "working"])
GOVFEEDBACK_DEFAULT_PAUSE_WHEN_AWAITING = env_bool("GOVFEEDBACK_DEFAULT_PAUSE_WHEN_AWAITING", True)
# The first public answer is due this many hours after arrival (in the topic's mode).
GOVFEEDBACK_FIRST_ANSWER_HOURS = env_positive_int("GOVFEEDBACK_FIRST_ANSWER_HOURS", 24)
# Working hours (local time) and the public-holiday calendar of the `holidays` package.
GOVFEEDBACK_WORKDAY_START = env_int("GOVFEEDBACK_WORKDAY_START", 9)
GOVFEEDBACK_WORKDAY_END = env_int("GOVFEEDBACK_WORKDAY_END", 18)
if not 0 <= GOVFEEDBACK_WORKDAY_START < GOVFEEDBACK_WORKDAY_END <= 24:
    raise ImproperlyConfigured("GOVFEEDBACK_WORKDAY_START must be before GOVFEEDBACK_WORKDAY_END, both hours 0-24.")
GOVFEEDBACK_HOLIDAYS_COUNTRY = env_str("GOVFEEDBACK_HOLIDAYS_COUNTRY", "RU")
# An open appeal is "due soon" (highlighted, and its assignee reminded) this many hours before.
GOVFEEDBACK_DUE_SOON_HOURS = env_positive_int("GOVFEEDBACK_DUE_SOON_HOURS", 4)
# An appeal overdue this long is escalated to the press-service operators.
GOVFEEDBACK_ESCALATE_AFTER_HOURS = env_positive_int("GOVFEEDBACK_ESCALATE_AFTER_HOURS", 24)
# Ministry heads' morning digest: from this local hour (and within the three hours after it).
GOVFEEDBACK_DIGEST_HOUR = env_int("GOVFEEDBACK_DIGEST_HOUR", 9)
# A shared mailbox of the press service that also receives escalations (optional).
GOVFEEDBACK_PRESS_SERVICE_EMAIL = env_str("GOVFEEDBACK_PRESS_SERVICE_EMAIL", "")
# Links in e-mails point here.
GOVFEEDBACK_BASE_URL = env_str("GOVFEEDBACK_BASE_URL", "http://127.0.0.1:8000")
# Delivery: attempts before giving up, and how long a sender holds a notification.
GOVFEEDBACK_NOTIFY_MAX_ATTEMPTS = env_positive_int("GOVFEEDBACK_NOTIFY_MAX_ATTEMPTS", 8)
GOVFEEDBACK_NOTIFY_LEASE_SECONDS = env_positive_int("GOVFEEDBACK_NOTIFY_LEASE_SECONDS", 300)
# Publishing answers (appeals/publishing, docs/publishing.md). The accounts' access tokens are
# encrypted with these Fernet keys (comma-separated: the first encrypts, all decrypt; rotate with
# manage.py rotate_tokens). Unset: a development run (DEBUG) derives one from SECRET_KEY.
GOVFEEDBACK_TOKEN_KEYS = [key.strip() for key in (env_str("GOVFEEDBACK_TOKEN_KEYS") or "").split(",") if key.strip()]
if not GOVFEEDBACK_TOKEN_KEYS and DEBUG:
    GOVFEEDBACK_TOKEN_KEYS = [
        base64.urlsafe_b64encode(
            hashlib.sha256(b"govfeedback access tokens\x00" + SECRET_KEY.encode()).digest()
        ).decode()
    ]
for _key in GOVFEEDBACK_TOKEN_KEYS:
    try:
        if len(base64.urlsafe_b64decode(_key.encode())) != 32:
            raise ValueError
    except ValueError:
        raise ImproperlyConfigured(
            "GOVFEEDBACK_TOKEN_KEYS holds a value that is not a Fernet key (32 bytes in URL-safe base64): "
            'make one with python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())".'
        ) from None
# The platforms' API base URLs (the tests point them at a local server) and how long one call may take.
GOVFEEDBACK_VK_API_URL = env_str("GOVFEEDBACK_VK_API_URL", "https://api.vk.com/method")
GOVFEEDBACK_VK_API_VERSION = env_str("GOVFEEDBACK_VK_API_VERSION", "5.199")
GOVFEEDBACK_OK_API_URL = env_str("GOVFEEDBACK_OK_API_URL", "https://api.ok.ru")
GOVFEEDBACK_META_API_URL = env_str("GOVFEEDBACK_META_API_URL", "https://graph.facebook.com/v21.0")
GOVFEEDBACK_PUBLISH_TIMEOUT = env_positive_int("GOVFEEDBACK_PUBLISH_TIMEOUT", 15)
# A sender holds a publication this long; attempts before a temporary failure becomes "not published".
GOVFEEDBACK_PUBLISH_LEASE_SECONDS = env_positive_int("GOVFEEDBACK_PUBLISH_LEASE_SECONDS", 120)
GOVFEEDBACK_PUBLISH_MAX_ATTEMPTS = env_positive_int("GOVFEEDBACK_PUBLISH_MAX_ATTEMPTS", 10)
# The first retry after a temporary failure, in seconds; each next one waits twice as long (at most 6 h).
GOVFEEDBACK_PUBLISH_BACKOFF_SECONDS = env_positive_int("GOVFEEDBACK_PUBLISH_BACKOFF_SECONDS", 60)
# Telegram Bot API (optional): reminders also go to officials' chats.
GOVFEEDBACK_TELEGRAM_BOT_TOKEN = env_str("GOVFEEDBACK_TELEGRAM_BOT_TOKEN", "")
GOVFEEDBACK_TELEGRAM_API_URL = env_str("GOVFEEDBACK_TELEGRAM_API_URL", "https://api.telegram.org")
GOVFEEDBACK_TELEGRAM_TIMEOUT = env_positive_int("GOVFEEDBACK_TELEGRAM_TIMEOUT", 10)
# The admin list counts matching appeals up to this number, then says "more than".
GOVFEEDBACK_ADMIN_COUNT_LIMIT = env_int("GOVFEEDBACK_ADMIN_COUNT_LIMIT", 10000)

# Analytics (analytics/). The dashboard refuses longer periods, and on PostgreSQL stops any of its
# queries after this many seconds with a message instead of running for minutes.
GOVFEEDBACK_DASHBOARD_MAX_DAYS = env_positive_int("GOVFEEDBACK_DASHBOARD_MAX_DAYS", 3660)
GOVFEEDBACK_DASHBOARD_TIMEOUT_SECONDS = env_positive_int("GOVFEEDBACK_DASHBOARD_TIMEOUT_SECONDS", 30)
# The dashboard's figures are kept this long (analytics/snapshots.py); beat computes the usual views
# ahead every DASHBOARD_REFRESH_EVERY_SECONDS.
GOVFEEDBACK_DASHBOARD_SNAPSHOT_SECONDS = env_positive_int("GOVFEEDBACK_DASHBOARD_SNAPSHOT_SECONDS", 600)
# Spike alerts: every hour the last GOVFEEDBACK_SPIKE_WINDOW_HOURS are compared, per topic and per
# topic and municipality, with the same hours of the previous GOVFEEDBACK_SPIKE_BASELINE_WEEKS
# weeks. A spike is at least GOVFEEDBACK_SPIKE_MIN_APPEALS appeals and GOVFEEDBACK_SPIKE_RATIO
# times the usual number (the weekly mean, taken as at least 1).
GOVFEEDBACK_SPIKE_WINDOW_HOURS = env_positive_int("GOVFEEDBACK_SPIKE_WINDOW_HOURS", 3)
GOVFEEDBACK_SPIKE_BASELINE_WEEKS = env_positive_int("GOVFEEDBACK_SPIKE_BASELINE_WEEKS", 4)
GOVFEEDBACK_SPIKE_MIN_APPEALS = env_positive_int("GOVFEEDBACK_SPIKE_MIN_APPEALS", 5)
GOVFEEDBACK_SPIKE_RATIO = float(env_str("GOVFEEDBACK_SPIKE_RATIO", "3"))
if GOVFEEDBACK_SPIKE_RATIO <= 1:
    raise ImproperlyConfigured("GOVFEEDBACK_SPIKE_RATIO must be above 1, e.g. 3 (three times the usual number).")
# Exports: at most this many appeals in one XLSX file (CSV streams any number).
GOVFEEDBACK_EXPORT_MAX_ROWS = env_positive_int("GOVFEEDBACK_EXPORT_MAX_ROWS", 200000)
# The weekly report for the Head: generated on this weekday (0 = Monday) from this local hour.
GOVFEEDBACK_WEEKLY_REPORT_WEEKDAY = env_int("GOVFEEDBACK_WEEKLY_REPORT_WEEKDAY", 0)
GOVFEEDBACK_WEEKLY_REPORT_HOUR = env_int("GOVFEEDBACK_WEEKLY_REPORT_HOUR", 8)
