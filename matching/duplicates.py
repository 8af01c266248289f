"""Groups of catalog images that are the same picture, found through the hash index, never all pairs.

Every stored fingerprint's window keys are looked up, a batch at a time, in a multi-index hash built
from all of them (the same structure the local provider matches with), so the work grows with the
number of near keys, not with the square of the catalog. A pair counts when two windows are within
the provider's hash-only acceptance distance: resized, recompressed, recoloured and cropped copies
(down to the inner 60% window) are found.

Copies turned by 90, 180 or 270 degrees or mirrored: the stored hashes are upright only, but the
hash of a turned or mirrored window follows from the upright one (`oriented`), so each image is
also looked up in its seven other orientations. Those pairs, and pairs whose hashes are only near,
are doubtful: a full match of one of the two images settles them (catalog.duplicates), as it does
details and framed copies, which are found through the look-alike index (`lookalike_pairs`).
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import numpy as np

from matching.algorithms.fingerprint import HASH_SIDE, KEY_SIDE, WINDOW_MARGINS, hamming
from matching.algorithms.hashindex import HashIndex
from matching.index import store
from matching.index.lookalike import get_lookalike_index
from matching.providers.thresholds import Thresholds

__all__ = ["UNHASHED", "Group", "Pair", "find_pairs", "group", "lookalike_pairs", "oriented", "search_pairs"]

DEFAULT_THRESHOLD = 50.0
# How the 16x16 (or 8x8) DCT bits of a window turned by orientation o (matching.algorithms.fingerprint.orient)
# follow from the upright ones: (transposed, odd column frequencies inverted, odd row frequencies
# inverted). Turning or mirroring a block transposes its DCT coefficients and negates those of odd
# frequency along a flipped axis; a bit says "above the median", and the median is near zero, so
# those bits invert. Exact for orientations 0 and 7, about 5 of 256 bits off for the others.
ORIENTATION_RULES = {1: (True, False, True), 2: (False, True, True), 3: (True, True, False), 4: (False, True, False),
                     5: (True, True, True), 6: (False, False, True), 7: (True, False, False)}  # fmt: skip
BATCH = 4096  # catalog images looked up at once: vectorised, bounded memory
SPANS = 1 - 2 * np.asarray(WINDOW_MARGINS)
DEFAULT_LIMITS = Thresholds()
UNHASHED = 256  # the distance of a pair found by its embedding alone: no window pair, as far as two windows go


@dataclass(frozen=True)
class Pair:
    first: int  # the lower image id
    second: int
    score: float  # 0-100, as the local provider scores a match (100: identical)
    distance: int  # bits of 256 between the closest windows


@dataclass
class Group:
    """Images that are one picture; `ids[0]` is the suggested keeper once `rank` has run."""

    ids: list[int]
    pairs: list[Pair] = field(default_factory=list)


def load_rows() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """ids, window keys, window hashes, usable windows and fine-detail flags of every stored fingerprint."""
    parts = list(store.iter_index_rows())
    if not parts:
        windows = len(WINDOW_MARGINS)
        return (np.zeros(0, np.int64), np.zeros((0, windows), np.uint64), np.zeros((0, windows, 4), np.uint64),
                np.zeros((0, windows), bool), np.zeros(0, bool))  # fmt: skip
    ids, keys, hashes, valid, fine = (np.concatenate([part[i] for part in parts]) for i in range(5))
    return ids, keys, hashes, valid, fine


def oriented(words: np.ndarray, side: int, orientation: int) -> np.ndarray:
    """Hashes (..., n words) of side x side DCT bits, as the windows turned to `orientation` would hash."""
    if orientation == 0:
        return words
    transposed, columns, rows = ORIENTATION_RULES[orientation]
    shape = words.shape
    bits = np.unpackbits(np.ascontiguousarray(words.reshape(-1, shape[-1])).astype(">u8").view(np.uint8), axis=1)
    bits = bits.reshape(-1, side, side).astype(bool)
    if transposed:
        bits = bits.transpose(0, 2, 1)
    odd = np.arange(side) % 2 == 1
    if columns:
        bits = bits ^ odd[None, None, :]
    if rows:
        bits = bits ^ odd[None, :, None]
    packed = np.packbits(bits.reshape(len(bits), -1), axis=1).view(">u8").astype(np.uint64)
    return packed.reshape(shape)


def find_pairs(
    rows=None, threshold: float = DEFAULT_THRESHOLD, progress=None, limits: Thresholds = DEFAULT_LIMITS
) -> list[Pair]:
    """Every pair of stored images that match on their hashes with at least `threshold` score."""
    return search_pairs(rows, threshold, progress, limits)[0]


def search_pairs(
    rows=None, threshold: float = DEFAULT_THRESHOLD, progress=None, limits: Thresholds = DEFAULT_LIMITS
) -> tuple[list[Pair], list[Pair]]:
    """(pairs accepted on their hashes, doubtful pairs): the doubtful are near enough that only a full
    match (query variants, local features, aligned re-hash) can tell; their score is provisional.
    A pair with a fine-detail picture (matching.algorithms.fingerprint.fine_detail) is never accepted on
    its hashes. `limits`: the match provider's thresholds (its `thresholds`)."""
    ids, keys, hashes, valid, fine = rows if rows is not None else load_rows()
    windows = keys.shape[1]
    index = HashIndex(windows)
    index.build(ids, keys, hashes, valid)
    found = []
    for start in range(0, len(ids), BATCH):
        for orientation in range(1 + len(ORIENTATION_RULES)):
            found.append(_batch_pairs(index, ids, keys, hashes, valid, start, windows, orientation, limits))
        if progress is not None:
            progress(min(BATCH, len(ids) - start))
    if not found:
        return [], []
    first, second, distance, score, derived = (np.concatenate([part[i] for part in found]) for i in range(5))
    order = np.lexsort((distance, derived, second, first))  # per pair, upright before derived, closest first
    first, second, distance, score, derived = first[order], second[order], distance[order], score[order], derived[order]
    unique = np.r_[True, (first[1:] != first[:-1]) | (second[1:] != second[:-1])] if len(first) else np.zeros(0, bool)
    positions = np.searchsorted(ids, first), np.searchsorted(ids, second)  # ids come sorted from the store
    # Derived (turned, mirrored) hashes are a few bits off: never accepted without a full match.
    hashed = (distance <= limits.accept_distance) & ~derived & ~(fine[positions[0]] | fine[positions[1]])
    accepted = unique & hashed & (score >= threshold)
    doubtful = unique & ~hashed

    def pairs(keep: np.ndarray) -> list[Pair]:
        return [Pair(int(a), int(b), round(float(s), 1), int(d))
                for a, b, s, d in zip(first[keep], second[keep], score[keep], distance[keep], strict=True)]  # fmt: skip

    return pairs(accepted), pairs(doubtful)


LOOKALIKE_FLOOR = DEFAULT_LIMITS.embedding_floor  # look-alikes this similar are checked as details or framed copies
LOOKALIKE_NEIGHBOURS = 5  # per image
LOOKALIKE_BATCH = 200  # images whose look-alikes are looked up at once (one scan, one read of their candidates)


def lookalike_pairs(floor: float = LOOKALIKE_FLOOR, neighbours: int = LOOKALIKE_NEIGHBOURS) -> list[Pair]:
    """Pairs of images that look alike enough to be a detail or a framed copy of one another.

    Their hashes cannot say (no centred window in common): each image's nearest look-alikes, by the
    stored embeddings, are doubtful pairs for a full match to settle. Scores are provisional.
    """
    index = get_lookalike_index()
    found: dict[tuple[int, int], float] = {}
    for image_ids, vectors in store.iter_embeddings(chunk_size=LOOKALIKE_BATCH):
        answers = index.nearest_many(vectors, limit=neighbours + 1, floor=floor, rerank=4 * neighbours)
        for image_id, nearest in zip(image_ids.tolist(), answers, strict=True):
            for other, similarity in nearest:
                if other != image_id:
                    pair = (min(image_id, other), max(image_id, other))
                    found[pair] = max(found.get(pair, 0.0), similarity)
    return [Pair(a, b, round(100 * similarity, 1), UNHASHED) for (a, b), similarity in sorted(found.items())]


def _batch_pairs(
    index: HashIndex, ids, keys, hashes, valid, start: int, windows: int, orientation: int, limits: Thresholds
) -> tuple[np.ndarray, ...]:
    """Near pairs of the batch's images (turned to `orientation`) with every later image."""
    end = min(start + BATCH, len(ids))
    lookup = valid[start:end].copy()
    if orientation:  # turned or mirrored: the whole window only (keeps seven more lookups cheap)
        lookup[:, 1:] = False
    usable = np.flatnonzero(lookup.reshape(-1))
    candidates = index.search(oriented(keys[start:end], KEY_SIDE, orientation).reshape(-1)[usable], limits.key_radius)
    batch_hashes = oriented(hashes[start:end], HASH_SIDE, orientation)
    row = usable[candidates.query]
    item, query_window = start + row // windows, row % windows
    later = candidates.image_ids > ids[item]  # each pair once, and never an image with itself
    item, query_window = item[later], query_window[later]
    target, target_window, target_hashes = (
        candidates.image_ids[later],
        candidates.window[later],
        candidates.hashes[later],
    )
    distance = hamming(batch_hashes[item - start, query_window], target_hashes)
    close = distance <= limits.verify_distance
    item, query_window, target, target_window, distance = (
        item[close],
        query_window[close],
        target[close],
        target_window[close],
        distance[close],
    )
    ratio = SPANS[target_window] / SPANS[query_window]
    overlap = np.minimum(ratio, 1 / ratio) ** 2  # how much of the larger view the smaller one shows
    score = 100 * (1 - distance / 128) * (0.5 + 0.5 * overlap)
    return ids[item], target, distance, score, np.full(len(target), orientation != 0)


def group(pairs: list[Pair], dismissed: AbstractSet[tuple[int, int]] = frozenset()) -> list[Group]:
    """Connected images (union-find over the pairs staff have not dismissed), largest groups first."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    kept = [pair for pair in pairs if (pair.first, pair.second) not in dismissed]
    for pair in kept:
        parent[root(pair.first)] = root(pair.second)
    groups: dict[int, Group] = {}
    for pair in kept:
        entry = groups.setdefault(root(pair.first), Group(ids=[]))
        entry.pairs.append(pair)
    for entry in groups.values():
        entry.ids = sorted({i for pair in entry.pairs for i in (pair.first, pair.second)})
    return sorted(groups.values(), key=lambda g: (-len(g.ids), g.ids[0]))
