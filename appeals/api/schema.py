"""The API's schema (drf-spectacular) in the interface's language.

The summaries, parameters and fields carry translated texts (``gettext_lazy``). Our docstrings are
notes for developers, in English: the schema does not show them (``AutoSchema``, ``in_russian``),
and drf-spectacular's own English (the token scheme) is replaced here.
"""

from django.utils.translation import gettext as _
from drf_spectacular import openapi


class AutoSchema(openapi.AutoSchema):
    def get_description(self) -> str:
        # A view's docstring is not the operation's description; extend_schema(description=...) is.
        return ""


def in_russian(result, generator, request, public):
    """drf-spectacular's postprocessing hook: no docstrings as the components' descriptions, and
    the token scheme described in the interface's language."""
    components = result.get("components", {})
    for schema in components.get("schemas", {}).values():
        schema.pop("description", None)
    for scheme in components.get("securitySchemes", {}).values():
        if scheme.get("type") == "apiKey":
            scheme["description"] = _(
                "A token in the Authorization header: «Token …» (manage.py issue_token LOGIN gives one)."
            )
    return result
