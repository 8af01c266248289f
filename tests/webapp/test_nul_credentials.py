"""A NUL character in credentials is a wrong login (401) on every API, on SQLite and on PostgreSQL alike
(PostgreSQL refuses to compare text holding one: unchecked, it failed the request with a 500)."""

import base64

import pytest

pytestmark = pytest.mark.django_db

SURFACES = [("get", "/rest/ping/"), ("get", "/api/v1/items/"), ("post", "/api/v1/search/"), ("get", "/rest/list/")]


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize(("method", "path"), SURFACES)
@pytest.mark.parametrize(
    "authorization",
    [basic("ad\0min", "x"), basic("staff", "p\0w"), "Token 0123456789abcdef\0"],
    ids=["user", "password", "token"],
)
def test_a_nul_in_credentials_is_a_wrong_login(client, staff_user, method, path, authorization):
    response = getattr(client, method)(path, HTTP_AUTHORIZATION=authorization)
    assert response.status_code == 401
    assert "detail" in response.json() or response.json().get("status") == "fail"
