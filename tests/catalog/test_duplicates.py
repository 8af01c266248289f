"""Duplicates: found through the hash index, kept as pictures are indexed, grouped with a keeper, handled in the
admin, warned about."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from PIL import Image, ImageOps

from catalog.duplicates import find_groups
from catalog.models import CatalogImage, DismissedDuplicate, DuplicatePair, Status
from tests.conftest import NO_SUGGESTED_TAG_FORMS, upload
from tests.corpus import sample_photo
from tests.images import encode, picture

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def library(make_item):
    """Picture 1 four times (original, smaller JPEG, its middle 60% recoloured, 12.5% cropped off each side),
    picture 2 twice, picture 3 once."""
    from PIL import ImageEnhance

    one = picture(1200, 900, 1)
    cropped = ImageEnhance.Color(one.crop((240, 180, 960, 720))).enhance(1.3)
    return {
        "original": make_item(seed=1, title="Harbour", data=encode(one, "PNG")),
        "small": make_item(seed=1, title="Harbour (web)", data=encode(one.resize((600, 450)), "JPEG", quality=70)),
        "cropped": make_item(seed=1, title="Harbour (cropped)", data=encode(cropped, "JPEG", quality=85)),
        "trimmed": make_item(seed=1, title="Harbour (trimmed)", data=encode(one.crop((150, 112, 1050, 788)), "JPEG")),
        "mill": make_item(seed=2, title="Mill", data=encode(picture(800, 600, 2), "JPEG", quality=90)),
        "mill copy": make_item(seed=2, title="Mill copy", data=encode(picture(800, 600, 2), "JPEG", quality=60)),
        "alone": make_item(seed=3, title="Alone", data=encode(picture(800, 600, 3), "PNG")),
    }


def test_copies_are_grouped_with_the_best_member_first(library):
    groups = find_groups()
    assert [[m.title for m in g.members] for g in groups] == [
        ["Harbour", "Harbour (trimmed)", "Harbour (cropped)", "Harbour (web)"],
        ["Mill", "Mill copy"],
    ]
    harbour = groups[0]
    assert {(p.first, p.second) for p in harbour.pairs} >= {(library["original"].pk, library["small"].pk)}
    assert all(0 < p.score <= 100 for p in harbour.pairs)


def test_a_crop_between_the_hash_windows_is_confirmed_by_a_full_match(library):
    from matching.duplicates import search_pairs

    pair = (library["original"].pk, library["trimmed"].pk)
    accepted, doubtful = search_pairs()
    assert pair not in {(p.first, p.second) for p in accepted} and pair in {(p.first, p.second) for p in doubtful}
    stored = DuplicatePair.objects.get(first=pair[0], second=pair[1])  # settled by the background check
    assert stored.method == "features" and 50 <= stored.score < 100


def test_a_higher_threshold_keeps_only_the_closest_copies(library):
    strict = find_groups(threshold=95)
    assert [[m.title for m in g.members] for g in strict] == [["Harbour", "Harbour (web)"], ["Mill", "Mill copy"]]


def test_dismissed_pairs_are_not_grouped(library):
    DismissedDuplicate.objects.create(first=library["mill"], second=library["mill copy"])
    assert [g.keeper.title for g in find_groups()] == ["Harbour"]


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_the_command_writes_every_format(library, fmt, tmp_path, capsys):
    out = tmp_path / f"dups.{fmt}"
    call_command("find_duplicates", "--format", fmt, "--output", str(out), verbosity=0)
    text = out.read_text()
    assert "Harbour (web)" in text and "Alone" not in text
    if fmt == "json":
        groups = json.loads(text)
        assert groups[0]["keeper"] == library["original"].pk and len(groups[0]["members"]) == 4
    if fmt == "csv":
        assert text.splitlines()[0].startswith("group,keeper,id,identifier")
    assert "2 groups of duplicates among 7 images; 4 could go." in capsys.readouterr().err


def test_a_bad_threshold_is_refused(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="from 0 to 100"):
        call_command("find_duplicates", "--threshold", "150")


def test_the_admin_page_keeps_one_and_unpublishes_the_others(library, staff_client, committed):
    url = reverse("admin:catalog_catalogimage_duplicates")
    html = staff_client.get(url).content.decode()
    assert html.count('class="dup-group"') == 2 and "Harbour (cropped)" in html
    members = [library[k].pk for k in ("original", "small", "cropped", "trimmed")]
    with committed():
        response = staff_client.post(url, {"member": members, "keep": library["small"].pk, "action": "keep"})
    assert response.status_code == 302
    states = dict(CatalogImage.objects.filter(pk__in=members).values_list("title", "status"))
    assert states == {"Harbour": Status.DRAFT, "Harbour (web)": Status.PUBLISHED, "Harbour (cropped)": Status.DRAFT,
                      "Harbour (trimmed)": Status.DRAFT}  # fmt: skip
    assert staff_client.get(url).content.decode().count('class="dup-group"') == 1


def test_the_admin_page_marks_a_group_as_not_duplicates(library, staff_client):
    url = reverse("admin:catalog_catalogimage_duplicates")
    staff_client.post(url, {"member": [library["mill"].pk, library["mill copy"].pk], "action": "dismiss"})
    html = staff_client.get(url).content.decode()
    assert "Mill copy" not in html and "Harbour (web)" in html


def test_the_page_is_for_staff_only(client, plain_user):
    client.force_login(plain_user)
    assert client.get(reverse("admin:catalog_catalogimage_duplicates")).status_code == 302


def test_adding_a_copy_in_the_admin_warns_and_still_saves(library, staff_client, committed):
    data = encode(picture(1200, 900, 1).resize((900, 675)), "JPEG", quality=80)
    with committed():
        response = staff_client.post(
            reverse("admin:catalog_catalogimage_add"),
            {"image": upload("again.jpg", data), "title": "Harbour again", "status": "draft",
             "license_type": "editorial", "currency": "EUR", "identifier": "again", **NO_SUGGESTED_TAG_FORMS},
            follow=True,
        )  # fmt: skip
    html = response.content.decode()
    assert "This picture is already in the catalog" in html
    assert reverse("admin:catalog_catalogimage_change", args=[library["original"].pk]) in html
    assert CatalogImage.objects.filter(title="Harbour again").exists()


def test_an_item_added_elsewhere_shows_the_warning_on_its_admin_page(library, staff_client):
    html = staff_client.get(reverse("admin:catalog_catalogimage_change", args=[library["mill copy"].pk])).content
    assert "This picture is already in the catalog" in html.decode() and "Mill" in html.decode()
    alone = staff_client.get(reverse("admin:catalog_catalogimage_change", args=[library["alone"].pk])).content
    assert "already in the catalog" not in alone.decode()


def test_an_empty_catalog_has_no_duplicates(staff_client, capsys):
    call_command("find_duplicates", verbosity=0)
    assert "0 groups of duplicates among 0 images" in capsys.readouterr().err
    assert "No duplicates found." in staff_client.get(reverse("admin:catalog_catalogimage_duplicates")).content.decode()


@pytest.mark.parametrize("turn", [Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270,
                                  Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.TRANSVERSE])  # fmt: skip
def test_turned_and_mirrored_copies_are_grouped(make_item, turn):
    original = make_item(seed=5, title="Upright", data=encode(picture(800, 600, 5), "PNG"))
    turned = make_item(seed=5, title="Turned", data=encode(picture(800, 600, 5).transpose(turn), "JPEG", quality=85))
    make_item(seed=6, title="Other", data=encode(picture(800, 600, 6), "PNG"))
    groups = find_groups()
    assert [{m.pk for m in g.members} for g in groups] == [{original.pk, turned.pk}]


def test_a_detail_and_a_framed_copy_are_grouped_with_their_picture(make_item):
    # Packaged photos: the look-alike model must see a real picture for a detail to look like its whole.
    whole = sample_photo("astronaut")  # 512 x 512
    original = make_item(seed=7, title="Whole", data=encode(whole, "PNG"))
    detail = make_item(seed=7, title="Detail", data=encode(whole.crop((256, 0, 512, 256)), "JPEG", quality=90))
    framed = make_item(
        seed=7, title="Framed", data=encode(ImageOps.expand(whole, border=90, fill=(90, 60, 30)), "JPEG")
    )
    make_item(seed=8, title="Other", data=encode(sample_photo("rocket"), "PNG"))
    groups = find_groups()
    assert [{m.pk for m in g.members} for g in groups] == [{original.pk, detail.pk, framed.pk}]


def test_staff_hear_when_image_search_can_hold_on_to_little_of_a_picture(staff_client, committed):
    from PIL import ImageDraw

    staff = Image.new("RGB", (300, 84), "white")
    for line in range(5):
        ImageDraw.Draw(staff).line((5, 22 + line * 10, 295, 22 + line * 10), fill="black")
    for name, image, expected in (("staff", staff, "finer than image hashes resolve"),
                                  ("blank", Image.new("RGB", (300, 200), "grey"), "blank or nearly so"),
                                  ("photo", picture(640, 480, 4), None)):  # fmt: skip
        with committed():
            response = staff_client.post(
                reverse("admin:catalog_catalogimage_add"),
                {"image": upload(f"{name}.png", encode(image, "PNG")), "title": name, "status": "draft",
                 "license_type": "editorial", "currency": "EUR", "identifier": name, **NO_SUGGESTED_TAG_FORMS},
                follow=True,
            )  # fmt: skip
        html = response.content.decode()
        assert CatalogImage.objects.filter(title=name).exists()
        if expected:
            assert expected in html
        else:
            assert "finer than image hashes" not in html and "blank or nearly so" not in html
