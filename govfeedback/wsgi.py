import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govfeedback.settings")

application = get_wsgi_application()

from govfeedback.web import serve_web  # noqa: E402  (after the settings are loaded)

serve_web()
