"""The routes of the API, version 1 (included under ``/api/v1/`` by ``govfeedback/urls.py``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ministries.api.views import MinistryViewSet, OfficialViewSet, SocialAccountViewSet

from .views import AppealViewSet, StatsView, TopicViewSet

router = SimpleRouter()
router.register("appeals", AppealViewSet, basename="appeal")
router.register("topics", TopicViewSet, basename="topic")
router.register("ministries", MinistryViewSet, basename="ministry")
router.register("officials", OfficialViewSet, basename="official")
router.register("accounts", SocialAccountViewSet, basename="account")

app_name = "api"

urlpatterns = [
    path("stats/", StatsView.as_view(), name="stats"),
    # RESERVED FOR THE INTAKE WORK (appeals/intake/): the batch endpoint ``intake/`` (POST) goes
    # here, e.g. ``path("intake/", intake.views.BatchIntakeView.as_view(), name="intake"),``.
    # Not implemented by the API work on purpose.
    *router.urls,
]
