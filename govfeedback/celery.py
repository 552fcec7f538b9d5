import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govfeedback.settings")

app = Celery("govfeedback")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# kombu's filesystem transport (the embedded default) needs its folders to exist.
for option in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
    folder = (app.conf.broker_transport_options or {}).get(option)
    if folder and app.conf.broker_url.startswith("filesystem://"):
        Path(folder).mkdir(parents=True, exist_ok=True)
