"""The apps of this repository, as Django's app registry knows them (a new app is in at once)."""

from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[1]


def our_apps() -> list[str]:
    """The labels of the installed apps whose code is a top-level folder of this repository."""
    return sorted(config.label for config in apps.get_app_configs() if Path(config.path).parent == ROOT)
