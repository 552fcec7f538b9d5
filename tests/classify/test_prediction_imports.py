"""Production predicts on numpy alone: scikit-learn and scipy are for training and measuring only
(requirements/train.txt), so a worker that classifies appeals must never import them."""

import os
import subprocess
import sys

from django.conf import settings

# A fresh process, as a worker starts: Django, then the topic of a new appeal the way routing gets it.
CHILD = """
import sys
import django
django.setup()
from appeals import routing
print(*routing.predict_topic("Третью неделю не вывозят мусор, контейнеры во дворе переполнены"))
print("imported:", *sorted({name.partition(".")[0] for name in sys.modules} & {"sklearn", "scipy"}))
"""


def test_it_predicts_without_importing_scikit_learn_or_scipy():
    run = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "govfeedback.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    prediction, imported = run.stdout.splitlines()[-2:]
    assert prediction.split()[0] == "waste_reform", run.stderr[-3000:]  # it did predict
    assert imported == "imported:"
