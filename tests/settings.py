"""Settings for the test suite: the production settings with test-only relaxations."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret")
# A media folder per process (each xdist worker too), so tests can see exactly what they stored.
os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="likeness-test-media-")
os.environ["ORIGINALS_ROOT"] = tempfile.mkdtemp(prefix="likeness-test-originals-")
os.environ.setdefault("QUERY_IMAGE_DIR", tempfile.mkdtemp(prefix="likeness-test-queries-"))
os.environ["RATE_LIMIT_DIR"] = tempfile.mkdtemp(prefix="likeness-test-rates-")  # each process its own counts

from webapp.settings import *  # noqa: F403
from webapp.settings import LIKENESS

# No manifest in tests: templates can use {% static %} without running collectstatic.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Tests fetch images from a loopback HTTP server; production never allows private addresses.
# No index snapshots: test databases come and go under one folder (tests of snapshots give their own).
LIKENESS = {**LIKENESS, "ALLOW_PRIVATE_URLS": True, "INDEX_DIR": ""}
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="likeness-test-static-"))  # a Path, as in production
WHITENOISE_AUTOREFRESH = True
LOGGING = {**LOGGING, "loggers": {**LOGGING["loggers"], "django_tasks": {"level": "WARNING"}}}  # noqa: F405
# Staff jobs run in the request in tests, as indexing does; tests of the worker queue them themselves
# (tests/catalog/test_import_jobs*.py, tests/webapp/api/test_imports_api.py).
TASKS = {**TASKS, "jobs": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}  # noqa: F405
JOBS = {**JOBS, "BACKEND": "jobs"}  # noqa: F405
