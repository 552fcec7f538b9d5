"""The WSGI application gunicorn serves in the benchmark, loaded once (``--preload``) at the start.

Everything a request needs (the URLs, the admin, the API) is imported here, before the workers
fork: the run measures the code as it was when it started, whatever changes in the tree meanwhile.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018 — imports every view module now
