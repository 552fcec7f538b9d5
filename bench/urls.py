"""The project's URLs plus the bare floor view (benchmark only)."""

from django.urls import path

from govfeedback.urls import urlpatterns as project_urlpatterns

from .bare import bare_appeals

urlpatterns = [path("bench/bare-appeals/", bare_appeals), *project_urlpatterns]
