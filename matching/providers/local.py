"""The local match provider: window hashes in memory, local features to verify the doubtful.

A query is hashed in its variants (eight orientations, and slightly skewed) over three windows; the
hash index returns catalog windows whose 64-bit key is near one of the looked-up keys
(matching.fingerprint.LOOKUP). Per catalog image the best 256-bit distance
decides:

- at most ACCEPT_DISTANCE: a match on the hash alone (safe at ten million images, see
  docs/benchmarks.md for the estimate);
- up to VERIFY_DISTANCE: a match only if ORB features of the query and the candidate agree on one
  affine transform with enough inliers (crops between windows, small rotations);
- anything else: not a match.

The in-memory index follows the database: every change to the catalog's images is logged as an
IndexEvent in the same transaction as the change (search.signals), and each process replays the
events it has not seen before it answers, so several web workers stay correct even when the worker
that made a change dies before indexing it. `update_index` logs a reload that every process obeys.
"""

from __future__ import annotations

import numpy as np

from matching import store
from matching.fingerprint import LOOKUP, NARROW, VARIANTS, WINDOW_MARGINS, Fingerprint, fingerprint, hamming
from matching.follower import EventFollower
from matching.imaging import LoadedImage
from matching.providers.base import Entry, Match, MatchProvider
from matching.providers.hashindex import HashIndex
from matching.verify import aligned_distance, verify

ACCEPT_DISTANCE = 32
VERIFY_DISTANCE = 100
KEY_RADIUS = 10
VERIFY_LIMIT = 8
ALIGNED_DISTANCE = 64  # after verification, the aligned window must hash this close (random: ~128)


class LocalHashProvider(EventFollower, MatchProvider):
    def __init__(self, **options) -> None:
        MatchProvider.__init__(self, **options)
        EventFollower.__init__(self)
        self.accept_distance = options.get("ACCEPT_DISTANCE", ACCEPT_DISTANCE)
        self.verify_distance = options.get("VERIFY_DISTANCE", VERIFY_DISTANCE)
        self.index = HashIndex(len(WINDOW_MARGINS))

    # --- keeping the index in step with the database --------------------------------------------

    # The change itself was logged as an IndexEvent in the transaction that made it (store.record_change):
    # add and remove only bring this process's copy up to date at once, without waiting for its next sync.

    def add(self, entry: Entry) -> None:
        self.add_fingerprint(entry.image_id, entry.fingerprint())

    def add_fingerprint(self, image_id: int, fingerprint: Fingerprint) -> None:
        with self._lock:
            self._apply_add(image_id, fingerprint)

    def remove(self, image_id: int) -> None:
        with self._lock:
            self.index.remove(image_id)

    def _apply_add(self, image_id: int, fingerprint: Fingerprint) -> None:
        upright = fingerprint.upright()
        self.index.add(image_id, upright.keys[0], upright.hashes[0], upright.valid)

    def load_all(self) -> None:
        parts = list(store.iter_index_rows())
        index = HashIndex(len(WINDOW_MARGINS))  # starts empty
        if parts:
            index.build(*(np.concatenate([part[i] for part in parts]) for i in range(4)))
        self.index = index

    def load_ids(self, ids: list[int]) -> None:
        for image_ids, keys, hashes, valid in store.iter_index_rows(ids=ids):
            for position, image_id in enumerate(image_ids.tolist()):
                self.index.add(image_id, keys[position], hashes[position], valid[position])

    def drop_id(self, image_id: int) -> None:
        self.index.remove(image_id)

    def count(self) -> int:
        self.sync()
        return len(self.index)

    def rebuild(self, entries=None, progress=None, *, reconcile: bool = False) -> int:
        """Reload from the stored fingerprints here, and have every other process reload on its next answer.

        (`entries` is not needed: the stored fingerprints are the catalog's.)
        """
        store.record_reload()
        self.reload()
        return len(self.index)

    # --- matching ---------------------------------------------------------------------------

    def match(self, query: LoadedImage, *, limit: int = 10, min_score: float = 0) -> list[Match]:
        return self.match_fingerprint(fingerprint(query, for_query=True), limit=limit, min_score=min_score)

    def match_fingerprint(self, fingerprint: Fingerprint, *, limit: int = 10, min_score: float = 0) -> list[Match]:
        """Matches of a query fingerprint (made with `for_query=True`), best first."""
        self.sync()
        with self._lock:
            best = self.nearest(fingerprint)
        doubtful = sorted((i for i, entry in best.items() if entry[0] > self.accept_distance), key=lambda i: best[i][0])
        features = store.load_features(doubtful[:VERIFY_LIMIT]) if doubtful else {}
        matches = []
        for image_id, (distance, variant, query_window, target_window) in best.items():
            target = None
            if image_id in features and (stored := self.index.get(image_id)) is not None:
                target = (features[image_id], *stored)
            found = self.decide(image_id, fingerprint, distance, variant, query_window, target_window, target)
            if found is not None and found.score >= min_score:
                matches.append(found)
        matches.sort(key=lambda m: (-m.score, m.image_id))
        return matches[:limit]

    def nearest(self, query: Fingerprint) -> dict[int, tuple[int, int, int, int]]:
        """Per candidate image: (256-bit distance, variant, query window, catalog window) of its best pair."""
        windows = len(WINDOW_MARGINS)
        usable = np.flatnonzero((LOOKUP[: len(query.keys)] & query.valid[None, :]).ravel())  # (variant, window)
        candidates = self.index.search(query.keys.reshape(-1)[usable], KEY_RADIUS, NARROW.ravel()[usable])
        if not len(candidates.query):
            return {}
        pair = usable[candidates.query]
        query_hashes = query.hashes.reshape(-1, 4)[pair]
        distance = hamming(query_hashes, candidates.hashes)
        keep = distance <= self.verify_distance
        order = np.lexsort((distance[keep], candidates.image_ids[keep]))
        ids, dist = candidates.image_ids[keep][order], distance[keep][order]
        if not len(ids):
            return {}
        pair, target = pair[keep][order], candidates.window[keep][order]
        first = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])  # lowest distance per image
        return {
            int(ids[i]): (int(dist[i]), int(pair[i] // windows), int(pair[i] % windows), int(target[i])) for i in first
        }

    def decide(
        self,
        image_id: int,
        query: Fingerprint,
        distance: int,
        variant: int,
        query_window: int,
        target_window: int,
        target: tuple[bytes, np.ndarray, np.ndarray] | None,
    ) -> Match | None:
        """The match decision for one candidate, with its score and overlaps.

        `target` is the candidate's (features, window hashes, usable windows), needed only when the
        hash distance alone is not conclusive.
        """
        query_span = 1 - 2 * WINDOW_MARGINS[query_window]
        target_span = 1 - 2 * WINDOW_MARGINS[target_window]
        orientation, skew = VARIANTS[variant]
        details = {"distance": distance, "orientation": orientation * 90 % 360, "mirrored": orientation >= 4}
        if skew:
            details["skew"] = skew
        if distance <= self.accept_distance:
            target_overlap = min(1.0, target_span / query_span) ** 2
            query_overlap = min(1.0, query_span / target_span) ** 2
            similarity = 1 - distance / 128
            return self._match(image_id, similarity, orientation, query_overlap, target_overlap, "hash", details)
        if target is None:
            return None
        features, target_hashes, target_valid = target
        mirrored = orientation >= 4
        checked = verify(query.mirrored_features if mirrored else query.features, features)
        if checked is None:
            return None
        details["inliers"] = checked.inliers
        similarity = 0.5  # features agree but no window could be re-hashed: a deep crop
        if query.pixels is not None:
            pixels = np.ascontiguousarray(query.pixels[:, ::-1]) if mirrored else query.pixels
            aligned = aligned_distance(pixels, checked, target_hashes, target_valid)
            if aligned is not None:
                details["aligned_distance"] = aligned[0]
                if aligned[0] > ALIGNED_DISTANCE:
                    return None  # the features lined up, the pictures do not: a repeating pattern
                similarity = 1 - aligned[0] / 128
        return self._match(
            image_id, similarity, orientation, checked.query_overlap, checked.target_overlap, "features", details
        )

    @staticmethod
    def _match(image_id, similarity, orientation, query_overlap, target_overlap, method, details) -> Match:
        # Cropped and re-oriented copies score lower than whole upright ones: the score falls with
        # every edit, and 100 is left for an identical image.
        score = 100 * similarity * (0.5 + 0.5 * target_overlap) * (1.0 if orientation == 0 else 0.97)
        return Match(
            image_id=image_id,
            score=round(score, 1),
            query_overlap=round(100 * query_overlap, 1),
            target_overlap=round(100 * target_overlap, 1),
            details={**details, "method": method, "similarity": round(similarity, 4)},
        )

    def compare(self, first: LoadedImage, second: LoadedImage) -> Match | None:
        return self.compare_fingerprints(fingerprint(first, for_query=True), fingerprint(second))

    def compare_fingerprints(self, first: Fingerprint, second: Fingerprint) -> Match | None:
        """Whether a query fingerprint (made with `for_query=True`) matches another image's."""
        target = second.upright()
        distance = hamming(first.hashes[:, :, None, :], target.hashes[0][None, None, :, :])  # (o, wq, wt)
        usable = first.valid[None, :, None] & target.valid[None, None, :]
        distance = np.where(usable, distance, 10_000)
        orientation, query_window, target_window = np.unravel_index(int(np.argmin(distance)), distance.shape)
        # Two images side by side face no ten-million-image false-match risk: verify whatever the distance.
        best = int(distance[orientation, query_window, target_window])
        return self.decide(
            0, first, best, int(orientation), int(query_window), int(target_window),
            (target.features, target.hashes[0], target.valid),
        )  # fmt: skip


Provider = LocalHashProvider
