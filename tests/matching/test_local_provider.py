"""The local provider against a real database, with images made in code and decoded by Pillow."""

import math

import pytest
from PIL import Image, ImageDraw

from matching.providers import get_provider
from matching.providers.local import LocalHashProvider
from matching.query import QueryImage
from matching.safety import imaging
from tests.images import encode, picture

pytestmark = pytest.mark.django_db


def query(image: Image.Image, quality: int = 90) -> QueryImage:
    return QueryImage(imaging.load_image(encode(image, "JPEG", quality=quality)))


@pytest.fixture
def catalog(make_item):
    """Six indexed images; the first is the one the tests edit."""
    items = [
        make_item(seed=seed, width=640, height=480, data=encode(picture(640, 480, seed), "PNG")) for seed in range(6)
    ]
    return items, picture(640, 480, 0)


def test_an_identical_image_scores_100(catalog):
    items, original = catalog
    same_file = QueryImage(imaging.load_image(encode(original, "PNG")))
    matches = get_provider().match(same_file)
    assert matches[0].image_id == items[0].pk
    assert matches[0].score == 100 and matches[0].target_overlap == 100
    assert [m.image_id for m in matches] == [items[0].pk]


@pytest.mark.parametrize(
    ("transpose", "mirrored"),
    [
        (Image.Transpose.ROTATE_90, False),
        (Image.Transpose.ROTATE_180, False),
        (Image.Transpose.ROTATE_270, False),
        (Image.Transpose.FLIP_LEFT_RIGHT, True),
        (Image.Transpose.FLIP_TOP_BOTTOM, True),
        (Image.Transpose.TRANSPOSE, True),
        (Image.Transpose.TRANSVERSE, True),
    ],
)
def test_rotated_and_mirrored_copies_are_found(catalog, transpose, mirrored):
    items, original = catalog
    matches = get_provider().match(query(original.transpose(transpose)))
    assert [m.image_id for m in matches] == [items[0].pk]
    assert matches[0].details["mirrored"] is mirrored


def test_unrelated_images_match_nothing(catalog):
    for seed in range(100, 106):
        assert get_provider().match(query(picture(640, 480, seed))) == []


def test_a_cropped_copy_is_found_and_scores_lower_than_the_whole(catalog):
    items, original = catalog
    whole = get_provider().match(query(original))[0]
    cropped = get_provider().match(query(original.crop((128, 96, 512, 384))))  # 20% off every side
    assert [m.image_id for m in cropped] == [items[0].pk]
    assert cropped[0].target_overlap < 50 and cropped[0].score < whole.score


def test_a_copy_with_a_caption_band_is_found(catalog):
    items, original = catalog
    captioned = original.copy()
    ImageDraw.Draw(captioned).rectangle((0, 408, 640, 480), fill=(20, 20, 20))
    assert get_provider().match(query(captioned))[0].image_id == items[0].pk


def test_min_score_and_limit_narrow_the_results(catalog):
    _items, original = catalog
    provider = get_provider()
    assert provider.match(query(original), min_score=101) == []
    assert len(provider.match(query(original), limit=0)) == 0


def test_scores_fall_as_the_copy_is_changed_more(catalog):
    _items, original = catalog
    provider = get_provider()
    scores = [
        provider.match(query(original.crop((m, m * 3 // 4, 640 - m, 480 - m * 3 // 4))))[0].score for m in (0, 32, 128)
    ]
    assert scores[0] > scores[1] > scores[2]


def test_removed_images_are_not_found_and_not_counted(catalog, committed):
    items, original = catalog
    provider = get_provider()
    assert provider.count() == 6
    with committed():
        items[0].delete()
    assert provider.match(query(original)) == []
    assert provider.count() == 5


def test_another_process_sees_adds_and_removes(catalog, make_item, committed):
    # Two provider instances share nothing but the database, as two gunicorn workers do.
    _items, _original = catalog
    other_process = LocalHashProvider()
    assert other_process.count() == 6
    added = make_item(seed=42, width=640, height=480, data=encode(picture(640, 480, 42), "PNG"))
    assert [m.image_id for m in other_process.match(query(picture(640, 480, 42)))] == [added.pk]
    with committed():
        added.delete()
    assert other_process.match(query(picture(640, 480, 42))) == []
    assert other_process.count() == 6


def test_a_replaced_image_is_found_by_its_new_picture_only(catalog, committed):
    from catalog import ingest

    items, _original = catalog
    with committed():
        ingest.replace_image(items[1], imaging.load_image(encode(picture(640, 480, 77), "PNG")))
    provider = LocalHashProvider()
    assert [m.image_id for m in provider.match(query(picture(640, 480, 77)))] == [items[1].pk]
    assert provider.match(query(picture(640, 480, 1))) == []


def test_compare_says_whether_two_images_match():
    provider = LocalHashProvider()
    original = picture(640, 480, 9)
    upright = QueryImage(imaging.load(encode(original, "PNG")))
    same = provider.compare(query(original.transpose(Image.Transpose.ROTATE_90)), upright)
    assert same is not None and 0 < same.score <= 100 and not math.isnan(same.score)
    assert provider.compare(query(picture(640, 480, 10)), upright) is None


@pytest.mark.parametrize("degrees", [-5, 2, 4, 7])
def test_skewed_copies_are_found(degrees):
    provider = LocalHashProvider()
    original = picture(800, 600, 12)
    turned = original.rotate(degrees, Image.Resampling.BICUBIC, fillcolor="white")
    found = provider.compare(query(turned), QueryImage(imaging.load(encode(original, "PNG"))))
    assert found is not None and found.score > 40


def test_a_crop_between_windows_is_verified_with_local_features():
    provider = LocalHashProvider()
    original = picture(800, 600, 13)
    cropped = original.crop((20, 70, 730, 560))  # 2.5% to 12% off, differently per side
    found = provider.compare(query(cropped), QueryImage(imaging.load(encode(original, "PNG"))))
    assert found is not None and found.details["method"] == "features"
    assert found.details["inliers"] >= 15 and found.details["aligned_distance"] <= 64
    assert 60 < found.target_overlap < 80 and found.query_overlap > 95


def test_a_reload_prunes_change_events_every_process_has_outlived(catalog):
    from datetime import timedelta

    from django.utils import timezone

    from matching.index.follower import RELOAD_AFTER
    from matching.models import IndexEvent

    old = timezone.now() - timedelta(seconds=3 * RELOAD_AFTER)
    IndexEvent.objects.filter(pk__in=list(IndexEvent.objects.values_list("pk", flat=True)[:4])).update(created_at=old)
    provider = LocalHashProvider()
    assert provider.count() == 6  # the fingerprints, not the events, are the truth
    assert IndexEvent.objects.count() == 2
