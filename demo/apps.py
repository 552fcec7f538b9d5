from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The invented demo government and ``manage.py seed_demo`` (``make run`` seeds it when the
    database is empty). It sits above every other app: it fills them all."""

    name = "demo"
    verbose_name = "Demo"
