"""Zip imports within bounds: refused before inflating when the archive is too big or holds too many files, one
file at a time up to the upload limit whatever its entry claims, damaged archives and odd names handled."""

import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from catalog.importer import FAILED, IMPORTED, Importer, ImportSourceError, zip_sources
from catalog.models import CatalogImage
from matching.errors import ImageTooLarge
from tests.images import image_bytes

pytestmark = pytest.mark.django_db


def archive(entries: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as made:
        for name, data in entries.items():
            made.writestr(name, data)
    buffer.seek(0)
    return buffer


@pytest.fixture
def limits(settings):
    def set_limits(**values):
        settings.LIKENESS = {**settings.LIKENESS, **values}

    return set_limits


def test_a_huge_entry_is_refused_without_inflating_it_whole(limits):
    limits(MAX_UPLOAD_BYTES=1_000_000)
    bomb = archive({"bomb.png": bytes(64 * 1024 * 1024), "fine.png": image_bytes("PNG", 64, 48, 3)})
    assert len(bomb.getvalue()) < 200_000  # 64 MB of zeros, deflated
    names, read = zip_sources(bomb)
    tracemalloc.start()
    with pytest.raises(ImageTooLarge):
        read("bomb.png")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4 * 1024 * 1024  # the limit and a byte at most, never the whole entry
    outcomes = {o.file: o for o in Importer().run(names, read)}
    assert outcomes["bomb.png"].outcome == FAILED and "too large" in outcomes["bomb.png"].reason
    assert outcomes["fine.png"].outcome == IMPORTED


def test_too_many_files_or_too_many_bytes_are_refused_before_anything_is_read(limits):
    limits(MAX_ARCHIVE_ENTRIES=50)
    with pytest.raises(ImportSourceError, match="60 files; at most 50"):
        zip_sources(archive({f"tiny-{n}.png": b"x" for n in range(60)}))
    limits(MAX_ARCHIVE_ENTRIES=100_000, MAX_ARCHIVE_BYTES=10_000_000)
    with pytest.raises(ImportSourceError, match="inflates to"):
        zip_sources(archive({"a.png": bytes(6_000_000), "b.png": bytes(6_000_000)}))
    assert CatalogImage.objects.count() == 0


def test_a_damaged_archive_says_so():
    whole = archive({"a.png": image_bytes("PNG", 64, 48, 1)}).getvalue()
    with pytest.raises(ImportSourceError, match="damaged"):
        zip_sources(io.BytesIO(whole[:-30]))  # the central directory cut short


def test_names_that_climb_or_are_absolute_are_labels_only():
    media = Path(django_settings.ORIGINALS_ROOT).resolve()
    entries = {"../../escape.png": image_bytes("PNG", 64, 48, 4), "/etc/absolute.png": image_bytes("PNG", 64, 48, 5)}
    outcomes = Importer().run(*zip_sources(archive(entries)))
    assert [o.outcome for o in outcomes] == [IMPORTED]  # the climbing name is passed over, as hidden names are
    for item in CatalogImage.objects.all():
        stored = Path(item.image.path).resolve()
        assert stored.is_relative_to(media) and ".." not in item.image.name
    assert not (media.parent / "escape.png").exists()
