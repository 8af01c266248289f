"""The demo catalog: painted works and credited photographs with natural metadata, and deliberate copies."""

import io
import re
from collections import Counter

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from PIL import Image

from catalog import demo_catalog
from catalog.demo_credits import PHOTOS
from catalog.models import CatalogImage, Status

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_same_number_always_gives_the_same_entry():
    first, again = demo_catalog.entry(7), demo_catalog.entry(7)
    assert first == again
    assert demo_catalog.entry(8).data != first.data


def test_loading_twice_does_not_duplicate():
    out = io.StringIO()
    call_command("load_demo_catalog", count=12, verbosity=0, stdout=out)
    call_command("load_demo_catalog", count=12, verbosity=0, stdout=out)
    assert CatalogImage.objects.count() == 12
    assert "0 created, 12 already present" in out.getvalue()


def test_if_empty_leaves_an_existing_catalog_alone(make_item):
    make_item()
    call_command("load_demo_catalog", count=5, if_empty=True, verbosity=0, stdout=io.StringIO())
    assert CatalogImage.objects.count() == 1


def test_demo_items_are_published_decodable_and_varied():
    call_command("load_demo_catalog", count=40, verbosity=0, stdout=io.StringIO())
    items = list(CatalogImage.objects.select_related("creator", "collection"))
    assert all(item.status == Status.PUBLISHED for item in items)
    for item in items:
        with item.image.open("rb") as handle:
            decoded = Image.open(handle)
            decoded.load()
        assert decoded.size == (item.width, item.height)
    assert len({item.format for item in items}) >= 3
    assert len({item.creator_id for item in items}) >= 12
    assert len({item.collection_id for item in items}) == 5
    assert len({item.license_type for item in items}) == 3
    assert len({item.orientation for item in items}) == 3
    years = [item.year for item in items if item.year is not None]
    assert min(years) < 1700 and max(years) > 2000
    assert len({item.sha256 for item in items}) == len(items)
    assert all(item.title and item.price is not None and item.collection and item.tags for item in items)
    assert all(item.collection.usage_list and item.collection.size_list for item in items)


def test_paintings_are_painted_not_flat_shapes():
    """Flat shapes under grain keep to their few palette colours (the old demo: 7 to 96 colours at 16 levels a
    channel); brushwork mixes hundreds."""
    for number in (1, 2, 3, 4):
        painting = Image.open(io.BytesIO(demo_catalog.entry(number).data)).convert("RGB")
        painting.thumbnail((400, 400))
        levels = np.asarray(painting) // 16
        assert len(np.unique(levels.reshape(-1, 3), axis=0)) > 200, demo_catalog.entry(number).title


def test_every_photograph_is_credited_with_its_photographer_and_licence():
    photos = [demo_catalog.entry(n) for n, listed in enumerate(demo_catalog.LISTING, 1) if listed[0] == "photo"]
    assert len(photos) == len(PHOTOS) >= 8
    for photo in photos:
        assert photo.creator in photo.usage_terms and photo.creator in photo.description
        assert re.search(r"public domain|CC0|no known copyright restrictions", photo.usage_terms)
        assert "scikit-image" in photo.description


def test_titles_creators_and_years_read_naturally():
    entries = [demo_catalog.entry(n) for n in range(1, 12)]
    assert entries[0].title == "Harbour at Dawn" and entries[0].creator == "Johanna Verhoeven"
    assert all(re.fullmatch(r"[A-ZÉ][\w ,.()'’-]+", entry.title) for entry in entries)
    assert all(entry.year is None or 1600 <= entry.year <= 2025 for entry in entries)
    assert "demo" not in " ".join(entry.title.lower() for entry in entries)


def test_the_deliberate_copies_are_shown_as_other_versions_of_their_originals(client):
    copies = [(n, listed[1]) for n, listed in enumerate(demo_catalog.LISTING, 1) if listed[0] == "copy"]
    assert {copy.kind for _, copy in copies} == {"detail", "framed", "wall", "web", "toned"}
    count = copies[1][0]  # the first painting's detail and the second's frame
    call_command("load_demo_catalog", count=count, verbosity=0, stdout=io.StringIO())
    for number, copy in copies[:2]:
        original = CatalogImage.objects.get(identifier=f"demo-{copy.of:04d}")
        copied = CatalogImage.objects.get(identifier=f"demo-{number:04d}")
        assert copied.title.startswith(original.title) and copied.creator_id == original.creator_id
        versions = client.get(original.get_absolute_url()).content.decode().split('id="versions-heading"')[1]
        assert copied.title in versions.split("</section>")[0], copy.kind


def test_sizes_and_formats_span_a_catalogs_range():
    # Metadata and pictures only (no database): every third entry of the listing.
    entries = [demo_catalog.entry(n) for n in range(1, demo_catalog.DEFAULT_COUNT + 1, 3)]
    sizes = [Image.open(io.BytesIO(entry.data)).size for entry in entries]
    long_sides = [max(size) for size in sizes]
    assert min(long_sides) >= 300 and max(long_sides) <= 3000 and max(long_sides) >= 2000
    formats = Counter(Image.open(io.BytesIO(entry.data)).format for entry in entries)
    assert {"JPEG", "PNG", "WEBP", "TIFF"} <= set(formats) and formats.most_common(1)[0][0] == "JPEG"
    assert any(entry.year is None for entry in entries) and any(entry.year_approximate for entry in entries)


def test_past_the_listing_come_further_works_by_the_same_painters():
    extra = demo_catalog.entry(demo_catalog.DEFAULT_COUNT + 5)
    assert ", study " in extra.title and extra.identifier == f"demo-{demo_catalog.DEFAULT_COUNT + 5:04d}"


def test_count_must_not_be_negative():
    with pytest.raises(CommandError, match="0 or more"):
        call_command("load_demo_catalog", count=-1, verbosity=0)
