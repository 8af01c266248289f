"""Groups of catalog images that are the same picture, found through the hash index, never all pairs.

Every stored fingerprint's window keys are looked up, a batch at a time, in a multi-index hash built
from all of them (the same structure the local provider matches with), so the work grows with the
number of near keys, not with the square of the catalog. A pair counts when two windows are within
the provider's hash-only acceptance distance: resized, recompressed, recoloured and cropped copies
(down to the inner 60% window) are found; re-orientated copies and deep crops, which need a query's
variants or local-feature verification, are left to the per-item check (`copies_of`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from matching import store
from matching.fingerprint import WINDOW_MARGINS, hamming
from matching.providers.hashindex import HashIndex
from matching.providers.local import ACCEPT_DISTANCE, KEY_RADIUS, VERIFY_DISTANCE

DEFAULT_THRESHOLD = 50.0
BATCH = 4096  # catalog images looked up at once: vectorised, bounded memory
SPANS = 1 - 2 * np.asarray(WINDOW_MARGINS)


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
    return tuple(np.concatenate([part[i] for part in parts]) for i in range(5))


def find_pairs(rows=None, threshold: float = DEFAULT_THRESHOLD, progress=None) -> list[Pair]:
    """Every pair of stored images that match on their hashes with at least `threshold` score."""
    return search_pairs(rows, threshold, progress)[0]


def search_pairs(rows=None, threshold: float = DEFAULT_THRESHOLD, progress=None) -> tuple[list[Pair], list[Pair]]:
    """(pairs accepted on their hashes, doubtful pairs): the doubtful are near enough that only a full
    match (query variants, local features, aligned re-hash) can tell; their score is provisional.
    A pair with a fine-detail picture (see matching.fingerprint.fine_detail) is never accepted on its hashes."""
    ids, keys, hashes, valid, fine = rows if rows is not None else load_rows()
    windows = keys.shape[1]
    index = HashIndex(windows)
    index.build(ids, keys, hashes, valid)
    found = []
    for start in range(0, len(ids), BATCH):
        found.append(_batch_pairs(index, ids, keys, hashes, valid, start, windows))
        if progress is not None:
            progress(min(BATCH, len(ids) - start))
    if not found:
        return [], []
    first, second, distance, score = (np.concatenate([part[i] for part in found]) for i in range(4))
    order = np.lexsort((distance, second, first))  # per pair, the closest windows first
    first, second, distance, score = first[order], second[order], distance[order], score[order]
    unique = np.r_[True, (first[1:] != first[:-1]) | (second[1:] != second[:-1])] if len(first) else np.zeros(0, bool)
    positions = np.searchsorted(ids, first), np.searchsorted(ids, second)  # ids come sorted from the store
    hashed = (distance <= ACCEPT_DISTANCE) & ~(fine[positions[0]] | fine[positions[1]])
    accepted = unique & hashed & (score >= threshold)
    doubtful = unique & ~hashed

    def pairs(keep: np.ndarray) -> list[Pair]:
        return [Pair(int(a), int(b), round(float(s), 1), int(d))
                for a, b, s, d in zip(first[keep], second[keep], score[keep], distance[keep], strict=True)]  # fmt: skip

    return pairs(accepted), pairs(doubtful)


def _batch_pairs(index: HashIndex, ids, keys, hashes, valid, start: int, windows: int) -> tuple[np.ndarray, ...]:
    end = min(start + BATCH, len(ids))
    usable = np.flatnonzero(valid[start:end].reshape(-1))
    candidates = index.search(keys[start:end].reshape(-1)[usable], KEY_RADIUS)
    row = usable[candidates.query]
    item, query_window = start + row // windows, row % windows
    later = candidates.image_ids > ids[item]  # each pair once, and never an image with itself
    item, query_window = item[later], query_window[later]
    target, target_window, target_hashes = (
        candidates.image_ids[later],
        candidates.window[later],
        candidates.hashes[later],
    )
    distance = hamming(hashes[item, query_window], target_hashes)
    close = distance <= VERIFY_DISTANCE
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
    return ids[item], target, distance, score


def group(pairs: list[Pair], dismissed: set[tuple[int, int]] = frozenset()) -> list[Group]:
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
