"""What a web process (gunicorn or runserver through govfeedback.wsgi, or govfeedback.asgi) adds.

Its PostgreSQL connections stop any statement after GOVFEEDBACK_WEB_STATEMENT_TIMEOUT_SECONDS: a
search or a filter someone typed cannot keep a backend busy for minutes. Celery workers do not load
this module; their jobs may run longer.
"""

from django.conf import settings
from django.db.backends.signals import connection_created


def limit_statements(sender, connection, **kwargs) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, false)",
                [str(settings.GOVFEEDBACK_WEB_STATEMENT_TIMEOUT_SECONDS * 1000)],
            )


def serve_web() -> None:
    connection_created.connect(limit_statements, dispatch_uid="govfeedback-web-statement-timeout")
