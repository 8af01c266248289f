"""The local match provider: window hashes in memory, local features to verify the doubtful.

A query is hashed in its variants (eight orientations, and slightly skewed) over three windows; the
hash index returns catalog windows whose 64-bit key is near one of the looked-up keys
(matching.algorithms.fingerprint.LOOKUP), in a candidate source (matching.index.hashes: the hash
table in memory, or Elasticsearch's chunk terms). Per catalog image the best 256-bit distance makes
it a candidate, and the rules of matching.providers.rules decide: near enough on the hashes alone, a
copy; otherwise local features must agree and nothing in the rules refuse it.

When no hash leads to a copy, the pictures that look most like the query (the look-alike index) are
verified as candidates too: copies whose centre moved (a one-sided crop, a detail, a framed copy, a
photo of a print). A query with no structure to hash or verify (blank, or too small for local
features) matches only a catalog image made from the identical file.

The in-memory source follows the database: every change to the catalog's images is logged as an
IndexEvent in the same transaction as the change (search.signals), and each process replays the
events it has not seen before it answers, so several web workers stay correct even when the worker
that made a change dies before indexing it. `update_index` logs a reload that every process obeys.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from matching.algorithms import borders
from matching.algorithms.fingerprint import LOOKUP, NARROW, WINDOW_MARGINS, Fingerprint, fingerprint, hamming
from matching.algorithms.verify import box_of, verify_centred_crop
from matching.index import store
from matching.index.hashes import HashCandidates, MemoryHashCandidates
from matching.index.lookalike import get_lookalike_index
from matching.providers.base import Entry, Match, MatchProvider, Progress
from matching.providers.rules import (
    Candidate,
    Target,
    View,
    decide,
    identical,
    query_view,
    reduced_view,
    within_border,
)
from matching.providers.thresholds import Thresholds
from matching.query import QueryImage


class HashProvider(MatchProvider):
    """Window hashes find candidates in `source`, local features verify the doubtful, the rules decide."""

    def __init__(self, source: HashCandidates, **options: Any) -> None:
        super().__init__(**options)
        self.source = source

    # --- keeping the index in step (the source does it) ----------------------------------------

    def add(self, entry: Entry) -> None:
        self.source.add(entry.image_id, entry.fingerprint())

    def remove(self, image_id: int) -> None:
        self.source.remove(image_id)

    def count(self) -> int:
        return self.source.count()

    def ping(self) -> bool:
        return self.source.ping()

    def load(self, *, rebuild: bool = False) -> bool:
        return self.source.load(rebuild=rebuild)

    @property
    def loaded_from(self) -> str:  # type: ignore[override]
        return self.source.loaded_from

    def rebuild(self, entries=None, progress: Progress | None = None, *, reconcile: bool = False) -> int:
        """Rebuild the source from the stored fingerprints (`entries` is not needed: they are the catalog's)."""
        return self.source.rebuild(progress)

    # --- matching ---------------------------------------------------------------------------

    def match(self, query: QueryImage, *, limit: int = 10, min_score: float = 0, thorough: bool = False) -> list[Match]:
        matches = self.match_fingerprint(query.fingerprint, limit=limit, min_score=min_score, query=query,
                                         thorough=thorough)  # fmt: skip
        if matches:
            return matches
        if (box := borders.inner_box(query.image)) is not None:
            # A picture in a plain border (a mat and a frame): the picture inside, by its hashes and features.
            inner = fingerprint(borders.inside(query.loaded, box), for_query=True)
            matches = self.match_fingerprint(inner, limit=limit, min_score=min_score)
            if matches:
                return [within_border(found, box) for found in matches]
        if (corners := borders.print_corners(query.image)) is None:
            return []
        # A print photographed at an angle on a plain ground: the print seen straight on.
        flat = fingerprint(borders.rectified(query.loaded, corners), for_query=True)
        box = box_of(corners, query.image.size)  # the outline's bounding box in the query
        return [within_border(found, box) for found in self.match_fingerprint(flat, limit=limit, min_score=min_score)]

    def match_fingerprint(
        self,
        fingerprint: Fingerprint,
        *,
        limit: int = 10,
        min_score: float = 0,
        query: QueryImage | None = None,
        thorough: bool = False,
    ) -> list[Match]:
        """Matches of a query fingerprint (made with `for_query=True`), best first.

        When no window hash leads to a copy (or always, `thorough`), the catalog pictures that look
        most like the query (its embedding: `fingerprint.embedding`, or `query.embedding`) are verified
        with local features: copies whose centre moved (a one-sided crop, a detail, a framed copy, a
        photo of a print).
        """
        limits = self.thresholds
        candidates = self.hash_candidates(fingerprint)
        doubtful = sorted(
            (c for c in candidates if not c.hashed(limits) or fingerprint.fine or c.fine),
            key=lambda c: c.distance or 0,
        )
        targets = self.targets([c.image_id for c in doubtful[: limits.verify_limit]])
        matches = []
        for candidate in candidates:
            target = targets.get(candidate.image_id)
            found = decide(dataclasses.replace(candidate, target=target), fingerprint, limits)
            if found is not None:
                matches.append(found)
        vector = fingerprint.embedding if fingerprint.embedding is not None else (query.embedding if query else None)
        if (not matches or thorough) and limits.embedding_candidates and vector is not None:
            matches += self.verify_lookalikes(fingerprint, vector, exclude={match.image_id for match in matches})
        if not matches and fingerprint.sha256 and (fingerprint.fine or not fingerprint.valid.any()):
            # Nothing a hash or a feature can vouch for: only the very same file is a copy.
            matches = [identical(image_id) for image_id in store.identical_files(fingerprint.sha256)]
        matches = [found for found in matches if found.score >= min_score]
        matches.sort(key=lambda m: (-m.score, m.image_id))
        return matches[:limit]

    def targets(self, image_ids: list[int]) -> dict[int, Target]:
        """What verifying these candidates needs, for those whose features and windows are stored."""
        loaded = store.load_targets(image_ids) if image_ids else {}
        found = {}
        for image_id, (features, thumbnail) in loaded.items():
            if (windows := self.source.get(image_id)) is not None:
                found[image_id] = Target(features, *windows, thumbnail)
        return found

    def verify_lookalikes(self, query: Fingerprint, vector: np.ndarray, exclude: set[int]) -> list[Match]:
        """Copies among the catalog pictures nearest the query's embedding (but `exclude`), verified by features."""
        limits = self.thresholds
        nearest = get_lookalike_index().nearest(
            vector, limit=limits.embedding_candidates, floor=limits.embedding_floor, rerank=limits.embedding_rerank
        )
        ranked = [image_id for image_id, _similarity in nearest if image_id not in exclude]
        targets = self.targets(ranked)
        views = Views(query)
        matches = []
        for rank, image_id in enumerate(ranked):
            if (target := targets.get(image_id)) is not None:
                found = lookalike_match(query, views, image_id, target, rank, limits)
                if found is not None:
                    matches.append(found)
        return matches

    def hash_candidates(self, query: Fingerprint) -> list[Candidate]:
        """Per catalog picture near the query on its window keys: its best window pair (256-bit distance,
        variant, query window, catalog window), within the verify distance; targets not loaded yet."""
        usable = np.flatnonzero((LOOKUP[: len(query.keys)] & query.valid[None, :]).ravel())  # (variant, window)
        keys = query.keys.reshape(-1)[usable]
        found, fine = self.source.lookup(keys, self.thresholds.key_radius, NARROW.ravel()[usable])
        if not len(found.query):
            return []
        pair = usable[found.query]
        distance = hamming(query.hashes.reshape(-1, 4)[pair], found.hashes)
        keep = distance <= self.thresholds.verify_distance
        order = np.lexsort((distance[keep], found.image_ids[keep]))
        ids, dist = found.image_ids[keep][order], distance[keep][order]
        if not len(ids):
            return []
        pair, target = pair[keep][order], found.window[keep][order]
        first = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])  # lowest distance per image
        return [self._candidate(int(ids[i]), int(pair[i]), int(dist[i]), int(target[i]), fine) for i in first]

    @staticmethod
    def _candidate(image_id: int, pair: int, distance: int, target_window: int, fine: set[int]) -> Candidate:
        variant, query_window = divmod(pair, len(WINDOW_MARGINS))
        return Candidate(image_id, variant, distance, query_window, target_window, fine=image_id in fine)

    def compare(self, first: QueryImage, second: QueryImage) -> Match | None:
        return self.compare_fingerprints(first.fingerprint, fingerprint(second.loaded))

    def compare_fingerprints(self, first: Fingerprint, second: Fingerprint) -> Match | None:
        """Whether a query fingerprint (made with `for_query=True`) matches another image's."""
        target = second.upright()
        # Two images side by side face no ten-million-image false-match risk: verify whatever the distance.
        candidate = closest_windows(
            first, 0, Target(target.features, target.hashes[0], target.valid, target.thumbnail), fine=target.fine
        )
        found = decide(candidate, first, self.thresholds)
        if found is None and first.sha256 and first.sha256 == second.sha256:
            return identical(0)
        return found


class Views:
    """A query's feature views, upright or mirrored, at its size or reduced: each made once, when first needed."""

    def __init__(self, query: Fingerprint) -> None:
        self.query = query
        self._views: dict[tuple[int, bool], View | None] = {}

    def get(self, variant: int, reduced: bool) -> View | None:
        if (variant, reduced) not in self._views:
            full = query_view(self.query, variant >= 4)
            self._views[variant, reduced] = reduced_view(full) if reduced else full
        return self._views[variant, reduced]


def lookalike_match(
    query: Fingerprint, views: Views, image_id: int, target: Target, rank: int, limits: Thresholds
) -> Match | None:
    """The decision on one of the query's look-alikes (the `rank`-th nearest), verified by local features.

    Upright, then mirrored (the embedding does not say which); then reduced (a detail shown larger);
    the nearest few, as they are, also as the centred part of the candidate the query's shape cuts.
    """
    for variant, reduced in ((0, False), (4, False), (0, True), (4, True)):
        if (variant and not query.mirrored_features) or (reduced and rank >= limits.reduced_candidates):
            continue
        if (view := views.get(variant, reduced)) is None:
            continue
        candidate = Candidate(image_id, variant, target=target)
        found = decide(candidate, query, limits, view=view)
        centred = rank < limits.centred_candidates and not variant and not reduced
        if found is None and centred and (seeded := verify_centred_crop(view.features, target.features)):
            found = decide(candidate, query, limits, view=view, fit=seeded)
        if found is not None:
            return found
    return None


def closest_windows(query: Fingerprint, image_id: int, target: Target, *, fine: bool = False) -> Candidate:
    """A catalog picture as the candidate of its closest window pair with the query (every variant and window)."""
    distance = hamming(query.hashes[:, :, None, :], target.hashes[None, None, :, :])  # (o, wq, wt)
    usable = query.valid[None, :, None] & target.valid[None, None, :]
    distance = np.where(usable, distance, 10_000)
    variant, query_window, target_window = np.unravel_index(int(np.argmin(distance)), distance.shape)
    return Candidate(image_id, int(variant), int(distance[variant, query_window, target_window]), int(query_window),
                     int(target_window), target, fine=fine)  # fmt: skip


class LocalHashProvider(HashProvider):
    """The hash provider over the hash table in this process (the embedded default)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(MemoryHashCandidates(), **options)


Provider = LocalHashProvider
