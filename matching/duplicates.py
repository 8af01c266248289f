"""Pairs of catalog images that are the same picture: candidates from the indexes, each pair settled once.

Candidates, never all pairs. Window keys are looked up in a multi-index hash (the structure the local
provider matches with), so the work grows with the number of near keys, not with the square of the
catalog: `search_pairs` for the whole catalog (one HashIndex built from every stored fingerprint, a
batch of images at a time), `near_pairs` for a few images through the match provider's own hash
source (what ingest does). A pair counts at once when two windows are within the provider's hash-only
acceptance distance: resized, recompressed, recoloured and cropped copies (down to the inner 60%
window). Turned and mirrored copies: the hash of a turned window follows from the upright one
(`oriented`), so each image is also looked up in its seven other orientations. Details and framed
copies share no centred window: each image's nearest look-alikes are candidates too (`lookalike_pairs`).

Settling. A doubtful pair (hashes only near, or found turned or mirrored, or look-alikes) is decided from
each of its images as a full match of that image would decide the other (`sides`, `decide_side`: the hash
provider's rules, on the closest window pair when it is among the image's `verify_limit` closest, as the
provider verifies a query's, and as a look-alike when it is among the image's nearest). But only from a side
worth it (`worth_deciding`): an upright view starts with a fit of the side's features, the very ones stored,
to the other's, and most doubtful pairs (pictures that merely look alike) have none, so they are settled
from the stored fingerprints without reading a file. Pairs whose hashes came near mirrored are decided when
those hashes agree as closely as an aligned re-hash must (stored features are upright only).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count

from matching.algorithms.fingerprint import HASH_SIDE, KEY_SIDE, WINDOW_MARGINS, Fingerprint, hamming
from matching.algorithms.hashindex import Candidates, HashIndex
from matching.algorithms.verify import WEAK_INLIERS, verify
from matching.index import store
from matching.index.hashes import HashCandidates
from matching.index.lookalike import get_lookalike_index
from matching.models import ImageFingerprint
from matching.providers.base import Match
from matching.providers.local import Views, closest_windows, lookalike_match
from matching.providers.rules import Target, decide
from matching.providers.thresholds import Thresholds

__all__ = ["UNHASHED", "Group", "Pair", "Query", "Side", "decide_side", "find_pairs", "group", "identical_pairs",
           "lookalike_pairs", "near_pairs", "oriented", "search_pairs", "sides", "worth_deciding"]  # fmt: skip

DEFAULT_THRESHOLD = 50.0
# How the 16x16 (or 8x8) DCT bits of a window turned by orientation o (matching.algorithms.fingerprint.orient)
# follow from the upright ones: (transposed, odd column frequencies inverted, odd row frequencies
# inverted). Turning or mirroring a block transposes its DCT coefficients and negates those of odd
# frequency along a flipped axis; a bit says "above the median", and the median is near zero, so
# those bits invert. Exact for orientations 0 and 7, about 5 of 256 bits off for the others.
ORIENTATION_RULES = {1: (True, False, True), 2: (False, True, True), 3: (True, True, False), 4: (False, True, False),
                     5: (True, True, True), 6: (False, False, True), 7: (True, False, False)}  # fmt: skip
ORIENTATIONS = 1 + len(ORIENTATION_RULES)
BATCH = 4096  # catalog images looked up at once: vectorised, bounded memory
SPANS = 1 - 2 * np.asarray(WINDOW_MARGINS)
DEFAULT_LIMITS = Thresholds()
UNHASHED = 256  # the distance of a pair found by its embedding alone: no window pair, as far as two windows go
NOT_NEAR = 1 << 16  # the rank of a picture not among the other's nearest look-alikes (none looked at)
LOOKALIKE_FLOOR = DEFAULT_LIMITS.embedding_floor  # look-alikes this similar are checked as details or framed copies
LOOKALIKE_NEIGHBOURS = 5  # per image
LOOKALIKE_BATCH = 200  # images whose look-alikes are looked up at once (one scan, one read of their candidates)


@dataclass(frozen=True)
class Pair:
    first: int  # the lower image id
    second: int
    score: float  # 0-100, as the local provider scores a match (100: identical); provisional while doubtful
    distance: int  # bits of 256 between the closest windows (UNHASHED: found as look-alikes)
    orientation: int = 0  # how one was turned or mirrored to find the other by its hashes (>= 4: mirrored)
    ranks: tuple[int, int] = (NOT_NEAR, NOT_NEAR)  # the second among the first's nearest look-alikes, and back
    method: str = ""  # how it was settled ("hash", "features", "identical file"); "" while doubtful

    @property
    def key(self) -> tuple[int, int]:
        return self.first, self.second

    def other(self, image_id: int) -> int:
        return self.second if image_id == self.first else self.first

    def rank_from(self, image_id: int) -> int:
        """Where the other image lies among this one's nearest look-alikes."""
        return self.ranks[0] if image_id == self.first else self.ranks[1]


@dataclass
class Group:
    """Images that are one picture; `ids[0]` is the suggested keeper once `rank` has run."""

    ids: list[int]
    pairs: list[Pair] = field(default_factory=list)


# --- candidates --------------------------------------------------------------------------------


def load_rows(ids: list[int] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """ids, window keys, window hashes, usable windows and fine-detail flags of the stored fingerprints (all)."""
    parts = list(store.iter_index_rows(ids=ids))
    if not parts:
        windows = len(WINDOW_MARGINS)
        return (np.zeros(0, np.int64), np.zeros((0, windows), np.uint64), np.zeros((0, windows, 4), np.uint64),
                np.zeros((0, windows), bool), np.zeros(0, bool))  # fmt: skip
    ids_, keys, hashes, valid, fine = (np.concatenate([part[i] for part in parts]) for i in range(5))
    return ids_, keys, hashes, valid, fine


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
    """(pairs accepted on their hashes, doubtful pairs) among all stored images: the doubtful are near enough
    that only a full decision (query variants, local features, aligned re-hash) can tell; their score is
    provisional. A pair with a fine-detail picture (matching.algorithms.fingerprint.fine_detail) is never
    accepted on its hashes. `limits`: the match provider's thresholds (its `thresholds`)."""
    ids, keys, hashes, valid, fine = rows if rows is not None else load_rows()
    index = HashIndex(keys.shape[1])
    index.build(ids, keys, hashes, valid)
    found = []
    for start in range(0, len(ids), BATCH):
        end = min(start + BATCH, len(ids))
        for orientation in range(ORIENTATIONS):
            lookup = _lookup(keys[start:end], valid[start:end], orientation)
            candidates = index.search(lookup[0], limits.key_radius)
            found.append(_near(ids[start:end], hashes[start:end], lookup, candidates, orientation, limits, later=True))
        if progress is not None:
            progress(end - start)
    fine_ids = ids[fine]
    return _settled_on_hashes(found, lambda image_ids: np.isin(image_ids, fine_ids), threshold, limits)


def near_pairs(
    image_ids: Iterable[int], source: HashCandidates, limits: Thresholds = DEFAULT_LIMITS
) -> tuple[list[Pair], list[Pair]]:
    """`search_pairs` for a few stored images against every image in a hash source (the match provider's)."""
    found, fine_ids = [], set()
    for ids, keys, hashes, valid, fine in store.iter_index_rows(ids=sorted(set(image_ids))):
        fine_ids.update(ids[fine].tolist())
        for orientation in range(ORIENTATIONS):
            lookup = _lookup(keys, valid, orientation)
            candidates, fine_found = source.lookup(lookup[0], limits.key_radius, np.zeros(len(lookup[0]), bool))
            fine_ids.update(fine_found)
            found.append(_near(ids, hashes, lookup, candidates, orientation, limits, later=False))
    fine_array = np.array(sorted(fine_ids), dtype=np.int64)
    return _settled_on_hashes(found, lambda ids: np.isin(ids, fine_array), 0, limits)


def _lookup(keys: np.ndarray, valid: np.ndarray, orientation: int) -> tuple[np.ndarray, np.ndarray]:
    """The keys of some images turned to `orientation` (the whole window only, when turned: keeps seven more
    lookups cheap), and which (image, window) each is."""
    lookup = valid.copy()
    if orientation:
        lookup[:, 1:] = False
    usable = np.flatnonzero(lookup.reshape(-1))
    return oriented(keys, KEY_SIDE, orientation).reshape(-1)[usable], usable


def _near(
    ids: np.ndarray, hashes: np.ndarray, lookup: tuple[np.ndarray, np.ndarray], candidates: Candidates,
    orientation: int, limits: Thresholds, *, later: bool,
) -> tuple[np.ndarray, ...]:  # fmt: skip
    """(first, second, distance, score, orientation) of the window pairs within the verify distance between
    some images (turned to `orientation`) and their candidates; `later`: with later images only (each pair
    once, when every image looks up every other), else with any other."""
    windows = hashes.shape[1]
    row = lookup[1][candidates.query]
    item, query_window = row // windows, row % windows
    keep = candidates.image_ids > ids[item] if later else candidates.image_ids != ids[item]
    item, query_window = item[keep], query_window[keep]
    target, target_window, target_hashes = candidates.image_ids[keep], candidates.window[keep], candidates.hashes[keep]
    distance = hamming(oriented(hashes, HASH_SIDE, orientation)[item, query_window], target_hashes)
    close = distance <= limits.verify_distance
    item, query_window, target, target_window, distance = (
        item[close], query_window[close], target[close], target_window[close], distance[close],
    )  # fmt: skip
    ratio = SPANS[target_window] / SPANS[query_window]
    overlap = np.minimum(ratio, 1 / ratio) ** 2  # how much of the larger view the smaller one shows
    score = 100 * (1 - distance / 128) * (0.5 + 0.5 * overlap)
    first, second = np.minimum(ids[item], target), np.maximum(ids[item], target)
    return first, second, distance, score, np.full(len(target), orientation)


def _settled_on_hashes(
    found: list[tuple[np.ndarray, ...]], is_fine: Callable[[np.ndarray], np.ndarray], threshold: float,
    limits: Thresholds,
) -> tuple[list[Pair], list[Pair]]:  # fmt: skip
    """Each pair once, by its best window pair (upright before turned, then closest): accepted on its hashes,
    or doubtful."""
    if not found:
        return [], []
    first, second, distance, score, orientation = (np.concatenate([part[i] for part in found]) for i in range(5))
    order = np.lexsort((distance, orientation != 0, second, first))
    first, second, distance, score, orientation = (a[order] for a in (first, second, distance, score, orientation))
    unique = np.r_[True, (first[1:] != first[:-1]) | (second[1:] != second[:-1])] if len(first) else np.zeros(0, bool)
    # Derived (turned, mirrored) hashes are a few bits off: never accepted without a full decision.
    hashed = (distance <= limits.accept_distance) & (orientation == 0) & ~(is_fine(first) | is_fine(second))
    accepted = unique & hashed & (score >= threshold)
    doubtful = unique & ~hashed

    def pairs(keep: np.ndarray, method: str) -> list[Pair]:
        return [Pair(int(a), int(b), round(float(s), 1), int(d), int(o), method=method)
                for a, b, s, d, o in zip(first[keep], second[keep], score[keep], distance[keep], orientation[keep],
                                         strict=True)]  # fmt: skip

    return pairs(accepted, "hash"), pairs(doubtful, "")


def lookalike_pairs(
    floor: float = LOOKALIKE_FLOOR, neighbours: int = LOOKALIKE_NEIGHBOURS, ids: list[int] | None = None
) -> list[Pair]:
    """Pairs of images (all, or each of `ids` with any other) that look alike enough to be a detail or a framed
    copy of one another: each image's nearest look-alikes, by the stored embeddings. Their hashes cannot say
    (no centred window in common): they are doubtful pairs, scored by their similarity for now."""
    index = get_lookalike_index()
    found: dict[tuple[int, int], list] = {}  # similarity, rank of the second from the first, and back
    for image_ids, vectors in store.iter_embeddings(chunk_size=LOOKALIKE_BATCH, ids=ids):
        answers = index.nearest_many(vectors, limit=neighbours + 1, floor=floor, rerank=4 * neighbours)
        for image_id, nearest in zip(image_ids.tolist(), answers, strict=True):
            others = [(other, similarity) for other, similarity in nearest if other != image_id][:neighbours]
            for rank, (other, similarity) in enumerate(others):
                key = (min(image_id, other), max(image_id, other))
                entry = found.setdefault(key, [0.0, NOT_NEAR, NOT_NEAR])
                entry[0] = max(entry[0], similarity)
                entry[1 if image_id == key[0] else 2] = rank
    return [Pair(a, b, round(100 * similarity, 1), UNHASHED, ranks=(ahead, back))
            for (a, b), (similarity, ahead, back) in sorted(found.items())]  # fmt: skip


def identical_pairs(ids: list[int] | None = None) -> list[Pair]:
    """Images fingerprinted from the very same file (of all, or each of `ids` with any other): a copy whatever
    hashes and features say (a blank picture, or one of fine detail, has nothing else to go by)."""
    rows = ImageFingerprint.objects.all()
    if ids is not None:
        rows = rows.filter(sha256__in=ImageFingerprint.objects.filter(image_id__in=ids).values("sha256"))
    shared = rows.values("sha256").annotate(n=Count("image_id")).filter(n__gt=1).values("sha256")
    files: dict[str, list[int]] = {}
    for image_id, sha256 in rows.filter(sha256__in=shared).order_by("image_id").values_list("image_id", "sha256"):
        files.setdefault(sha256, []).append(image_id)
    wanted = None if ids is None else set(ids)
    return [Pair(a, b, 100.0, 0, method="identical file")
            for same in files.values() for n, a in enumerate(same) for b in same[n + 1 :]
            if wanted is None or a in wanted or b in wanted]  # fmt: skip


def doubtful_pairs(hashed: list[Pair], lookalikes: list[Pair]) -> list[Pair]:
    """The doubtful pairs to settle, each once: those of the hashes (with their look-alike ranks, where they
    have them), then the look-alikes the hashes did not find."""
    ranks = {pair.key: pair.ranks for pair in lookalikes}
    merged = {pair.key: dataclasses.replace(pair, ranks=ranks.get(pair.key, pair.ranks)) for pair in hashed}
    for pair in lookalikes:
        merged.setdefault(pair.key, pair)
    return list(merged.values())


# --- settling ----------------------------------------------------------------------------------


def load_targets(image_ids: Iterable[int]) -> tuple[dict[int, Target], set[int]]:
    """What deciding a pair needs of its stored images (features, window hashes, thumbnail), and which of them
    have fine detail; images without a stored fingerprint are left out."""
    image_ids = sorted(set(image_ids))
    stored = store.load_targets(image_ids)
    targets, fine = {}, set()
    for ids, _keys, hashes, valid, fine_flags in store.iter_index_rows(ids=image_ids):
        for position, image_id in enumerate(ids.tolist()):
            if image_id in stored:
                features, thumbnail = stored[image_id]
                targets[image_id] = Target(features, hashes[position], valid[position], thumbnail)
            if fine_flags[position]:
                fine.add(image_id)
    return targets, fine


@dataclass(frozen=True)
class Side:
    """A doubtful pair seen from one of its images: decided as a full match of that image would decide it."""

    pair: Pair
    image_id: int
    by_hashes: bool  # among the image's closest doubtful hash pairs: decided on its closest window pair too

    @property
    def other(self) -> int:
        return self.pair.other(self.image_id)

    @property
    def rank(self) -> int:
        return self.pair.rank_from(self.image_id)


def sides(doubtful: Iterable[Pair], limits: Thresholds = DEFAULT_LIMITS) -> list[Side]:
    """Each doubtful pair from each of its images, as a match of that image looks at it: on their closest window
    pair when it is among the image's `verify_limit` closest doubtful hash pairs (as the provider verifies a
    query's), as a look-alike when it is among the image's `embedding_candidates` nearest."""
    doubtful = list(doubtful)
    hashed: dict[int, list[Pair]] = {}
    for pair in doubtful:
        if pair.distance < UNHASHED:
            for image_id in pair.key:
                hashed.setdefault(image_id, []).append(pair)
    closest = {(pair.key, image_id) for image_id, pairs in hashed.items()
               for pair in sorted(pairs, key=lambda p: (p.distance, p.key))[: limits.verify_limit]}  # fmt: skip
    found = []
    for pair in doubtful:
        for image_id in pair.key:
            by_hashes = (pair.key, image_id) in closest
            if by_hashes or pair.rank_from(image_id) < limits.embedding_candidates:
                found.append(Side(pair, image_id, by_hashes))
    return found


def worth_deciding(side: Side, targets: Mapping[int, Target], limits: Thresholds = DEFAULT_LIMITS) -> bool:
    """Whether deciding from this side could find a copy, told from the stored fingerprints; False for most.

    Every upright view of the side's picture is refused at once when its features, the very ones stored, fit
    the other's on no transform (`rules.no_fit`). Only a mirrored or reduced view could then still fit: pairs
    whose hashes came near mirrored, within the aligned re-hash's own agreement (`aligned_distance`), are given
    those; mere look-alikes are settled here, without reading a file.
    """
    query, other = targets.get(side.image_id), targets.get(side.other)
    if query is None or other is None:
        return False
    if verify(query.features, other.features, WEAK_INLIERS) is not None:
        return True
    return side.by_hashes and side.pair.orientation >= 4 and side.pair.distance <= limits.aligned_distance


class Query:
    """A catalog picture as a query: its query fingerprint (`matching.query.QueryImage.fingerprint` of its file)
    and its feature views, each made when first needed and then kept for all of its pairs."""

    def __init__(self, fingerprint: Fingerprint) -> None:
        self.fingerprint = fingerprint
        self.views = Views(fingerprint)


def decide_side(
    side: Side, query: Query, target: Target, fine: bool, limits: Thresholds = DEFAULT_LIMITS
) -> Match | None:
    """What a full match of the side's picture (`query`) decides about the other one (`target`, `fine`: its
    stored fingerprint): on their closest window pair, then as one of its nearest look-alikes."""
    if side.by_hashes:
        found = decide(closest_windows(query.fingerprint, side.other, target, fine=fine), query.fingerprint, limits)
        if found is not None:
            return found
    if side.rank < limits.embedding_candidates:
        return lookalike_match(query.fingerprint, query.views, side.other, target, side.rank, limits)
    return None


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
