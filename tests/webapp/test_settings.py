"""Settings come from the environment: each case runs in a fresh interpreter with its own env."""

import json
import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured

from webapp.env import envbool, envint, envlist

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SECRET_KEY": "x" * 60 + "production-like-secret-for-this-test",
    "ALLOWED_HOSTS": "likeness.test",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_PRELOAD": "1",
}


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "DEBUG")}
    clean["DJANGO_SETTINGS_MODULE"] = "webapp.settings"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60
    )


def settings_value(expression: str, **env: str):
    code = f"import json, webapp.settings as s; print(json.dumps({expression}, default=str))"
    result = run_python(code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_sqlite_file_is_the_default():
    database = settings_value('s.DATABASES["default"]', DEBUG="1")
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"].endswith("db.sqlite3")


@pytest.mark.parametrize(
    ("url", "engine", "name", "host", "port"),
    [
        ("postgres://u:p@db.internal:5433/catalog", "django.db.backends.postgresql", "catalog", "db.internal", 5433),
        ("postgresql://u:p@localhost/likeness", "django.db.backends.postgresql", "likeness", "localhost", ""),
        ("sqlite:////tmp/other.sqlite3", "django.db.backends.sqlite3", "/tmp/other.sqlite3", "", ""),
    ],
)
def test_database_url_forms(url, engine, name, host, port):
    database = settings_value('s.DATABASES["default"]', DEBUG="1", DATABASE_URL=url)
    assert (database["ENGINE"], database["NAME"], database["HOST"], database["PORT"]) == (engine, name, host, port)


def test_debug_is_off_and_a_secret_is_required_unless_debug_is_set():
    result = run_python("import webapp.settings")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr
    assert settings_value("s.DEBUG", SECRET_KEY="k" * 50) is False


def test_an_unclear_boolean_is_a_configuration_error():
    result = run_python("import webapp.settings", DEBUG="maybe")
    assert "DEBUG must be one of" in result.stderr


def test_media_goes_to_s3_when_a_bucket_is_configured():
    storage = settings_value(
        's.STORAGES["default"]',
        DEBUG="1",
        AWS_STORAGE_BUCKET_NAME="catalog-media",
        AWS_S3_ENDPOINT_URL="http://s3.invalid",
    )
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "catalog-media"
    assert storage["OPTIONS"]["endpoint_url"] == "http://s3.invalid"
    assert settings_value('s.STORAGES["default"]["BACKEND"]', DEBUG="1").endswith("FileSystemStorage")


def test_secret_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file-" + "s" * 50 + "\n")
    assert settings_value("s.SECRET_KEY", SECRET_KEY_FILE=str(secret)) == "from-a-file-" + "s" * 50


def test_check_deploy_is_clean_when_configured_for_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")}, **PRODUCTION,
             "DJANGO_SETTINGS_MODULE": "webapp.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_env_helpers(monkeypatch):
    monkeypatch.setenv("LK_FLAG", "Yes")
    monkeypatch.setenv("LK_NUMBER", "42")
    monkeypatch.setenv("LK_LIST", "a, b,,c ")
    assert envbool("LK_FLAG") is True and envbool("LK_MISSING", default=True) is True
    assert envint("LK_NUMBER", 0) == 42 and envint("LK_MISSING", 7) == 7
    assert envlist("LK_LIST", []) == ["a", "b", "c"]
    monkeypatch.setenv("LK_NUMBER", "forty")
    with pytest.raises(ImproperlyConfigured, match="LK_NUMBER must be an integer"):
        envint("LK_NUMBER", 0)


@pytest.mark.parametrize(
    "chosen",
    [{"SEARCH_BACKEND": "elasticsearch"}, {"MATCH_PROVIDER": "elasticsearch"},
     {"LOOKALIKE_INDEX": "elasticsearch", "SEARCH_BACKEND": "elasticsearch"}],
)  # fmt: skip
def test_elasticsearch_without_its_url_stops_the_start_with_one_reason(chosen):
    environment = {k: v for k, v in os.environ.items() if k != "ELASTICSEARCH_URL"}
    with mock.patch.dict(os.environ, environment, clear=True):
        result = run_python("import webapp.settings", DEBUG="1", **chosen)
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr
    assert "needs ELASTICSEARCH_URL" in result.stderr
    assert all(f"{variable}=elasticsearch" in result.stderr for variable in chosen)
    assert settings_value("s.LIKENESS_SEARCH_BACKENDS", DEBUG="1", ELASTICSEARCH_URL="http://es.test:9200", **chosen)
