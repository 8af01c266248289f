"""Rate limits count across the host's web processes: a client that spent its allowance in one gunicorn worker
is refused by the next, for the partner API's throttles and the licence form alike (webapp.rates). Each test
spends the allowance in a second Python process, as another worker would, then asks this one."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
CLIENT = "10.9.8.7"


@pytest.fixture
def shared_counts(settings, tmp_path):
    """This process counting in tmp_path, and a way to run code in another process counting there too."""
    rates = {**django_settings.CACHES["rates"], "LOCATION": str(tmp_path)}
    settings.CACHES = {**django_settings.CACHES, "rates": rates}

    def elsewhere(code: str) -> None:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "webapp.settings", "SECRET_KEY": "tests-only-not-a-secret",
               "RATE_LIMIT_DIR": str(tmp_path), "LOG_LEVEL": "WARNING"}  # fmt: skip
        program = "import django\ndjango.setup()\n" + textwrap.dedent(code)
        done = subprocess.run([sys.executable, "-c", program], cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]

    return elsewhere


@pytest.mark.django_db
def test_the_licence_form_allowance_is_spent_across_processes(shared_counts, client, make_item, settings):
    settings.LIKENESS = {**settings.LIKENESS, "LICENCE_REQUESTS_PER_HOUR": 2}
    item = make_item(seed=3)
    shared_counts(f"""
        from django.test import RequestFactory
        from webapp.page.licensing import over_the_limit
        request = RequestFactory().post("/", REMOTE_ADDR="{CLIENT}")
        assert [over_the_limit(request) for _ in range(2)] == [False, False]
    """)
    form = {"customer_name": "Ada", "customer_email": "ada@example.test", "intended_use": "A book cover."}
    response = client.post(reverse("page:licence-request", args=[item.pk]), form, REMOTE_ADDR=CLIENT)
    assert response.status_code == 429 and "Too many licence requests" in response.content.decode()


@pytest.mark.django_db
def test_the_partner_api_throttle_is_spent_across_processes(shared_counts, client, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "search": "100/min", "writes": "1/min"})
    shared_counts(f"""
        from rest_framework.request import Request
        from rest_framework.test import APIRequestFactory
        from rest_framework.throttling import SimpleRateThrottle
        from webapp import rates
        SimpleRateThrottle.THROTTLE_RATES = {{"anon": "3/min"}}
        request = Request(APIRequestFactory().get("/api/v1/search/", REMOTE_ADDR="{CLIENT}"))
        assert [rates.AnonThrottle().allow_request(request, None) for _ in range(3)] == [True, True, True]
    """)
    assert client.get("/api/v1/search/", REMOTE_ADDR=CLIENT).status_code == 429
    assert client.get("/api/v1/search/", REMOTE_ADDR="10.9.8.6").status_code == 200  # another client is not
