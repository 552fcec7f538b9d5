"""The API's documentation (the schema and its page) is in Russian, as the admin is."""

import re

import pytest

from . import api_client

# Codes the API's callers send as they are (platforms, booleans, fields), and e-mail.
CODES = {"vk", "ok", "telegram", "instagram", "facebook", "twitter"} | {
    "true",
    "false",
    "detail",
    "roads_transport",
    "mail",
}


def texts_of(schema) -> list[str]:
    found = []
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key in ("title", "summary", "description") and isinstance(value, str):
                found.append(value)
            else:
                found += texts_of(value)
    elif isinstance(schema, list):
        for value in schema:
            found += texts_of(value)
    return found


@pytest.mark.django_db
def test_the_schema_describes_every_operation_and_field_in_russian(operator):
    response = api_client(operator).get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "API обращений граждан"
    english = [
        text
        for text in texts_of(schema)
        if {word.lower() for word in re.findall(r"[A-Za-z]{3,}", text)} - CODES and not re.search("[а-яё]", text)
    ]
    assert english == []


@pytest.mark.django_db
def test_the_documentation_page_has_a_russian_title(operator):
    client = api_client(operator)
    html = client.get("/api/docs/").content.decode()
    assert "<title>API обращений граждан</title>" in html
