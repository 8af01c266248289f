import numpy as np
import pytest
from PIL import Image, ImageOps

from matching.algorithms import fingerprint as fp
from matching.safety import imaging
from tests.images import encode, image_bytes, picture


def fingerprint_of(image: Image.Image, fmt: str = "PNG", **options) -> fp.Fingerprint:
    return fp.fingerprint(imaging.load_image(encode(image, fmt, **options)), for_query=True)


def catalog_fingerprint_of(image: Image.Image) -> fp.Fingerprint:
    return fp.fingerprint(imaging.load_image(encode(image, "PNG")))


def test_the_same_file_always_gives_the_same_fingerprint():
    data = image_bytes("JPEG", 640, 480, seed=4)
    first = fp.fingerprint(imaging.load(data))
    second = fp.fingerprint(imaging.load(data))
    assert np.array_equal(first.hashes, second.hashes) and np.array_equal(first.keys, second.keys)
    assert first.features == second.features and first.palette == second.palette


def test_recompressed_copies_stay_close_and_other_images_stay_far():
    original = fingerprint_of(picture(640, 480, seed=4))
    copy = fingerprint_of(picture(640, 480, seed=4), "JPEG", quality=30)
    other = fingerprint_of(picture(640, 480, seed=5))
    assert fp.hamming(original.hashes[0, 0], copy.hashes[0, 0]) <= 16
    assert fp.hamming(original.hashes[0, 0], other.hashes[0, 0]) >= 70


@pytest.mark.parametrize(
    ("transpose", "orientation"),
    [
        (Image.Transpose.ROTATE_90, 1),
        (Image.Transpose.ROTATE_180, 2),
        (Image.Transpose.ROTATE_270, 3),
        (Image.Transpose.FLIP_LEFT_RIGHT, 4),
        (Image.Transpose.TRANSVERSE, 5),
    ],
)
def test_query_orientations_line_up_with_rotated_and_mirrored_copies(transpose, orientation):
    image = picture(480, 360, seed=8)
    turned = fingerprint_of(image.transpose(transpose))
    original = fingerprint_of(image)
    # The copy's upright hash is the original's hash in that orientation (and in no other).
    distances = [int(fp.hamming(turned.hashes[0, 0], original.hashes[o, 0])) for o in range(8)]
    assert distances[orientation] <= 8, distances
    assert sorted(distances)[1] > 40, distances


def test_draft_decoding_barely_changes_the_hashes():
    data = image_bytes("JPEG", 3000, 2000, seed=3)
    full = fp.fingerprint(imaging.load(data))
    draft = fp.fingerprint(imaging.load_image(data))
    assert fp.hamming(full.hashes[0], draft.hashes[0]).max() <= 16


def test_flat_windows_are_marked_unusable():
    flat = fingerprint_of(Image.new("RGB", (300, 200), (120, 40, 40)))
    assert not flat.valid.any()
    assert fingerprint_of(picture(300, 200)).valid.all()


def test_palette_names_the_colours_and_their_shares():
    image = Image.new("RGB", (200, 100), (220, 30, 30))
    image.paste((30, 60, 200), (0, 0, 50, 100))  # a quarter blue, the rest red
    result = catalog_fingerprint_of(image)
    assert result.color_shares["red"] == pytest.approx(0.75, abs=0.02)
    assert result.color_shares["blue"] == pytest.approx(0.25, abs=0.02)
    assert result.color_classes == ["red", "blue"]
    assert len(result.palette) <= fp.PALETTE_SIZE
    assert result.palette[0].name == "red" and result.palette[0].hex.startswith("#")
    assert sum(color.share for color in result.palette) == pytest.approx(1.0, abs=0.01)


def test_a_speck_of_colour_is_not_a_colour_class():
    image = Image.new("RGB", (200, 200), (250, 250, 250))
    image.paste((30, 160, 60), (0, 0, 20, 20))  # 1% green
    result = catalog_fingerprint_of(image)
    assert "green" in result.color_shares and "green" not in result.color_classes


def test_greyscale_images_are_grey_black_and_white_only():
    result = catalog_fingerprint_of(ImageOps.grayscale(picture(200, 200)).convert("RGB"))
    assert set(result.color_shares) <= {"black", "grey", "white"}


def test_colours_are_the_catalogs_a_query_has_none():
    image = Image.new("RGB", (200, 100), (220, 30, 30))
    assert catalog_fingerprint_of(image).color_shares
    queried = fingerprint_of(image)
    assert queried.palette == () and queried.color_shares == {}


def test_local_features_survive_packing():
    result = fingerprint_of(picture(640, 480, seed=2))
    points, descriptors, size = fp.unpack_features(result.features)
    assert len(points) > 50 and descriptors.shape == (len(points), 32)
    assert size == (512, 384)
    assert (points >= 0).all() and (points <= 1).all()
    assert fp.unpack_features(fp.pack_features(points, descriptors, size))[1].tobytes() == descriptors.tobytes()


def test_block_hashes_are_the_dct_coefficients_above_their_median():
    # The stored hashes' definition: every catalog fingerprint was made with it, so a faster median
    # must give the same bits, ties included (a nearly flat block has many equal coefficients).
    rng = np.random.default_rng(5)
    blocks = [rng.random((fp.BLOCK, fp.BLOCK), dtype=np.float32) * 255 for _ in range(20)]
    blocks.append(np.full((fp.BLOCK, fp.BLOCK), 90, np.float32))
    blocks.append(np.kron(rng.integers(0, 2, (4, 4)), np.ones((16, 16))).astype(np.float32) * 200)
    for block in blocks:
        coefficients = fp.cv2.dct(block)
        low = coefficients[: fp.HASH_SIDE, : fp.HASH_SIDE].ravel()
        key = coefficients[: fp.KEY_SIDE, : fp.KEY_SIDE].ravel()
        hashed, key_word = fp.block_hash(block)
        assert np.array_equal(hashed, fp.pack_bits(low > np.median(low[1:])))
        assert key_word == fp.pack_bits(key > np.median(key[1:]))[0]


@pytest.mark.parametrize("degrees", fp.SKEW_ANGLES)
def test_a_skewed_variant_turns_a_slightly_turned_copy_back(degrees):
    original = picture(800, 600, 12)
    catalog = catalog_fingerprint_of(original)
    turned = fingerprint_of(original.rotate(-degrees, Image.Resampling.BICUBIC, fillcolor="white"))
    centre = len(fp.WINDOW_MARGINS) - 1
    skewed = turned.hashes[fp.VARIANTS.index((0, degrees)), centre]
    assert fp.hamming(skewed, catalog.hashes[0, centre]) <= 8
    assert fp.hamming(turned.hashes[0, centre], catalog.hashes[0, centre]) > 24  # upright, the turn shows


def test_spreading_grey_levels_keeps_their_order_at_most_doubles_their_range_and_leaves_full_ranges_alone():
    rng = np.random.default_rng(4)
    pale = rng.integers(112, 144, (120, 160)).astype(np.uint8)  # 32 levels: spread to 64 at most
    spread = fp.spread(pale)
    order = np.argsort(pale.ravel(), kind="stable")
    assert np.all(np.diff(spread.ravel()[order].astype(int)) >= 0)  # brighter stays brighter
    assert 2 * np.ptp(pale) - 4 <= np.ptp(spread) <= fp.FEATURE_GAIN * np.ptp(pale) + 2
    moderate = rng.integers(20, 220, (120, 160)).astype(np.uint8)
    assert np.ptp(pale) < np.ptp(fp.spread(moderate)) <= 255
    full = np.where(rng.random((120, 160)) < 0.5, 0, 255).astype(np.uint8)
    full[:10] = rng.integers(0, 256, (10, 160))  # its middle 98% span every level already
    assert np.array_equal(fp.spread(full), full)


def test_a_pale_picture_keeps_more_corners_once_spread(monkeypatch):
    # The same picture at a quarter of its contrast: ORB's corner test is absolute (10 grey levels), so
    # without spreading the grey levels first the pale one kept far fewer corners.
    gray = np.asarray(picture(512, 384, 7).convert("L"), dtype=np.float32)
    pale = np.clip((gray - gray.mean()) / 4 + 128, 0, 255).astype(np.uint8)
    spread = len(fp.detect(pale)[0])
    monkeypatch.setattr(fp, "FEATURE_GAIN", 1.0)
    assert spread > 1.5 * len(fp.detect(pale)[0])
