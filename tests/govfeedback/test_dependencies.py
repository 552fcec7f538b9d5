"""The dependencies (requirements/, docs/development.md#dependencies): the locks hold what their
sources pin, production runs on the runtime lock alone, every import is a pinned dependency, and
the pinned `holidays` knows Russia's moved days off for the year ahead."""

import ast
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from importlib.metadata import packages_distributions
from itertools import pairwise
from pathlib import Path

import holidays

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "requirements"
# Each lock is built from its source on top of the one before: base (what production runs), train
# (base and the classifier's training), dev (train and the test tools).
LAYERS = ["base", "train", "dev"]
RUNTIME_CODE = ["appeals", "analytics", "audit", "ministries", "govfeedback"]
FIRST_PARTY = {path.parent.name for path in ROOT.glob("*/__init__.py")}
SOURCE_PIN = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]+\])?==(?P<version>[^\s;]+)")
LOCKED_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;]+)", flags=re.MULTILINE)


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def source(layer: str) -> dict[str, str]:
    """{name: version} that requirements/<layer>.in pins, with the sources it includes (-r)."""
    pins = {}
    for line in (REQUIREMENTS / f"{layer}.in").read_text().splitlines():
        line = line.partition("#")[0].strip()
        if not line or line.startswith("-c "):
            continue
        if line.startswith("-r "):
            pins |= source(line.removeprefix("-r ").strip().removesuffix(".in"))
            continue
        pin = SOURCE_PIN.fullmatch(line)
        assert pin, f"requirements/{layer}.in: {line!r} is not pinned as NAME==VERSION"
        pins[canonical(pin["name"])] = pin["version"]
    return pins


def lock(layer: str) -> dict[str, str]:
    """{name: version} of requirements/<layer>.txt."""
    text = (REQUIREMENTS / f"{layer}.txt").read_text()
    return {canonical(pin["name"]): pin["version"] for pin in LOCKED_PIN.finditer(text)}


def test_each_lock_holds_the_versions_its_source_pins():
    for layer in LAYERS:
        locked = lock(layer)
        for name, version in source(layer).items():
            assert locked.get(name) == version, (
                f"requirements/{layer}.in pins {name}=={version}, requirements/{layer}.txt has {locked.get(name)}: "
                "re-lock (docs/development.md#dependencies)"
            )


def test_each_lock_keeps_the_versions_of_the_one_below():
    """What production installs (base.txt) is what the tests ran with (dev.txt)."""
    for below, above in pairwise(LAYERS):
        locked_above = lock(above)
        for name, version in lock(below).items():
            assert locked_above.get(name) == version, (
                f"requirements/{below}.txt has {name}=={version}, requirements/{above}.txt {locked_above.get(name)}: "
                "re-lock them in order (docs/development.md#dependencies)"
            )


def imports(path: Path) -> Iterator[tuple[str, bool]]:
    """(top-level name, whether loading the module imports it) of each absolute import in a file,
    and of each ``pytest.importorskip("name")``."""

    def visit(node: ast.AST, in_function: bool) -> Iterator[tuple[str, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                yield from ((alias.name.partition(".")[0], not in_function) for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.level == 0:
                yield child.module.partition(".")[0], not in_function
            elif (
                isinstance(child, ast.Call)
                and getattr(child.func, "attr", None) == "importorskip"
                and child.args
                and isinstance(child.args[0], ast.Constant)
            ):
                yield child.args[0].value.partition(".")[0], False
            nested = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            yield from visit(child, in_function or nested)

    yield from visit(ast.parse(path.read_text(), filename=str(path)), False)


def unpinned_imports(directories: list[str], pinned: set[str], pinned_for_functions: set[str]) -> list[str]:
    """Third-party imports in the directories' Python files that no pinned distribution provides;
    an import inside a function may also come from ``pinned_for_functions``."""
    distributions = packages_distributions()
    found = set()
    for directory in directories:
        for path in sorted((ROOT / directory).rglob("*.py")):
            for name, on_load in imports(path):
                if name in sys.stdlib_module_names or name in FIRST_PARTY:
                    continue
                providers = distributions.get(name, [])
                if not {canonical(dist) for dist in providers} & (pinned if on_load else pinned | pinned_for_functions):
                    found.add(f"{path.relative_to(ROOT)}: {name} ({', '.join(providers) or 'not installed'})")
    return sorted(found)


def test_the_runtime_code_imports_only_what_the_runtime_pins():
    """What production imports is pinned in requirements/base.in; what train.in adds (scikit-learn,
    scipy) only inside the functions that train and evaluate the classifier."""
    runtime = set(source("base"))
    found = unpinned_imports(RUNTIME_CODE, runtime, set(source("train")) - runtime)
    assert not found, f"runtime code imports packages that requirements/base.in does not pin: {found}"


def test_the_tests_import_only_what_dev_pins():
    found = unpinned_imports(["tests"], set(source("dev")), set())
    assert not found, f"tests import packages that requirements/dev.in does not pin: {found}"


# Run in a process where the modules of what dev.txt adds to base.txt (argv) cannot be imported.
PRODUCTION = """
import importlib, importlib.abc, pkgutil, sys

absent = set(sys.argv[2:])


class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in absent:
            raise ModuleNotFoundError(f"No module named {name!r} (not in requirements/base.txt)", name=name)


sys.meta_path.insert(0, Absent())
import django

django.setup()
from django.conf import settings

importlib.import_module(settings.ROOT_URLCONF)
from govfeedback.celery import app

app.loader.import_default_modules()
for top in sys.argv[1].split(","):
    for module in pkgutil.walk_packages(importlib.import_module(top).__path__, top + "."):
        importlib.import_module(module.name)
from appeals.classifier import classify

print(*classify("Третью неделю не вывозят мусор, контейнеры во дворе переполнены"))
"""


def test_the_web_worker_and_classifier_run_without_what_training_and_tests_add():
    """Production as requirements/base.txt installs it: without scikit-learn, scipy, pytest and the
    rest of what train.txt and dev.txt add, Django starts, every module of the apps and the Celery
    tasks load, and the committed model classifies on numpy."""
    runtime = set(lock("base"))
    added = set(lock("dev")) - runtime
    assert {"scikit-learn", "scipy", "pytest"} <= added
    absent = [
        name
        for name, providers in packages_distributions().items()
        if {canonical(dist) for dist in providers} & added and not {canonical(dist) for dist in providers} & runtime
    ]
    assert {"sklearn", "scipy", "pytest"} <= set(absent)
    run = subprocess.run(
        [sys.executable, "-c", PRODUCTION, ",".join(RUNTIME_CODE), *absent],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "govfeedback.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.split()[-2] == "waste_reform", run.stdout


# The non-working holidays of the Labour Code (article 112). Any other day off in the calendar, with
# the observances left out, is one that the year's decree moved: since 2013 every decree moves the
# two weekend days that fall within the New Year holidays (1-8 January) to other dates.
STATUTORY_HOLIDAYS = {(1, day) for day in range(1, 9)} | {(2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4)}


def moved_days_off(year: int) -> list[date]:
    calendar = holidays.country_holidays("RU", years=year, observed=False)
    return sorted(day for day in calendar if (day.month, day.day) not in STATUTORY_HOLIDAYS)


def year_the_calendar_must_know(today: date) -> int:
    """The decree for the next year comes out in September or October and a `holidays` release
    with it soon after; from November on, deadlines run into next year."""
    return today.year + 1 if today.month >= 11 else today.year


def test_the_pinned_holidays_knows_the_moved_days_off_of_the_year_ahead():
    year = year_the_calendar_must_know(date.today())
    assert len(moved_days_off(year)) >= 2, (
        f"holidays {holidays.__version__} does not know the days off that Russia moved for {year}: "
        "deadlines would count them as working days. Bump it (docs/development.md#the-yearly-holidays-bump)."
    )


def test_a_year_without_a_decree_has_no_moved_days_off():
    """The check above can fail: no release knows the decree for ten years ahead."""
    assert moved_days_off(date.today().year + 10) == []
