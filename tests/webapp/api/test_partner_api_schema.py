"""schemathesis over the generated OpenAPI schema: no 500, and every documented response matches its schema.

A bounded number of generated requests per operation keeps this part of the normal test run.
Error statuses the schema does not list (400, 401, 403, 404, 413, 415, 429) are allowed; a 500 or a
body that contradicts the schema is not.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

pytestmark = pytest.mark.slow

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def keep_test_connection():
    """Requests through the raw WSGI app close the database connection when they finish, which would
    end the test's transaction on PostgreSQL; Django's own test client suspends this the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("as_staff", [False, True], ids=["anonymous", "staff"])
def test_the_api_never_fails_and_keeps_to_its_schema(db, keep_test_connection, staff_user, make_item, as_staff):
    # Operations are driven one by one with Hypothesis (schemathesis' pytest plugin does not run on pytest 9).
    from django.core.wsgi import get_wsgi_application
    from rest_framework.authtoken.models import Token

    make_item(title="Harbour")  # something to find, read and change
    headers = {"Authorization": f"Token {Token.objects.create(user=staff_user).key}"} if as_staff else {}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/v1/search/", "/api/v1/items/", "/api/v1/items/{id}/"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
                  database=None)  # fmt: skip
        def run(case):
            case.call_and_validate(checks=CHECKS, headers=headers)

        run()


def test_the_schema_lists_every_search_parameter_the_form_accepts(client):
    from search.forms import SearchForm
    from search.query import ORIENTATIONS

    operation = client.get("/api/v1/schema/?format=json").json()["paths"]["/api/v1/search/"]["get"]
    listed = {parameter["name"]: parameter["schema"] for parameter in operation["parameters"]}
    assert set(listed) == set(SearchForm.base_fields)
    assert sorted(listed["orientation"]["enum"]) == sorted(ORIENTATIONS)
    assert listed["color"]["type"] == "array" and listed["min_megapixels"]["type"] == "number"
