from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from analytics.api import StatsView

# The database out of reach (a restart) answers 503 with Retry-After; other errors the usual 500.
handler500 = "audit.errors.server_error"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("admin/", admin.site.urls),
    path("intake/", include("appeals.intake.urls")),
    path("api/v1/stats/", StatsView.as_view(), name="api-stats"),
    path("api/v1/", include("appeals.api.urls", namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
