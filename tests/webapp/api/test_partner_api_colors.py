"""The partner API's colour search: colors and color_weights on /api/v1/search/, and their 400s."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.search.test_color_search import NAVY, OCHRE, ROYAL, painted

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(make_item):
    return {
        "navy": make_item(data=painted(1, (NAVY, 0.6)), title="Navy"),
        "royal": make_item(data=painted(2, (ROYAL, 0.6)), title="Royal"),
        "ochre": make_item(data=painted(3, (OCHRE, 0.4)), title="Ochre"),
    }


def test_colors_rank_the_nearest_picture_first_with_its_colour_score(items):
    body = APIClient().get(f"/api/v1/search/?colors=%23{NAVY}").json()
    assert body["results"][0]["id"] == items["navy"].pk
    assert body["results"][0]["color_score"] > 20


def test_weights_are_read_beside_their_colours(items):
    body = APIClient().get("/api/v1/search/?colors=000080&colors=cc7722&color_weights=10&color_weights=90").json()
    assert body["results"][0]["id"] == items["ochre"].pk


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("colors=navy", "not a colour"),
        ("colors=12345", "not a colour"),
        ("colors=000080,cc7722&color_weights=50,40", "add up to 100"),
        ("colors=000080&color_weights=50,50", "one weight per colour"),
        ("colors=000080,cc7722&color_weights=120,-20", "more than 0"),
        ("colors=000001,000002,000003,000004,000005,000006", "At most 5"),
        ("color_weights=100", "without colors"),
    ],
)
def test_bad_colours_and_weights_are_400s_with_the_reason(items, query, reason):
    response = APIClient().get(f"/api/v1/search/?{query}")
    assert response.status_code == 400
    assert reason in str(response.json())
