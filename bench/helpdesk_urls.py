"""django-helpdesk's URLs, so that its e-mails can link to a ticket (peer benchmark only)."""

from django.urls import include, path

urlpatterns = [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]
