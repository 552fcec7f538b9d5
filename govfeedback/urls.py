from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from analytics.api import StatsView

# The database out of reach (a restart) answers 503 with Retry-After; other errors the usual 500.
handler500 = "audit.errors.server_error"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    # Browsers ask for /favicon.ico on pages that name no icon (the API's JSON, the error pages).
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("appeals/favicon.svg"), permanent=True)),
    path("admin/", admin.site.urls),
    path("intake/", include("appeals.intake.urls")),
    path("api/v1/stats/", StatsView.as_view(), name="api-stats"),
    path("api/v1/", include("appeals.api.urls", namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
