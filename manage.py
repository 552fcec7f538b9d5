#!/usr/bin/env python
import os
import sys

# What says a run is a deployment. With none of them set, manage.py is a developer's command in a
# checkout (what the README and the demo's seed tell people to type) and runs on the local
# development defaults, as `make run` does; a deployment sets at least one, and the settings stay
# strict (no SECRET_KEY, no start).
DEPLOYMENT_VARIABLES = ("DEBUG", "DJANGO_ENV", "DATABASE_URL", "SECRET_KEY", "SECRET_KEY_FILE", "ALLOWED_HOSTS")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govfeedback.settings")
    if not any(name in os.environ for name in DEPLOYMENT_VARIABLES):
        os.environ["DEBUG"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
