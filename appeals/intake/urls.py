from django.urls import path

from .views import webhook

app_name = "intake"
urlpatterns = [path("<str:platform>/<str:account_key>/", webhook, name="webhook")]
