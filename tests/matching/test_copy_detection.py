"""Copies whose centre moved (one-sided crops, details, framed copies), where they matched, and
pictures too plain or too fine for a hash: the local provider on a real database, real image files."""

import dataclasses

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps

from matching.algorithms import borders, overlay, verify
from matching.algorithms import fingerprint as fingerprint_module
from matching.algorithms.fingerprint import fine_detail, fingerprint, unpack_features
from matching.providers import get_provider
from matching.providers.local import LocalHashProvider
from matching.providers.thresholds import Thresholds
from matching.query import QueryImage
from matching.safety import imaging
from tests.corpus import EDITS
from tests.corpus import artwork as corpus_artwork
from tests.images import encode, picture

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def query(image: Image.Image, fmt: str = "JPEG") -> QueryImage:
    return QueryImage(imaging.load_image(encode(image, fmt, **({"quality": 90} if fmt == "JPEG" else {}))))


def crop(image: Image.Image, left: float, top: float, right: float, bottom: float) -> Image.Image:
    """The part of `image` between these fractions of its width and height."""
    w, h = image.size
    return image.crop((round(left * w), round(top * h), round(right * w), round(bottom * h)))


@pytest.fixture
def catalog(make_item):
    """Eight indexed pictures; the first is the one the tests edit."""
    items = [
        make_item(seed=seed, width=800, height=600, data=encode(picture(800, 600, seed), "PNG"))
        for seed in range(20, 28)
    ]
    return items, picture(800, 600, 20)


def assert_box_near(box, expected, tolerance=0.06):
    assert np.allclose(box, expected, atol=tolerance), (box, expected)


def test_a_copy_with_a_quarter_cut_from_one_side_is_found_where_it_is(catalog):
    items, original = catalog
    matches = get_provider().match(query(crop(original, 0.25, 0, 1, 1)))
    assert [m.image_id for m in matches] == [items[0].pk]
    assert_box_near(matches[0].target_box, (0.25, 0, 1, 1))
    assert_box_near(matches[0].query_box, (0, 0, 1, 1))
    assert 65 < matches[0].target_overlap < 85


@pytest.mark.parametrize("corner", [(0.05, 0.08), (0.45, 0.42), (0.4, 0.05)])
def test_an_off_centre_detail_is_found_and_outlined(catalog, corner):
    items, original = catalog
    left, top = corner
    matches = get_provider().match(query(crop(original, left, top, left + 0.5, top + 0.5)))
    assert [m.image_id for m in matches] == [items[0].pk]
    found = matches[0]
    assert found.details["method"] == "features"
    assert_box_near(found.target_box, (left, top, left + 0.5, top + 0.5))
    assert 15 < found.target_overlap < 35 and found.query_overlap > 90
    assert found.score < 80  # a detail is a copy, but far from the whole picture


def test_a_framed_copy_is_found_with_the_frame_outside_the_match(catalog):
    items, original = catalog
    matted = ImageOps.expand(original, border=70, fill=(238, 234, 226))
    framed = ImageOps.expand(matted, border=45, fill=(96, 64, 40))
    ImageDraw.Draw(framed).rectangle((20, 20, framed.width - 21, framed.height - 21), outline=(150, 110, 70), width=6)
    matches = get_provider().match(query(framed))
    assert [m.image_id for m in matches] == [items[0].pk]
    inner = (115 / framed.width, 115 / framed.height, 1 - 115 / framed.width, 1 - 115 / framed.height)
    assert_box_near(matches[0].query_box, inner, 0.04)
    assert matches[0].target_overlap > 90


def test_whole_copies_say_they_cover_the_whole_picture(catalog):
    items, original = catalog
    found = get_provider().match(query(original))[0]
    assert found.image_id == items[0].pk
    assert found.details["method"] == "hash"
    assert found.query_box == found.target_box == (0.0, 0.0, 1.0, 1.0)
    centre = get_provider().match(query(crop(original, 0.2, 0.2, 0.8, 0.8)))[0]
    assert_box_near(centre.target_box, (0.2, 0.2, 0.8, 0.8), 0.02)


def test_a_mirrored_detail_is_found_with_its_box_in_the_query_as_uploaded(catalog):
    items, original = catalog
    # The catalog picture's right edge, mirrored: a blank band where that edge now is, on the left.
    detail = ImageOps.mirror(crop(original, 0.5, 0.1, 1.0, 0.6))
    framed = ImageOps.expand(detail, border=(120, 0, 0, 0), fill=(255, 255, 255))
    matches = get_provider().match(query(framed))
    assert [m.image_id for m in matches] == [items[0].pk]
    assert matches[0].details["mirrored"] is True
    assert_box_near(matches[0].target_box, (0.5, 0.1, 1.0, 0.6))
    assert_box_near(matches[0].query_box, (120 / framed.width, 0, 1, 1))


def test_unrelated_pictures_and_details_of_them_match_nothing(catalog):
    for seed in range(60, 64):
        other = picture(800, 600, seed)
        assert get_provider().match(query(other)) == []
        assert get_provider().match(query(crop(other, 0.1, 0.4, 0.6, 0.9))) == []


# --- pictures with little structure --------------------------------------------------------------


def staff(clef: str, width: int = 300, height: int = 84) -> Image.Image:
    """Five staff lines and a clef drawn with thin strokes: line art the hash cannot tell apart."""
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    for line in range(5):
        draw.line((5, 22 + line * 10, width - 5, 22 + line * 10), fill="black", width=1)
    if clef == "treble":
        draw.arc((12, 18, 38, 62), 0, 300, fill="black", width=2)
        draw.line((25, 10, 25, 74), fill="black", width=2)
    else:
        draw.ellipse((12, 24, 22, 34), fill="black")
        draw.arc((12, 20, 40, 50), 270, 100, fill="black", width=2)
        draw.ellipse((44, 26, 48, 30), fill="black")
        draw.ellipse((44, 36, 48, 40), fill="black")
    return image


def test_thin_line_art_is_marked_fine_and_photos_are_not():
    gray = lambda image: np.asarray(image.convert("L"))  # noqa: E731
    assert fine_detail(gray(staff("treble")))
    assert fine_detail(gray(picture(40, 40, 1)))  # under 64 px on its short side
    assert not fine_detail(gray(picture(640, 480, 1)))
    assert not fine_detail(gray(Image.new("RGB", (300, 200), "grey")))  # blank: nothing to hash at all


def test_a_treble_clef_is_not_a_bass_clef_but_a_treble_clef_matches_its_copies():
    provider = LocalHashProvider()
    treble = QueryImage(imaging.load(encode(staff("treble"), "PNG")))
    assert provider.compare(query(staff("bass"), "PNG"), treble) is None
    assert provider.compare(query(staff("treble").resize((600, 168), Image.Resampling.LANCZOS)), treble) is not None
    same = provider.compare(query(staff("treble"), "PNG"), treble)
    assert same is not None and same.score == 100


def test_a_catalog_staff_is_found_by_its_own_copy_only(make_item):
    treble = make_item(seed=1, data=encode(staff("treble"), "PNG"))
    make_item(seed=2, data=encode(picture(640, 480, 2), "PNG"))
    assert get_provider().match(query(staff("bass"), "PNG")) == []
    assert [m.image_id for m in get_provider().match(query(staff("treble")))] == [treble.pk]


def test_tiny_and_blank_pictures_match_only_the_identical_file(make_item):
    tiny = picture(48, 40, 3)
    nudged = tiny.copy()
    ImageDraw.Draw(nudged).rectangle((30, 4, 40, 14), fill=(250, 20, 20))
    blank = Image.new("RGB", (320, 240), (200, 200, 200))
    tiny_item = make_item(seed=3, data=encode(tiny, "PNG"))
    blank_item = make_item(seed=4, data=encode(blank, "PNG"))
    assert fingerprint(query(tiny, "PNG").loaded).fine
    provider = get_provider()
    assert provider.match(query(nudged, "PNG")) == []
    assert provider.match(query(Image.new("RGB", (320, 240), (90, 90, 90)), "PNG")) == []
    identical = provider.match(QueryImage(imaging.load(encode(tiny, "PNG"))))
    assert [(m.image_id, m.score, m.details["method"]) for m in identical] == [(tiny_item.pk, 100, "identical file")]
    assert [m.image_id for m in provider.match(QueryImage(imaging.load(encode(blank, "PNG"))))] == [blank_item.pk]


@pytest.mark.parametrize("turn", [Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270])
def test_a_turned_detail_says_how_it_is_turned_as_a_turned_whole_copy_does(catalog, turn):
    items, original = catalog
    whole = get_provider().match(query(original.transpose(turn)))[0]
    detail = get_provider().match(query(crop(original, 0.5, 0.4, 1.0, 0.9).transpose(turn)))[0]
    assert whole.image_id == detail.image_id == items[0].pk
    assert detail.details["method"] == "features" and whole.details["method"] == "hash"
    assert detail.details["orientation"] == whole.details["orientation"] != 0
    assert_box_near(detail.target_box, (0.5, 0.4, 1.0, 0.9))


# --- copies with few distinctive features: guided matching and perspective ----------------------------


def artwork(number: int) -> Image.Image:
    return corpus_artwork(number, max_side=None)


@pytest.fixture
def unspread(monkeypatch):
    """Features found on the grey levels as they are (as before fingerprint.spread), catalog and query alike.

    Spreading the grey levels gave the demo paintings below enough features for a first fit; the paths
    for pictures that still have too few (guided matching on a weak fit, the plain border, the print seen
    straight on) are tested on them with it switched off. Request it before the catalog is made.
    """
    monkeypatch.setattr(fingerprint_module, "FEATURE_GAIN", 1.0)


@pytest.fixture
def artworks(make_item):
    """Eight demo paintings (flat colour, few corners), indexed from PNG files."""
    return {number: make_item(seed=number, data=encode(artwork(number), "PNG")) for number in range(1, 9)}


def test_a_detail_with_few_distinctive_features_is_found_by_guided_matching_and_its_pixels(artworks):
    # The lower right quarter of the painting: 8 features survive the ratio test's fit (too few to be a copy
    # on their own); paired by where that fit lays them, about 24 agree.
    detail = crop(artwork(2), 0.5, 0.5, 1.0, 1.0)
    matches = get_provider().match(query(detail))
    assert [m.image_id for m in matches] == [artworks[2].pk]
    found = matches[0].details
    assert found["method"] == "features" and found["candidate"] == "embedding"
    assert found["inliers"] < verify.MIN_INLIERS <= found["guided_inliers"]
    assert found["correlation"] >= overlay.STRONG_PIXELS and found["edge_correlation"] >= overlay.STRONG_EDGES
    assert_box_near(matches[0].target_box, (0.5, 0.5, 1.0, 1.0))


@pytest.mark.parametrize("spread", [True, False])
def test_a_detail_of_a_painting_with_few_corners_at_its_contrast_is_found_once_its_grey_levels_are_spread(
    make_item, monkeypatch, spread
):
    # Demo painting 97's lower middle (1024 x 682, decoded at half that): at the painting's own contrast FAST's
    # absolute corner test keeps too few corners there for any fit; spread over the whole grey range (at most
    # twice), the catalog picture and the detail both keep enough. Without spreading (catalog and query alike)
    # the detail is missed. (Painting 93 showed this until fingerprint version 4 decoded it at a half: its
    # detail is now missed either way, CHANGELOG.md.)
    if not spread:
        monkeypatch.setattr(fingerprint_module, "FEATURE_GAIN", 1.0)
    catalog = {number: make_item(seed=number, data=encode(artwork(number), "PNG")) for number in (92, 97)}
    matches = get_provider().match(query(crop(artwork(97), 0.45, 0.42, 0.95, 0.92)))
    if not spread:
        assert matches == []
        return
    assert [m.image_id for m in matches] == [catalog[97].pk]
    assert_box_near(matches[0].target_box, (0.45, 0.42, 0.95, 0.92))


def laid_over(query_std: float, thumbnail_std: float, same: bool = False) -> overlay.Likeness | None:
    """aligned_correlation of a 256 px query laid (unmoved) over a 256 px catalog picture, each showing random
    blotches of these standard deviations around mid-grey at the thumbnail's scale (the same blotches: `same`)."""
    rng = np.random.default_rng(7)
    pattern = rng.normal(0, 1, (64, 64))
    other = pattern if same else rng.normal(0, 1, (64, 64))
    thumbnail = np.clip(128 + thumbnail_std * other, 0, 255).astype(np.uint8)
    blotches = np.clip(128 + query_std * pattern, 0, 255).astype(np.uint8)
    query_pixels = cv2.resize(blotches, (256, 256), interpolation=cv2.INTER_NEAREST)
    checked = verify.Verification(20, 0.5, 1.0, 1.0, np.eye(2, 3), (256, 256))
    return overlay.aligned_correlation(query_pixels, checked, thumbnail)


def test_pixels_too_plain_to_compare_are_plain_alike_only_when_both_sides_are_and_alike_in_it():
    assert laid_over(1.5, 1.6).plain  # a detail of a sky over the sky: the thumbnail cannot tell
    assert laid_over(30, 1.5) is None  # a varied query over a plain part of a catalog picture: not alike
    assert laid_over(3.0, 0.6) is None  # both under MIN_CONTRAST, but one five times as varied
    varied = laid_over(30, 30, same=True)
    assert not varied.plain and varied.pixels > 0.99


@pytest.mark.parametrize("corner", [(0.05, 0.05), (0.05, 0.45)])
def test_a_detail_of_a_colour_field_too_plain_for_the_thumbnail_is_found_on_its_features(make_item, corner):
    # Demo painting 9 (soft bands of colour under a fine grain): a quarter of it is plain at the 64 px
    # thumbnail's scale (grey levels vary by about 1 there), so no pixel comparison can vouch for the features
    # the grain gives it (a weak fit of 8 refined to 17 at the first corner, 18 first-fit inliers at the
    # second). Plain on both sides alike, inside the catalog picture, the features decide. The other colour
    # fields (1, 17, 25) stay apart, and so does a detail of one not in the catalog (33).
    catalog = {number: make_item(seed=number, data=encode(corpus_artwork(number), "PNG")) for number in (1, 9, 17, 25)}
    left, top = corner
    detail = query(crop(corpus_artwork(9), left, top, left + 0.5, top + 0.5))
    matches = get_provider().match(detail)
    assert [m.image_id for m in matches] == [catalog[9].pk]
    assert matches[0].details["plain"] and "correlation" not in matches[0].details
    assert_box_near(matches[0].target_box, (left, top, left + 0.5, top + 0.5))
    assert matches[0].score < 40  # features alone, with nothing compared: a low score
    assert get_provider().match(query(crop(corpus_artwork(33), left, top, left + 0.5, top + 0.5))) == []
    never_plain = Thresholds(plain_agreement=float("inf"))  # no picture is plain alike: as before
    assert LocalHashProvider(thresholds=never_plain).match(detail) == []


def test_two_wave_paintings_made_to_one_template_are_not_copies_though_a_stretch_of_each_agrees(make_item):
    # Demo paintings 20 and 5052 (bands waving alike in the same colours): a stretch of one, mirrored, lies
    # over a stretch of the other on a weak fit of 8 features, and guided matching and the pixels agree
    # (0.99). Neither picture lies inside the other, as every edit a copy is made by would leave it, so it
    # is not a copy (Thresholds.weak_containment).
    catalog = make_item(seed=20, data=encode(corpus_artwork(20), "PNG"))
    other = query(corpus_artwork(5052))
    assert get_provider().match(other) == []
    containment = Thresholds().weak_containment
    matches = LocalHashProvider(thresholds=Thresholds(weak_containment=0.0)).match(other)
    assert [m.image_id for m in matches] == [catalog.pk]  # what the rule turns down
    assert matches[0].details["inliers"] < verify.MIN_INLIERS
    assert max(matches[0].query_overlap, matches[0].target_overlap) < 100 * containment


def test_a_4_3_rendition_of_a_grid_of_plain_rectangles_is_found_and_fits_as_a_centred_crop(make_item):
    # A tall grid of flat rectangles (demo painting 98): every corner looks like every other, so the ratio
    # test leaves few matches. The centred-crop hypothesis (the query is the picture's centred 4:3 part)
    # pairs features by position instead; in bench/robustness.py it alone finds a 4:3 rendition and a 5-degree
    # turn that no first fit finds. Painting 98's rendition is found by a first fit too since the perspective
    # fit uses USAC, so the hypothesis is checked on it directly.
    catalog = {number: make_item(seed=number, data=encode(artwork(number), "PNG")) for number in (97, 98, 99)}
    rendition = EDITS["4:3 rendition"](artwork(98), None)
    width, height = artwork(98).size
    kept = width * 3 / 4 / height  # the share of the height a 4:3 rendition keeps
    centred = (0, (1 - kept) / 2, 1, (1 + kept) / 2)
    matches = get_provider().match(query(rendition))
    assert [m.image_id for m in matches] == [catalog[98].pk]
    assert_box_near(matches[0].target_box, centred, tolerance=0.03)
    query_side = query(rendition).fingerprint
    for number in (98, 99):
        catalog_side = fingerprint(imaging.load(encode(artwork(number), "PNG")))
        seeded = verify.verify_centred_crop(query_side.features, catalog_side.features)
        alike = (
            None if seeded is None else overlay.aligned_correlation(query_side.pixels, seeded, catalog_side.thumbnail)
        )
        if number == 99:  # another painting (circles): laid over it, the pixels do not agree
            assert alike is None or not alike.strong
            continue
        assert seeded.guided_from == "centred crop" and seeded.support >= Thresholds().weak_support
        assert alike.strong
        assert_box_near(seeded.target_box, centred, tolerance=0.03)


def test_paintings_made_to_the_catalogs_templates_are_not_copies_even_on_weak_fits(make_item):
    # Pairs of demo paintings laid out alike (one portrait template, one composition), whose edited
    # copies line up with each other on features and correlate up to 0.98 in grey values: the
    # likeness rule for weak fits must tell them apart.
    catalog = {number: make_item(seed=number, data=encode(artwork(number), "PNG")) for number in (15, 46, 81)}
    rng = np.random.default_rng(3)
    for number in (22, 41, 55, 118):
        for edit in ("4:3 rendition", "detail (half, off-centre)", "photo of a print (8% keystone)", "framed"):
            matches = get_provider().match(query(EDITS[edit](artwork(number), rng)))
            assert matches == [], (number, edit, [(m.image_id, m.details) for m in matches], catalog)


@pytest.mark.parametrize("edit", ["detail (half, off-centre)", "photo of a print (8% keystone)", "thumbnail 200px"])
def test_the_ratio_tested_pairs_are_opencvs_brute_force_matchers(edit):
    """verify.ratio_pairs finds the nearest two with faiss: the pairs must be the ones OpenCV's matcher gives."""
    original, other = artwork(4), artwork(5)
    catalog_side = fingerprint(imaging.load(encode(original, "PNG")))
    for shown in (EDITS[edit](original, np.random.default_rng(3)), other):
        query_side = query(shown).fingerprint
        query_descriptors, target_descriptors = (
            unpack_features(side.features)[1] for side in (query_side, catalog_side)
        )
        pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(query_descriptors, target_descriptors, k=2)
        expected = [(p[0].queryIdx, p[0].trainIdx) for p in pairs if p[0].distance < verify.RATIO * p[1].distance]
        good, partner = verify.ratio_pairs(query_descriptors, target_descriptors)
        assert list(zip(good.tolist(), partner.tolist(), strict=True)) == expected
        if shown is not other:
            assert len(expected) >= 15  # a copy: many pairs to compare


def test_a_photo_of_a_print_is_compared_along_its_perspective():
    original = artwork(4)
    photo = EDITS["photo of a print (8% keystone)"](original, np.random.default_rng(1))
    catalog_side = fingerprint(imaging.load(encode(original, "PNG")))
    query_side = query(photo).fingerprint
    checked = verify.verify(query_side.features, catalog_side.features, min_inliers=verify.WEAK_INLIERS)
    assert checked is not None and checked.homography is not None
    along_perspective = overlay.aligned_correlation(query_side.pixels, checked, catalog_side.thumbnail)
    along_affine = overlay.aligned_correlation(
        query_side.pixels, dataclasses.replace(checked, perspective_inputs=None), catalog_side.thumbnail
    )
    assert along_perspective.strong and not along_affine.strong
    assert along_perspective.pixels > along_affine.pixels


def test_a_photo_of_a_print_with_few_features_is_found(unspread, artworks):
    photo = EDITS["photo of a print (8% keystone)"](artwork(4), np.random.default_rng(1))
    matches = get_provider().match(query(photo))
    assert [m.image_id for m in matches] == [artworks[4].pk]
    assert matches[0].details["correlation"] >= overlay.STRONG_PIXELS


def test_a_photo_of_a_print_whose_window_hashes_apart_along_the_affine_fit_is_re_hashed_along_its_perspective(
    make_item,
):
    # Painting 28 photographed at an angle: 15 features fit one affine transform, but the window laid over the
    # photo along it is a few pixels off at its edges and hashes 74 bits apart (a copy must come within 64).
    # Along the homography through the same features it comes within 40, and the photo is a copy.
    original = artwork(28)
    photo = EDITS["photo of a print (8% keystone)"](original, np.random.default_rng(1))
    catalog_side = fingerprint(imaging.load(encode(original, "PNG")))
    query_side = query(photo).fingerprint
    checked = verify.verify(query_side.features, catalog_side.features, min_inliers=verify.WEAK_INLIERS)
    assert checked is not None and not checked.weak and checked.homography is not None
    hashes, valid = catalog_side.hashes[0], catalog_side.valid
    along_affine = overlay.aligned_distance(query_side.pixels, checked, hashes, valid)
    along_perspective = overlay.aligned_distance(query_side.pixels, checked, hashes, valid, perspective=True)
    assert along_perspective[0] <= Thresholds().aligned_distance < along_affine[0]
    no_perspective = dataclasses.replace(checked, perspective_inputs=None)
    assert overlay.aligned_distance(query_side.pixels, no_perspective, hashes, valid, perspective=True) is None
    catalog = {number: make_item(seed=number, data=encode(artwork(number), "PNG")) for number in (27, 28, 29)}
    matches = get_provider().match(query(photo))
    assert [m.image_id for m in matches] == [catalog[28].pk]
    assert matches[0].details["aligned_distance"] <= Thresholds().aligned_distance


# --- pictures in a plain border ------------------------------------------------------------------


def framed(image: Image.Image, mat: int, frame: int) -> tuple[Image.Image, tuple[float, float, float, float]]:
    """The picture in a mat and a moulded frame (concentric lines), and where the picture lies in it."""
    matted = ImageOps.expand(image, border=mat, fill=(240, 236, 228))
    result = ImageOps.expand(matted, border=frame, fill=(110, 80, 50))
    draw = ImageDraw.Draw(result)
    for step in range(0, frame, 3):
        draw.rectangle((step, step, result.width - 1 - step, result.height - 1 - step), outline=(150, 120, 90))
    side = mat + frame
    return result, (side / result.width, side / result.height, 1 - side / result.width, 1 - side / result.height)


def test_the_picture_inside_a_mat_and_a_frame_is_found_and_unframed_pictures_have_no_border():
    picture_in_frame, where = framed(artwork(1), 60, 40)
    box = borders.inner_box(query(picture_in_frame).image)
    assert_box_near(box, where, 0.01)
    assert borders.inner_box(query(picture(800, 600, 5)).image) is None
    assert borders.inner_box(query(artwork(1)).image) is None


def test_a_framed_copy_of_a_picture_too_plain_for_its_features_is_found_inside_its_frame(unspread, artworks):
    # A pale, nearly featureless painting: neither the framed copy's hashes (centred on the frame) nor
    # its few features find it; the picture inside the frame hashes like the catalog's.
    picture_in_frame, where = framed(artwork(1), 60, 40)
    matches = get_provider().match(query(picture_in_frame))
    assert [m.image_id for m in matches] == [artworks[1].pk]
    assert matches[0].details["border"] == pytest.approx(where, abs=0.01)
    assert_box_near(matches[0].query_box, where, 0.02)
    assert_box_near(matches[0].target_box, (0, 0, 1, 1), 0.02)
    share = (where[2] - where[0]) * (where[3] - where[1])
    assert matches[0].query_overlap == pytest.approx(100 * share, abs=3)


def test_a_framed_picture_that_is_not_in_the_catalog_matches_nothing(artworks):
    for number in (41, 42, 43):
        assert get_provider().match(query(framed(artwork(number), 60, 40)[0])) == []


@pytest.mark.parametrize("size", [(1, 1), (1, 400), (400, 1), (12, 300), (300, 12), (300, 40)])
def test_slivers_and_plain_pictures_have_no_border(size):
    assert borders.inner_box(Image.new("RGB", size, (200, 200, 200))) is None


# --- a print photographed at an angle ------------------------------------------------------------


def keystoned(number: int) -> tuple[Image.Image, np.ndarray]:
    """tests/corpus.py's photo of a print of painting `number` (top edge 8% narrower, on a grey wall), and
    where the print's corners lie in it (top left, top right, bottom right, bottom left)."""
    original = artwork(number)
    width, height = original.size
    margin, inset = round(0.06 * max(width, height)), 0.04 * width
    corners = [(margin + inset, margin), (margin + width - inset, margin), (margin + width, margin + height),
               (margin, margin + height)]  # fmt: skip
    return EDITS["photo of a print (8% keystone)"](original, np.random.default_rng(1)), np.array(corners)


def test_the_corners_of_a_print_on_a_wall_are_found_and_other_pictures_have_none():
    for number in (6, 62, 86):
        photo, where = keystoned(number)
        decoded = query(photo).image  # decoded as a query is: smaller than the photo when it is large
        found = borders.print_corners(decoded)
        assert found is not None and np.abs(found / decoded.size - where / photo.size).max() <= 0.015, number
    assert borders.print_corners(query(artwork(86)).image) is None  # no ground around it
    assert borders.print_corners(query(framed(artwork(1), 60, 40)[0]).image) is None  # upright: a plain border
    disc = Image.new("RGB", (400, 300), (250, 250, 250))
    ImageDraw.Draw(disc).ellipse((80, 40, 320, 260), fill=(200, 40, 40))
    assert borders.print_corners(disc) is None  # a plain ground, but no four-cornered outline on it
    assert borders.print_corners(Image.new("RGB", (400, 300), (120, 120, 120))) is None  # nothing on the ground


def test_a_photo_of_a_print_no_fit_finds_is_found_seen_straight_on(unspread, make_item, monkeypatch):
    # Painting 86 photographed at an angle: its few features give no usable fit, so neither its hashes nor
    # the embedding stage find it. Seen straight on (its outline on the wall rectified), it hashes as the
    # catalog picture does.
    catalog = {number: make_item(seed=number, data=encode(artwork(number), "PNG")) for number in (85, 86, 87)}
    photo, where = keystoned(86)
    with monkeypatch.context() as patched:
        patched.setattr(borders, "print_corners", lambda image: None)  # the pass switched off
        assert get_provider().match(query(photo)) == []
    matches = get_provider().match(query(photo))
    assert [m.image_id for m in matches] == [catalog[86].pk]
    assert matches[0].details["method"] == "hash"
    outline = (where.min(axis=0) / photo.size).tolist() + (where.max(axis=0) / photo.size).tolist()
    assert_box_near(matches[0].query_box, outline, 0.02)
    assert_box_near(matches[0].target_box, (0, 0, 1, 1), 0.02)


def test_a_photo_of_a_print_that_is_not_in_the_catalog_matches_nothing(make_item):
    for number in (84, 85, 86):
        make_item(seed=number, data=encode(artwork(number), "PNG"))
    for number in (41, 62, 92):
        assert get_provider().match(query(keystoned(number)[0])) == []
