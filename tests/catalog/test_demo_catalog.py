import io
from collections import Counter

import pytest
from django.core.management import call_command
from PIL import Image

from catalog import demo
from catalog.models import CatalogImage, Status

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_same_number_always_gives_the_same_artwork():
    first, again = demo.artwork(7), demo.artwork(7)
    assert first == again
    assert demo.artwork(8).data != first.data


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
    formats = Counter(item.format for item in items)
    assert {"JPEG", "PNG", "WEBP"} <= set(formats), formats
    assert len({item.creator_id for item in items}) >= 8
    assert len({item.license_type for item in items}) == 3
    assert len({item.orientation for item in items}) == 3
    years = [item.year for item in items if item.year is not None]
    assert min(years) < 1700 and max(years) > 1850
    assert len({item.sha256 for item in items}) == len(items)
    assert all(item.title and item.price is not None and item.collection for item in items)


def test_sizes_and_formats_span_the_promised_range():
    # Metadata and pictures only (no database): the spread over the default 200 items.
    arts = [demo.artwork(n) for n in range(1, 201, 3)]
    sizes = [Image.open(io.BytesIO(art.data)).size for art in arts]
    long_sides = [max(size) for size in sizes]
    assert min(long_sides) >= 400 and max(long_sides) <= 4000
    assert max(long_sides) >= 2000
    assert {Image.open(io.BytesIO(art.data)).format for art in arts} >= {"JPEG", "PNG", "WEBP", "TIFF", "GIF"}
    assert any(art.year is None for art in arts) and any(art.year_approximate for art in arts)


def test_count_must_not_be_negative():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="0 or more"):
        call_command("load_demo_catalog", count=-1, verbosity=0)
