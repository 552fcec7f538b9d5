"""The routes of the API, version 1 (included under ``/api/v1/`` by ``govfeedback/urls.py``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .intake import BatchIntakeView
from .people import MinistryViewSet, OfficialViewSet, SocialAccountViewSet
from .views import AppealViewSet, TopicViewSet

router = SimpleRouter()
router.register("appeals", AppealViewSet, basename="appeal")
router.register("topics", TopicViewSet, basename="topic")
router.register("ministries", MinistryViewSet, basename="ministry")
router.register("officials", OfficialViewSet, basename="official")
router.register("accounts", SocialAccountViewSet, basename="account")

app_name = "api"

urlpatterns = [
    path("intake/", BatchIntakeView.as_view(), name="intake"),
    *router.urls,
]
