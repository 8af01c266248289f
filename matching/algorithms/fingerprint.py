"""An image's fingerprint: perceptual hashes, local features, colour palette and size, from one decode.

Hashes. Each image is hashed over three centred windows (the whole image, the middle 85% and the
middle 60% per axis), so a copy with its borders cropped, or with a caption band over an edge,
still has one window whose content lines up with one of the original's. Per window:

- a 256-bit DCT hash (the 16x16 lowest frequencies of a 64x64 luminance block, each bit "above
  the median"), the same construction as PDQ's, used to decide a match;
- a 64-bit key (the 8x8 lowest frequencies of the same DCT, pHash-style), used only to find
  candidates quickly in the index.

Queries are hashed in variants: all eight orientations (four rotations, each mirrored or not; the
windows are centred in relative coordinates, so rotating a window is the window of the rotated
image), plus the upright and mirrored image turned by a few degrees (a skewed scan or photo of a
print), whose central window then lines up with the original's. `LOOKUP` says which windows of
which variant are looked up in the index.

Local features (ORB keypoints and descriptors) verify candidates geometrically when the hash alone
is not conclusive (rotations by a few degrees, crops that fall between windows).

Fine detail. A hash sees the picture through 16x16 frequencies of a 64x64 block. When most of a
picture's contrast lies in finer detail (thin line art such as a music staff, a star field, a
picture under MIN_SIDE pixels on its short side), two different pictures hash alike: a treble and a
bass clef on the same staff are 0 bits apart. Such pictures are marked `fine`, and the hash alone
never decides a match with them (see matching.providers.local).
"""

from __future__ import annotations

import dataclasses
import struct
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from matching.algorithms import color_signature
from matching.algorithms.picture import LoadedImage

# Centred windows, as the fraction cut from each side.
WINDOW_MARGINS = (0.0, 0.075, 0.2)
BLOCK = 64  # luminance block the DCT runs on
HASH_SIDE = 16  # 16x16 coefficients -> 256 bits
KEY_SIDE = 8  # 8x8 coefficients -> 64-bit key
ORIENTATIONS = 8  # k * 90 degrees, then mirrored for 4..7
SKEW_ANGLES = (-6.0, -3.0, 3.0, 6.0)  # degrees; together they cover skews of about 1.5 to 7.5 degrees
# Query variants: (orientation, skew in degrees). Catalog images keep variant 0 only.
VARIANTS = tuple((o, 0.0) for o in range(ORIENTATIONS)) + tuple((o, a) for o in (0, 4) for a in SKEW_ANGLES)
# Which windows of each variant are looked up: all three upright and mirrored; the whole and the
# centre when turned by 90 degrees; the centre only when skewed (the corners a rotation fills in stay
# outside it). NARROW marks the keys that probe narrowly (complete to 5 bits rather than 8): those of
# the rarer combinations, so a query costs about 13 full lookups rather than 26.
LOOKUP = np.array(
    [[True, o in (0, 4), True] if angle == 0 else [False, False, True] for o, angle in VARIANTS], dtype=bool
)
NARROW = np.array([[False, False, angle != 0 or o not in (0, 4)] for o, angle in VARIANTS], dtype=bool)
FEATURE_SIDE = 512  # local features are found on an image this size on its long side
# A picture is decoded (a JPEG at Pillow's draft scale) or reduced only as far as the fingerprint still has its
# long side at DECODE_LONG (local features; a 12 MP 4:3 photo at an eighth is 500 pixels, within 2% of
# FEATURE_SIDE, where insisting on 512 decodes four times the pixels) and its short side at DECODE_SHORT (the
# look-alike network's input). Every decode that feeds a fingerprint uses it, so an image always fingerprints the same.
DECODE_LONG = 448
DECODE_SHORT = 224
MAX_FEATURES = 400
# A window with less contrast than this has no structure to hash (flat colour, blank margins).
MIN_WINDOW_STD = 1.0
# Fine detail: a picture keeping less than this share of its contrast (variance at 128x128) once
# shrunk to the 16x16 the hash resolves, or smaller than MIN_SIDE on its short side.
FINE_DETAIL_SHARE = 0.25
MIN_SIDE = 64
THUMBNAIL_SIDE = 64

COLOR_NAMES = ("red", "orange", "yellow", "green", "teal", "blue", "purple", "pink", "brown", "black", "grey", "white")
PALETTE_SIZE = 5
# A colour class counts for filtering when it covers at least this share of the image.
COLOR_CLASS_MIN_SHARE = 0.08


@dataclass(frozen=True)
class PaletteColor:
    hex: str
    share: float
    name: str


@dataclass(frozen=True)
class Fingerprint:
    """What matching and filtering need to know about one image (queries also keep a small grey copy)."""

    width: int
    height: int
    format: str
    # hashes[v, w] is the 256-bit hash (4 x uint64) of window w in variant v (see VARIANTS); keys
    # likewise 64-bit. Catalog images keep only variant 0 (upright); queries carry all of them.
    hashes: np.ndarray = field(repr=False)  # (variants, windows, 4) uint64
    keys: np.ndarray = field(repr=False)  # (variants, windows) uint64
    valid: np.ndarray = field(repr=False)  # (windows,) bool: window had structure to hash
    features: bytes = field(repr=False, default=b"")  # packed ORB keypoints + descriptors
    mirrored_features: bytes = field(repr=False, default=b"")  # queries only
    palette: tuple[PaletteColor, ...] = ()  # palette and colour shares: catalog images only (colour filter, item page)
    color_shares: dict[str, float] = field(default_factory=dict)
    color_signature: bytes = field(repr=False, default=b"")  # catalog images only: color_signature.pack()
    pixels: np.ndarray | None = field(repr=False, default=None)  # queries only: the grey image features came from
    # What the picture looks like (look-alike search): a unit 1280-float embedding, its most likely
    # ImageNet classes as (class, probability) and the suggested tags they give as (word, confidence).
    # Catalog images get them at ingest; queries when asked.
    embedding: np.ndarray | None = field(repr=False, default=None)
    classes: tuple[tuple[int, float], ...] = ()
    terms: tuple[tuple[str, float], ...] = ()
    # Most of the picture's contrast is finer than the hash resolves (or it is tiny): see fine_detail.
    fine: bool = False
    sha256: str = ""  # content hash of the file it was made from (queries: to find the identical file)
    # A THUMBNAIL_SIDE-square grey thumbnail of the whole picture (squashed to a square): what a
    # query is compared with, pixel for pixel, once local features say where it lies in the picture.
    thumbnail: np.ndarray | None = field(repr=False, default=None)

    @property
    def color_classes(self) -> list[str]:
        """Named colours covering a meaningful share of the image, largest first."""
        return [name for name, share in self.color_shares.items() if share >= COLOR_CLASS_MIN_SHARE]

    @property
    def color_mask(self) -> int:
        """The colour classes as bits in COLOR_NAMES order (what the catalog keeps for its colour filter)."""
        classes = set(self.color_classes)
        return sum(1 << index for index, name in enumerate(COLOR_NAMES) if name in classes)

    def with_looks(
        self, vector: np.ndarray, classes: tuple[tuple[int, float], ...], terms: tuple[tuple[str, float], ...]
    ) -> Fingerprint:
        """The fingerprint with what the look-alike model says of the picture (matching.embeddings.Looks)."""
        return dataclasses.replace(self, embedding=vector, classes=classes, terms=terms)

    def upright(self) -> Fingerprint:
        """The fingerprint as the index stores it: orientation 0 only, no mirrored features."""
        return dataclasses.replace(self, hashes=self.hashes[:1], keys=self.keys[:1], mirrored_features=b"", pixels=None)


def fingerprint(loaded: LoadedImage, *, for_query: bool = False) -> Fingerprint:
    """Fingerprint a decoded image; `for_query` adds all variants, mirrored features and a grey copy.

    What the picture looks like (embedding, classes, terms) comes from the look-alike model and is added by
    `with_looks` where it is wanted (catalog images at ingest).
    """
    image = loaded.image  # RGB from every decode; converted (a copy) only when a caller made it otherwise
    rgb = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    # The whole picture shrunk to a block: the first window's, and a catalog picture's thumbnail (one resize).
    whole = cv2.resize(gray, (BLOCK, BLOCK), interpolation=cv2.INTER_AREA)
    hashes, keys, valid = window_hashes(gray, VARIANTS if for_query else VARIANTS[:1], whole=whole)
    small = feature_image(gray)
    features = pack_features(*detect(small))
    mirrored = pack_features(*detect(np.ascontiguousarray(small[:, ::-1]))) if for_query else b""
    # Nothing reads a query's colours; a catalog picture's palette and signature count the same colour sample.
    sample = None if for_query else color_signature.sample(rgb)
    palette, shares = colors(sample) if sample is not None else ((), {})
    return Fingerprint(
        width=loaded.width,
        height=loaded.height,
        format=loaded.format,
        hashes=hashes,
        keys=keys,
        valid=valid,
        features=features,
        mirrored_features=mirrored,
        palette=palette,
        color_shares=shares,
        color_signature=color_signature.of_sample(sample).pack() if sample is not None else b"",
        pixels=small if for_query else None,
        fine=fine_detail(gray),
        sha256=loaded.sha256,
        thumbnail=None if for_query else thumbnail(gray, whole),
    )


def thumbnail(gray: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """The THUMBNAIL_SIDE-square grey thumbnail: the whole picture's hash block when they are the same size."""
    if whole.shape == (THUMBNAIL_SIDE, THUMBNAIL_SIDE):
        return whole
    return cv2.resize(gray, (THUMBNAIL_SIDE,) * 2, interpolation=cv2.INTER_AREA)


def fine_detail(gray: np.ndarray) -> bool:
    """Whether the hash cannot tell this picture from others that differ in fine detail.

    True for pictures under MIN_SIDE on their short side, and for those that keep less than
    FINE_DETAIL_SHARE of their contrast at the hash's 16x16 resolution: thin lines on a plain ground,
    point-like stars, scattered small marks. Pictures without any contrast are not fine: they have
    no window to hash at all.
    """
    if min(gray.shape) < MIN_SIDE:
        return True
    reference = cv2.resize(gray, (128, 128), interpolation=cv2.INTER_AREA).astype(np.float32)
    total = float(reference.var())
    if total < MIN_WINDOW_STD**2:
        return False
    coarse = cv2.resize(reference, (HASH_SIDE, HASH_SIDE), interpolation=cv2.INTER_AREA)
    return float(coarse.var()) / total < FINE_DETAIL_SHARE


# --- hashes ----------------------------------------------------------------------------------


def window_hashes(
    gray: np.ndarray, variants: tuple[tuple[int, float], ...], *, whole: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hashes and keys of each window in each variant, and which windows had structure; `whole` is the whole
    picture's block when the caller has made it (`window_block(gray, 0.0)`, as uint8)."""
    windows = len(WINDOW_MARGINS)
    hashes = np.zeros((len(variants), windows, 4), dtype=np.uint64)
    keys = np.zeros((len(variants), windows), dtype=np.uint64)
    blocks = [
        whole.astype(np.float32) if margin == 0 and whole is not None else window_block(gray, margin)
        for margin in WINDOW_MARGINS
    ]
    valid = np.array([float(block.std()) >= MIN_WINDOW_STD for block in blocks])
    skewed: dict[float, np.ndarray] = {}
    for index, (orientation, angle) in enumerate(variants):
        for window, block in enumerate(blocks):
            if angle:
                if window != len(WINDOW_MARGINS) - 1:
                    continue  # skewed variants hash only the centre window
                if angle not in skewed:
                    skewed[angle] = window_block(gray, WINDOW_MARGINS[window], angle)
                block = skewed[angle]
            hashes[index, window], keys[index, window] = block_hash(orient(block, orientation))
    return hashes, keys, valid


def window_block(gray: np.ndarray, margin: float, degrees: float = 0.0) -> np.ndarray:
    """The centred window with `margin` cut from each side, as a BLOCK x BLOCK float block; with `degrees`,
    of the image turned that much about its centre (counter-clockwise, corners filled from the edges).

    Only the window is turned (the rotation moved by the window's corner): for the centre window a
    third of the pixels. Its sampling rounds differently now and then from turning the whole image
    and cutting the window from that, by one grey level: 28 hash bits in all over 600 windows.
    """
    height, width = gray.shape
    top, left = round(height * margin), round(width * margin)
    if degrees:
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
        matrix[:, 2] -= (left, top)
        size = (width - 2 * left, height - 2 * top)
        crop = cv2.warpAffine(gray, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    else:
        crop = gray[top : height - top or height, left : width - left or width]
    return cv2.resize(crop, (BLOCK, BLOCK), interpolation=cv2.INTER_AREA).astype(np.float32)


def orient(block: np.ndarray, orientation: int) -> np.ndarray:
    """Orientation 0-3: rotated by 90 degrees that many times; 4-7: the same, then mirrored."""
    turned = np.rot90(block, orientation % 4)
    return np.ascontiguousarray(turned[:, ::-1] if orientation >= 4 else turned)


def block_hash(block: np.ndarray) -> tuple[np.ndarray, np.uint64]:
    coefficients = cv2.dct(block)
    low = coefficients[:HASH_SIDE, :HASH_SIDE].ravel()
    bits = low > middle(low[1:])  # the DC term would skew the median
    key_block = coefficients[:KEY_SIDE, :KEY_SIDE].ravel()
    key_bits = key_block > middle(key_block[1:])
    return pack_bits(bits), pack_bits(key_bits)[0]


def middle(values: np.ndarray) -> float:
    """The median of an odd number of values (255 and 63 here): np.median's value, a tenth of its time."""
    return float(np.partition(values, len(values) // 2)[len(values) // 2])


def pack_bits(bits: np.ndarray) -> np.ndarray:
    """Bits (multiple of 64) to uint64 words, first bit most significant."""
    return np.packbits(bits.astype(np.uint8)).view(">u8").astype(np.uint64)


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamming distance along the last axis of uint64 word arrays (broadcasting)."""
    # np.asarray: two single hashes sum to a numpy scalar; as a 0-d array it is an ndarray like the rest.
    return np.asarray(np.bitwise_count(np.bitwise_xor(a, b)).sum(axis=-1, dtype=np.int32))


# --- local features --------------------------------------------------------------------------


def feature_image(gray: np.ndarray) -> np.ndarray:
    scale = FEATURE_SIDE / max(gray.shape)
    if scale >= 1:
        return gray
    size = (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale)))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


_orb: cv2.ORB | None = None
MIN_FEATURE_SIDE = 16


FEATURE_GAIN = 2.0  # grey levels are spread at most this much before corners are sought (CHANGELOG.md)
SPREAD_TAIL = 0.01  # the share of pixels at each end left out of the spread range


def spread(gray: np.ndarray) -> np.ndarray:
    """The picture with its grey levels spread over the whole range, at most FEATURE_GAIN times.

    ORB's corner test is absolute (FAST: 10 grey levels), so a pale or low-contrast picture, whose shapes
    differ by a few levels, kept few corners, and a detail or a photo of it fewer still. Spread first,
    the same picture gives the corners its contrast allows whatever its exposure. ORB's descriptors
    compare pixels' order, which spreading keeps; only which corners are found changes. The levels
    between the 1st and 99th percentiles are mapped around the middle of the range.
    """
    counts = cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel().cumsum()
    low = int(np.searchsorted(counts, counts[-1] * SPREAD_TAIL))
    high = int(np.searchsorted(counts, counts[-1] * (1 - SPREAD_TAIL)))
    gain = min(255.0 / max(high - low, 1), FEATURE_GAIN)
    if gain <= 1.0:
        return gray
    table = np.clip((np.arange(256) - (low + high) / 2) * gain + 127.5, 0, 255).astype(np.uint8)
    return cv2.LUT(gray, table)


def detect(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """ORB keypoints (x, y in relative coordinates) and descriptors, found on the picture's spread grey levels."""
    global _orb
    if _orb is None:  # built once per process: creating ORB is slower than running it on 512 px
        _orb = cv2.ORB.create(nfeatures=MAX_FEATURES, fastThreshold=10, edgeThreshold=15, patchSize=15)
    # A sliver (a side of a few pixels) has no corners to find, and ORB's pyramid cannot shrink it.
    if min(gray.shape) >= MIN_FEATURE_SIDE:
        keypoints, descriptors = _orb.detectAndCompute(spread(gray), None)
    else:
        keypoints, descriptors = (), None
    if descriptors is None or not keypoints:
        return np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8), gray.shape[::-1]
    points = np.array([kp.pt for kp in keypoints], dtype=np.float32)
    points /= np.array(gray.shape[::-1], dtype=np.float32)
    return points, descriptors, gray.shape[::-1]


def pack_features(points: np.ndarray, descriptors: np.ndarray, size: tuple[int, int]) -> bytes:
    header = struct.pack("<HHH", len(points), size[0], size[1])
    coords = np.round(points * 65535).astype("<u2").tobytes()
    return header + coords + descriptors.astype(np.uint8).tobytes()


def unpack_features(data: bytes) -> tuple[np.ndarray, np.ndarray, tuple[int, int]]:
    """Points in relative coordinates, descriptors, and the size of the image they were found on."""
    if not data:
        return np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8), (1, 1)
    count, width, height = struct.unpack_from("<HHH", data)
    coords_end = 6 + count * 4
    points = np.frombuffer(data, "<u2", count * 2, 6).reshape(count, 2).astype(np.float32) / 65535
    descriptors = np.frombuffer(data, np.uint8, count * 32, coords_end).reshape(count, 32)
    return points, descriptors, (width, height)


# --- colour ----------------------------------------------------------------------------------


def colors(sample: Image.Image) -> tuple[tuple[PaletteColor, ...], dict[str, float]]:
    """The dominant colours with their share of the area, and the share of each named class, from the picture's
    colour sample (`color_signature.sample`: 64 x 64)."""
    small = np.asarray(sample)
    names = color_names(small.reshape(-1, 3))
    counted = np.bincount(names, minlength=len(COLOR_NAMES)) / names.size
    order = np.argsort(-counted, kind="stable")
    shares = {COLOR_NAMES[i]: round(float(counted[i]), 4) for i in order if counted[i] > 0}
    quantized = sample.quantize(colors=PALETTE_SIZE, method=Image.Quantize.MEDIANCUT)
    counts = np.bincount(np.asarray(quantized).ravel(), minlength=PALETTE_SIZE)[:PALETTE_SIZE]
    palette_values = quantized.getpalette()
    assert palette_values is not None  # a quantized image is a palette image
    lut = np.array(palette_values[: PALETTE_SIZE * 3], dtype=np.uint8).reshape(-1, 3)
    lut_names = color_names(lut)
    palette = tuple(
        PaletteColor("#{:02x}{:02x}{:02x}".format(*lut[i]), round(float(counts[i] / counts.sum()), 4),
                     COLOR_NAMES[lut_names[i]])
        for i in np.argsort(-counts, kind="stable")
        if counts[i] > 0
    )  # fmt: skip
    return palette, shares


def color_names(pixels: np.ndarray) -> np.ndarray:
    """Index into COLOR_NAMES for each sRGB pixel (N x 3 uint8), by hue, saturation and value."""
    hsv = cv2.cvtColor(pixels.reshape(-1, 1, 3).astype(np.uint8), cv2.COLOR_RGB2HSV_FULL).reshape(-1, 3)
    degrees = hsv[:, 0].astype(np.float32) * (360 / 256)
    saturation = hsv[:, 1] / 255
    value = hsv[:, 2] / 255
    hue_class = np.searchsorted(np.array([15, 45, 70, 165, 195, 255, 290, 345]), degrees, side="right")
    by_hue = np.array([0, 1, 2, 3, 4, 5, 6, 7, 0])[hue_class]  # red, orange, ..., pink, red again
    name = COLOR_NAMES.index
    conditions = [
        value < 0.2,
        (saturation < 0.15) | ((saturation < 0.25) & (value < 0.45)),
        (degrees >= 15) & (degrees < 45) & (value < 0.65),
        (by_hue == 0) & (saturation < 0.45) & (value > 0.75),
    ]
    choices: list[np.ndarray | int] = [
        name("black"),
        np.where(value > 0.85, name("white"), name("grey")),
        name("brown"),
        name("pink"),
    ]
    return np.select(conditions, choices, default=by_hue).astype(np.intp)
