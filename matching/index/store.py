"""Saving and loading fingerprints in the database."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
from django.db import transaction

from matching.algorithms.color_signature import ColorSignature
from matching.algorithms.fingerprint import (
    COLOR_CLASS_MIN_SHARE,
    THUMBNAIL_SIDE,
    WINDOW_MARGINS,
    Fingerprint,
    PaletteColor,
)
from matching.models import ImageColor, ImageColorSignature, ImageEmbedding, ImageFingerprint, IndexEvent

VERSION = 4
# 2: the fine-detail flag (bit FINE_BIT of valid_windows) and the thumbnail; update_index remakes version-1 rows.
# 3: local features are found on the spread grey levels (matching.algorithms.fingerprint.spread); update_index remakes
#    older rows.
# 4 (with embedding 4 and colour signature 2): a picture is decoded only as large as the fingerprint uses
#    (fingerprint.DECODE_LONG and DECODE_SHORT: a 12 MP JPEG at an eighth, not a quarter); update_index remakes
#    older rows.
FINE_BIT = 1 << 7
# 2: suggested tags are made from the classifier's full output, so version-1 rows are made again.
# 3: the network sees the whole picture padded to a square, not its centre square, and fainter words are
#    suggested (matching.embeddings.terms); update_index remakes older rows and their suggestions.
# 4: the decode of fingerprint version 4.
EMBEDDING_VERSION = 4
# 1: CIELAB grid bins of STEP 8 over the picture's median-cut colours (matching.algorithms.color_signature).
# 2: the decode of fingerprint version 4.
COLOR_SIGNATURE_VERSION = 2


def _valid_bits(valid: np.ndarray, fine: bool = False) -> int:
    return int(sum(1 << index for index, flag in enumerate(valid) if flag)) | (FINE_BIT if fine else 0)


def _row_fields(sha256: str, fingerprint: Fingerprint) -> dict:
    """An ImageFingerprint row's fields (the upright orientation's hashes and keys)."""
    upright = fingerprint.upright()
    return {
        "sha256": sha256,
        "version": VERSION,
        "hashes": upright.hashes[0].astype(">u8").tobytes(),
        "keys": upright.keys[0].astype(">u8").tobytes(),
        "valid_windows": _valid_bits(upright.valid, upright.fine),
        "features": upright.features,
        "thumbnail": b"" if upright.thumbnail is None else upright.thumbnail.astype(np.uint8).tobytes(),
        "palette": [[color.hex, color.share, color.name] for color in upright.palette],
        "color_shares": upright.color_shares,
    }


def _color_rows(image_id: int, fingerprint: Fingerprint) -> list[ImageColor]:
    return [
        ImageColor(image_id=image_id, name=name, share=share)
        for name, share in fingerprint.color_shares.items()
        if share >= COLOR_CLASS_MIN_SHARE
    ]


def _embedding_fields(vector: np.ndarray, classes) -> dict:
    return {"version": EMBEDDING_VERSION, "vector": vector.astype("<f2").tobytes(),
            "classes": [list(pair) for pair in classes]}  # fmt: skip


@transaction.atomic
def save_fingerprint(image_id: int, sha256: str, fingerprint: Fingerprint) -> None:
    """Store an image's fingerprint and its colour classes (replacing what was there)."""
    ImageFingerprint.objects.update_or_create(image_id=image_id, defaults=_row_fields(sha256, fingerprint))
    ImageColor.objects.filter(image_id=image_id).delete()
    ImageColor.objects.bulk_create(_color_rows(image_id, fingerprint))
    if fingerprint.embedding is not None:
        save_embedding(image_id, fingerprint.embedding, fingerprint.classes)
    if fingerprint.color_signature:
        save_color_signature(image_id, fingerprint.color_signature)


@transaction.atomic
def save_new_fingerprints(rows: list[tuple[int, str, Fingerprint]]) -> None:
    """`save_fingerprint` for images that have none yet (a bulk import's batch): a few inserts for all."""
    ImageFingerprint.objects.bulk_create(
        ImageFingerprint(image_id=image_id, **_row_fields(sha256, fp)) for image_id, sha256, fp in rows
    )
    ImageColor.objects.bulk_create(color for image_id, _, fp in rows for color in _color_rows(image_id, fp))
    ImageEmbedding.objects.bulk_create(
        ImageEmbedding(image_id=image_id, **_embedding_fields(fingerprint.embedding, fingerprint.classes))
        for image_id, _, fingerprint in rows
        if fingerprint.embedding is not None
    )
    ImageColorSignature.objects.bulk_create(
        ImageColorSignature(image_id=image_id, version=COLOR_SIGNATURE_VERSION, signature=fp.color_signature)
        for image_id, _, fp in rows
        if fp.color_signature
    )


def save_embedding(image_id: int, vector: np.ndarray, classes) -> None:
    """Store an image's look-alike embedding (as float16) and its most likely classes."""
    ImageEmbedding.objects.update_or_create(image_id=image_id, defaults=_embedding_fields(vector, classes))


def save_color_signature(image_id: int, packed: bytes) -> None:
    """Store an image's packed colour signature (replacing what was there)."""
    ImageColorSignature.objects.update_or_create(
        image_id=image_id, defaults={"version": COLOR_SIGNATURE_VERSION, "signature": packed}
    )


def _current_signatures(image_ids: list[int] | None = None):
    current = ImageColorSignature.objects.filter(version=COLOR_SIGNATURE_VERSION)
    return current if image_ids is None else current.filter(image_id__in=image_ids)


def has_color_signature(image_id: int) -> bool:
    return _current_signatures([image_id]).exists()


def load_color_signatures(image_ids: Iterable[int]) -> dict[int, ColorSignature]:
    """The current colour signatures of these images (those that have one)."""
    rows = _current_signatures(list(image_ids)).values_list("image_id", "signature")
    return {image_id: ColorSignature.unpack(bytes(data)) for image_id, data in rows}


def iter_color_signatures(chunk_size: int = 20000) -> Iterator[tuple[list[int], list[ColorSignature]]]:
    """Every current colour signature in pk order, chunk by chunk, as (ids, signatures)."""
    last = 0
    while True:
        rows = list(
            _current_signatures().filter(image_id__gt=last).order_by("image_id")
            .values_list("image_id", "signature")[:chunk_size]
        )  # fmt: skip
        if not rows:
            return
        yield [row[0] for row in rows], [ColorSignature.unpack(bytes(row[1])) for row in rows]
        if len(rows) < chunk_size:
            return
        last = rows[-1][0]


def _current_embeddings(image_ids: list[int] | None = None):
    """The stored embeddings (of these images, or of all) made by this model version."""
    current = ImageEmbedding.objects.filter(version=EMBEDDING_VERSION)
    return current if image_ids is None else current.filter(image_id__in=image_ids)


def has_embedding(image_id: int) -> bool:
    return _current_embeddings([image_id]).exists()


def load_embedding(image_id: int) -> np.ndarray | None:
    """An image's stored embedding as float32, or None when it has none (yet)."""
    row = _current_embeddings([image_id]).values_list("vector").first()
    return None if row is None else np.frombuffer(bytes(row[0]), "<f2").astype(np.float32)


def count_fingerprints() -> int:
    return ImageFingerprint.objects.count()


def count_embeddings() -> int:
    return _current_embeddings().count()


def iter_embeddings(chunk_size: int = 5000, ids: list[int] | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Stored embeddings (all, or of `ids`) in pk order as (ids, float32 vectors), chunk by chunk."""
    if ids is not None and not ids:
        return
    queryset = _current_embeddings(ids)
    last = 0
    while True:
        rows = list(
            queryset.filter(image_id__gt=last).order_by("image_id").values_list("image_id", "vector")[:chunk_size]
        )
        if not rows:
            return
        vectors = np.frombuffer(b"".join(bytes(row[1]) for row in rows), "<f2").astype(np.float32)
        yield np.array([row[0] for row in rows], dtype=np.int64), vectors.reshape(len(rows), -1)
        if len(rows) < chunk_size:
            return  # a short chunk was the last: no query to find there is nothing after it
        last = rows[-1][0]


def record_change(image_id: int, operation: str) -> None:
    """Log that an image was added (or changed) or removed; call it inside the transaction that does it."""
    IndexEvent.objects.create(image_id=image_id, operation=operation)


def record_changes(image_ids: Iterable[int], operation: str) -> None:
    """`record_change` for many images in one insert (a bulk import's batch)."""
    IndexEvent.objects.bulk_create(IndexEvent(image_id=image_id, operation=operation) for image_id in image_ids)


def latest_change() -> int:
    """The id of the newest change-log event (0 when none): it grows with every add, remove or reload."""
    return IndexEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def record_reload() -> None:
    """Ask every process to reload its index from the stored fingerprints (after update_index)."""
    IndexEvent.objects.create(image_id=0, operation=IndexEvent.RELOAD)


def to_fingerprint(row: ImageFingerprint, width: int = 0, height: int = 0, fmt: str = "") -> Fingerprint:
    windows = len(WINDOW_MARGINS)
    return Fingerprint(
        width=width,
        height=height,
        format=fmt,
        hashes=np.frombuffer(bytes(row.hashes), ">u8").astype(np.uint64).reshape(1, windows, 4),
        keys=np.frombuffer(bytes(row.keys), ">u8").astype(np.uint64).reshape(1, windows),
        valid=np.array([bool(row.valid_windows >> w & 1) for w in range(windows)]),
        features=bytes(row.features),
        fine=bool(row.valid_windows & FINE_BIT),
        thumbnail=thumbnail_array(bytes(row.thumbnail)),
        sha256=row.sha256,
        palette=tuple(PaletteColor(*entry) for entry in row.palette),
        color_shares=dict(row.color_shares),
    )


def load_current(image_id: int, sha256: str, width: int = 0, height: int = 0, fmt: str = "") -> Fingerprint | None:
    """The stored fingerprint of this very file (same content hash) made by this algorithm version, if any."""
    row = _current_fingerprints([image_id]).filter(sha256=sha256).first()
    return None if row is None else to_fingerprint(row, width, height, fmt)


def _current_fingerprints(image_ids: list[int]):
    """The stored fingerprints of these images made by this algorithm version (of whatever file)."""
    return ImageFingerprint.objects.filter(image_id__in=image_ids, version=VERSION)


def load_current_many(images: Iterable[tuple[int, str, int, int, str]]) -> dict[int, Fingerprint]:
    """`load_current` for many images (id, content hash, width, height, format) in two queries, keeping
    those that also have a current embedding and colour signature: what a fingerprint check would leave as it is."""
    facts = {image[0]: image for image in images}
    embedded = set(_current_embeddings(list(facts)).values_list("image_id", flat=True))
    embedded &= set(_current_signatures(list(embedded)).values_list("image_id", flat=True))
    rows = _current_fingerprints(list(embedded))
    return {row.image_id: to_fingerprint(row, *facts[row.image_id][2:]) for row in rows
            if row.sha256 == facts[row.image_id][1]}  # fmt: skip


def structure(image_id: int) -> str:
    """What image search can hold on to in a stored picture: "blank" (no window to hash), "fine" (fine
    detail only: see matching.algorithms.fingerprint.fine_detail), or "" (enough, or not fingerprinted yet)."""
    bits = ImageFingerprint.objects.filter(image_id=image_id).values_list("valid_windows", flat=True).first()
    if bits is None:
        return ""
    if not bits & ((1 << len(WINDOW_MARGINS)) - 1):
        return "blank"
    return "fine" if bits & FINE_BIT else ""


def fingerprinted_file(image_id: int) -> str | None:
    """The content hash of the file an image's stored fingerprint (of any version) was made from."""
    return ImageFingerprint.objects.filter(image_id=image_id).values_list("sha256", flat=True).first()


def identical_files(sha256: str) -> list[int]:
    """Images fingerprinted from a file with exactly this content hash."""
    return list(ImageFingerprint.objects.filter(sha256=sha256).order_by("image_id").values_list("image_id", flat=True))


def thumbnail_array(data: bytes) -> np.ndarray | None:
    """A stored thumbnail as a square uint8 array; None for fingerprints stored before thumbnails were."""
    if len(data) != THUMBNAIL_SIDE * THUMBNAIL_SIDE:
        return None
    return np.frombuffer(data, np.uint8).reshape(THUMBNAIL_SIDE, THUMBNAIL_SIDE)


def load_targets(image_ids: Iterable[int]) -> dict[int, tuple[bytes, np.ndarray | None]]:
    """What verifying a candidate needs from the database: its local features and its thumbnail."""
    found = ImageFingerprint.objects.filter(image_id__in=list(image_ids))
    rows = found.values_list("image_id", "features", "thumbnail")
    return {image_id: (bytes(features), thumbnail_array(bytes(thumbnail))) for image_id, features, thumbnail in rows}


def iter_index_rows(
    chunk_size: int = 5000, ids: list[int] | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Stored window hashes (all, or of `ids`) in pk order, chunk by chunk.

    Each chunk: ids, keys, hashes and usable windows (the hash index's arrays), and the fine-detail flags.
    """
    windows = len(WINDOW_MARGINS)
    queryset = ImageFingerprint.objects.all() if ids is None else ImageFingerprint.objects.filter(image_id__in=ids)
    if ids is not None and not ids:
        return
    last = 0
    while True:
        rows = list(
            queryset.filter(image_id__gt=last)
            .order_by("image_id")
            .values_list("image_id", "keys", "hashes", "valid_windows")[:chunk_size]
        )
        if not rows:
            return
        chunk_ids = np.array([row[0] for row in rows], dtype=np.int64)
        keys = np.frombuffer(b"".join(bytes(row[1]) for row in rows), ">u8").astype(np.uint64).reshape(-1, windows)
        hashes = np.frombuffer(b"".join(bytes(row[2]) for row in rows), ">u8").astype(np.uint64)
        valid = np.array([[bool(row[3] >> w & 1) for w in range(windows)] for row in rows], dtype=bool)
        fine = np.array([bool(row[3] & FINE_BIT) for row in rows], dtype=bool)
        yield chunk_ids, keys, hashes.reshape(-1, windows, 4), valid, fine
        last = rows[-1][0]
