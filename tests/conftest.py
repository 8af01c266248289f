"""Fixtures shared by the whole suite."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog import ingest
from catalog.models import CatalogImage, Creator, Status
from matching.algorithms.fingerprint import Fingerprint
from matching.safety import imaging
from tests.images import image_bytes


@pytest.fixture(autouse=True)
def fresh_providers():
    """Each test starts with providers built anew: their in-memory index follows that test's database."""
    from matching.index.lookalike import reset_lookalike_indexes
    from matching.providers import reset_providers

    reset_providers()
    reset_lookalike_indexes()
    yield
    reset_providers()
    reset_lookalike_indexes()


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttle counters and cached thumbnail URLs live in the caches: every test starts without them."""
    from django.core.cache import cache, caches

    cache.clear()
    caches["rates"].clear()
    yield
    cache.clear()
    caches["rates"].clear()


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user("staff", password="pw", is_staff=True, is_superuser=True)


@pytest.fixture
def plain_user(django_user_model):
    return django_user_model.objects.create_user("visitor", password="pw")


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the on-commit work (index tasks) of what happens inside, as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def make_item(db, committed):
    """Create (and index) a catalog item from a generated image; keyword arguments set metadata."""

    def make(seed: int = 1, fmt: str = "JPEG", width: int = 320, height: int = 240, data: bytes | None = None,
             **fields) -> CatalogImage:  # fmt: skip
        fields.setdefault("title", f"Test image {seed}")
        fields.setdefault("status", Status.PUBLISHED)
        if isinstance(fields.get("creator"), str):
            fields["creator"], _ = Creator.objects.get_or_create(name=fields["creator"])
        data = data if data is not None else image_bytes(fmt, width, height, seed)
        loaded = imaging.load_image(data)
        with committed():
            return ingest.create_item(loaded, filename=f"seed-{seed}", fingerprinted=described(loaded), **fields)

    return make


_described: dict[tuple, Fingerprint] = {}


def described(loaded) -> Fingerprint:
    """`ingest.describe(loaded)`, made once per test process for each file: the same file always gives the same
    fingerprint (tests/matching/test_fingerprint.py), and many tests make items of the same generated pictures.
    Keyed also by what tests may change of fingerprinting (the grey-level spread of fingerprint.FEATURE_GAIN)."""
    from matching.algorithms import fingerprint

    key = (loaded.sha256, fingerprint.FEATURE_GAIN)
    if key not in _described:
        _described[key] = ingest.describe(loaded)
    return _described[key]


# The item change form's inline of suggested tags, with no rows submitted: every admin POST needs it.
NO_SUGGESTED_TAG_FORMS = {"suggested_tags-TOTAL_FORMS": "0", "suggested_tags-INITIAL_FORMS": "0"}


def token_header(user) -> dict:
    """The Authorization header of a DRF token for `user` (made on first use), as test-client keywords."""
    from rest_framework.authtoken.models import Token

    return {"HTTP_AUTHORIZATION": f"Token {Token.objects.get_or_create(user=user)[0].key}"}


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)
