"""The admin lists run only their declared filters; a web request's queries have a time limit.

The audit kept a PostgreSQL backend busy past 100 s with ``?text__regex=`` and a catastrophic
pattern on the appeals list: any lookup in the address was run on the table.
"""

import re
import subprocess
import sys
from html import unescape

import pytest
from django.contrib import admin
from django.db import connection
from django.urls import reverse

from ..apps import our_apps
from ..factories import AppealFactory

HOSTILE = [
    "text__regex=(a%2B)%2B%24",
    "author_name__icontains=a",
    "id__gt=0",
    "ministry__head__user__password__startswith=p",
]


def changelists():
    return [
        (model, reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
        for model in admin.site._registry
        if model._meta.app_label in our_apps()
    ]


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.ru", "x"))
    return client


@pytest.mark.django_db
def test_it_refuses_a_lookup_that_no_filter_of_the_list_declares(superuser_client):
    AppealFactory(text="Протекает крыша")
    for _model, url in changelists():
        for lookup in HOSTILE:
            response = superuser_client.get(f"{url}?{lookup}")
            assert response.status_code == 400, (url, lookup, response.status_code)


@pytest.mark.django_db
def test_it_keeps_every_filter_link_of_every_list_working(superuser_client, head_a):
    """Every link in every list's filter panel (and the date hierarchy) still opens the list."""
    AppealFactory(text="Протекает крыша", ministry=head_a.ministry)
    opened = 0
    for _model, url in changelists():
        page = superuser_client.get(url).content.decode()
        links = {unescape(link) for link in re.findall(r'href="(\?[^"]*)"', page)}
        for link in links:
            response = superuser_client.get(url + link)
            assert response.status_code == 200, (url, link)
            opened += 1
    assert opened > 50


@pytest.mark.django_db
def test_it_does_not_run_an_undeclared_lookup_in_the_export_or_the_dashboard(superuser_client):
    AppealFactory(text="Протекает крыша")
    export = superuser_client.get(reverse("admin:appeals_appeal_export") + "?format=csv&text__regex=x")
    assert export.status_code == 302
    dashboard = superuser_client.get(reverse("admin:analytics_dashboard") + "?text__regex=x", follow=True)
    assert dashboard.status_code == 200
    assert "Такого фильтра нет" in dashboard.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's; .ci/run runs it")
def test_it_stops_a_web_process_query_that_runs_past_the_limit(settings):
    """A web process (gunicorn or runserver loads govfeedback.wsgi) opens its connections with a
    statement timeout; a worker's connections have none (its jobs may run longer)."""
    database = settings.DATABASES["default"]
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    probe = (
        "import govfeedback.{module}\n"
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('SHOW statement_timeout'); print(c.fetchone()[0])\n"
    )
    env = {"DATABASE_URL": url, "DEBUG": "1", "GOVFEEDBACK_WEB_STATEMENT_TIMEOUT_SECONDS": "2", "PATH": "/usr/bin"}
    web = subprocess.run(
        [sys.executable, "-c", probe.format(module="wsgi")], env=env, capture_output=True, text=True, check=True
    )
    assert web.stdout.strip() == "2s"
    worker = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='govfeedback.settings';"
            "django.setup();\n" + probe.format(module="celery"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert worker.stdout.strip() == "0"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statement_timeout is PostgreSQL's; .ci/run runs it")
@pytest.mark.django_db
def test_it_answers_a_stopped_statement_with_a_message_not_a_server_error(rf):
    from django.db import OperationalError, transaction

    from audit.errors import server_error

    with pytest.raises(OperationalError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 50")
        try:
            cursor.execute("SELECT pg_sleep(2)")
        except OperationalError:
            response = server_error(rf.get("/admin/appeals/appeal/"))
            raise
    assert response.status_code == 503
    assert "слишком долго" in response.content.decode()
