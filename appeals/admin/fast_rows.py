"""The two overrides of Django's admin internals that keep a long appeals list fast, in one place.

Each writes what Django writes, without its per-row cost: a row's link from one ``reverse()`` per
page (Django reverses the change URL twice per row), and the row's checkbox as markup (Django renders
a form widget through the template engine: a quarter of a 50-row page's rendering). Both rely on
Django's output staying what it is; ``tests/appeals/test_admin_fast_rows.py`` compares them with
Django's own on every run, so an upgrade that changes it fails there, not on the page.
"""

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext


class FastRowsChangeList(ChangeList):
    """Django's change list; each row's link is made from one ``reverse()`` per page."""

    @cached_property
    def _change_url(self) -> tuple[str, str]:
        opts = self.model._meta
        url = reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=["0"],
            current_app=self.model_admin.admin_site.name,
        )
        head, _zero, tail = url.rpartition("/0/")
        return f"{head}/", f"/{tail}"

    def url_for_result(self, result) -> str:
        head, tail = self._change_url
        return f"{head}{result.pk}{tail}"


class FiltersOnlyChangeList(FastRowsChangeList):
    """The list's filters, search and order applied to the person's scope, without the page: what the
    dashboard and the export read (``queryset``). No count and no rows are queried."""

    def get_results(self, request):
        pass


class FastRowsAdmin:
    """A ModelAdmin mixin: the row's checkbox written as Django's widget writes it."""

    def action_checkbox(self, obj):
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            admin.helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            format_html(gettext("Select this object for an action - {}"), str(obj)),
        )
