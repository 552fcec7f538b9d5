"""The apps import one another in one direction only: no cycle between them (a new one fails here).

``govfeedback`` is the wiring (settings, URLs, the Celery app, the admin site): it imports the apps
and is left out. Migrations are left out too (they may name any app's models by string).
"""

import ast
import itertools

from ..apps import ROOT, our_apps


def imported_apps(app: str, apps: list[str]) -> dict[str, set[str]]:
    """{other app of ``apps``: the files of ``app`` that import it}."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in apps and top != app:
                    found.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return found


def cycles(graph: dict[str, dict[str, set[str]]]) -> list[list[str]]:
    found, path = [], []

    def visit(app):
        if app in path:
            found.append([*path[path.index(app) :], app])
            return
        path.append(app)
        for other in sorted(graph[app]):
            visit(other)
        path.pop()

    for app in graph:
        visit(app)
    return found


def test_it_finds_no_cycle_between_the_apps():
    graph = {app: imported_apps(app, our_apps()) for app in our_apps()}
    found = cycles(graph)
    where = {f"{a} -> {b}": sorted(graph[a][b]) for cycle in found for a, b in itertools.pairwise(cycle)}
    assert found == [], where


def test_it_would_see_a_cycle():
    graph = {app: {} for app in our_apps()} | {"ministries": {"audit": {"x"}}, "audit": {"ministries": {"y"}}}
    expected = {("ministries", "audit", "ministries"), ("audit", "ministries", "audit")}
    assert {tuple(cycle) for cycle in cycles(graph)} == expected
