import os
from pathlib import Path

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govfeedback.settings")

app = Celery("govfeedback")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# kombu's filesystem transport (the embedded default) needs its folders to exist.
for option in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
    folder = (app.conf.broker_transport_options or {}).get(option)
    if folder and app.conf.broker_url.startswith("filesystem://"):
        Path(folder).mkdir(parents=True, exist_ok=True)


@task_prerun.connect
@task_postrun.connect
def close_old_connections(task=None, **kwargs) -> None:
    """A worker keeps its database connection between tasks for CONN_MAX_AGE, as gunicorn does
    between requests, and drops one that broke. (Celery's own Django fixup closes it around every
    task, so each task paid for a new PostgreSQL connection; CELERY_DB_REUSE_MAX defers that.)"""
    if task is not None and not getattr(task.request, "is_eager", False):
        from django.db import close_old_connections as close

        close()
