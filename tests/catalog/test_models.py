import contextlib

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from catalog import ingest
from catalog.models import CatalogImage, Orientation, Status
from matching.safety import imaging
from tests.images import image_bytes

pytestmark = pytest.mark.django_db


def test_technical_facts_are_read_from_the_file(make_item):
    item = make_item(seed=3, fmt="PNG", width=400, height=300)
    item.refresh_from_db()
    assert (item.width, item.height, item.format) == (400, 300, "PNG")
    assert item.orientation == Orientation.LANDSCAPE
    with item.image.open("rb") as handle:
        stored = handle.read()
    assert item.file_size == len(stored)
    import hashlib

    assert item.sha256 == hashlib.sha256(stored).hexdigest()
    assert Image.open(item.image.path).size == (400, 300)


@pytest.mark.parametrize(
    ("size", "orientation"),
    [((300, 400), "portrait"), ((400, 400), "square"), ((1000, 1020), "square"), ((500, 200), "landscape")],
)
def test_orientation_counts_nearly_square_as_square(size, orientation):
    assert Orientation.of(*size) == orientation


def test_metadata_errors_are_reported_before_anything_is_stored(tmp_path, settings):
    loaded = imaging.load_image(image_bytes())
    with pytest.raises(ValidationError) as caught:
        ingest.create_item(loaded, title="", year=99999)
    assert {"title", "year"} <= set(caught.value.message_dict)
    assert CatalogImage.objects.count() == 0


def test_published_queryset_hides_drafts(make_item):
    shown = make_item(seed=1, status=Status.PUBLISHED)
    make_item(seed=2, status=Status.DRAFT)
    assert list(CatalogImage.objects.published()) == [shown]


def test_display_helpers(make_item):
    item = make_item(tags="harbour, boats , ,sunset", year=1890, year_approximate=True, creator="Ada Holm")
    assert item.tag_list == ["harbour", "boats", "sunset"]
    assert item.year_display == "c. 1890"
    assert str(item.creator) == "Ada Holm"
    assert item.get_absolute_url() == f"/items/{item.pk}/"


def test_deleting_an_item_deletes_its_file_after_commit(make_item, committed):
    item = make_item()
    storage, name = item.image.storage, item.image.name
    assert storage.exists(name)
    with committed():
        item.delete()
    assert not storage.exists(name)


def test_a_rolled_back_delete_keeps_the_file(make_item, committed):
    from django.db import transaction

    item = make_item()
    storage, name, pk = item.image.storage, item.image.name, item.pk
    with committed(), contextlib.suppress(RuntimeError), transaction.atomic():
        item.delete()
        raise RuntimeError("roll back")
    assert storage.exists(name) and CatalogImage.objects.filter(pk=pk).exists()
