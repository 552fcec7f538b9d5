import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govfeedback.settings")

application = get_asgi_application()

from govfeedback.web import serve_web  # noqa: E402  (after the settings are loaded)

serve_web()
