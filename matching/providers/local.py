"""The local match provider: window hashes in memory, local features to verify the doubtful.

A query is hashed in its variants (eight orientations, and slightly skewed) over three windows; the
hash index returns catalog windows whose 64-bit key is near one of the looked-up keys
(matching.algorithms.fingerprint.LOOKUP). Per catalog image the best 256-bit distance
decides:

- at most ACCEPT_DISTANCE: a match on the hash alone (safe at ten million images, see
  docs/benchmarks.md for the estimate);
- up to VERIFY_DISTANCE: a match only if ORB features of the query and the candidate agree on one
  affine transform with enough inliers (crops between windows, small rotations), or, on a weak fit
  (matching.algorithms.verify: 6-14 inliers), if guided matching finds WEAK_SUPPORT features on it and the
  query then looks strongly like the candidate, pixel for pixel (or both are too plain there for pixels to
  say either way, verify.Likeness.plain, and one lies inside the other: the features decide);
- anything else: not a match.

A fine-detail picture (matching.algorithms.fingerprint.fine_detail: thin line art, star fields, pictures under
64 px) on either side is never matched on its hashes alone: its local features must verify too.
A query with no structure to hash or verify (blank, or too small for local features) matches only
a catalog image made from the identical file.

The in-memory index follows the database: every change to the catalog's images is logged as an
IndexEvent in the same transaction as the change (search.signals), and each process replays the
events it has not seen before it answers, so several web workers stay correct even when the worker
that made a change dies before indexing it. `update_index` logs a reload that every process obeys.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import cv2
import numpy as np

from matching.algorithms import borders
from matching.algorithms.fingerprint import (
    LOOKUP,
    MIN_FEATURE_SIDE,
    NARROW,
    VARIANTS,
    WINDOW_MARGINS,
    Fingerprint,
    detect,
    fingerprint,
    hamming,
    pack_features,
)
from matching.algorithms.hashindex import MERGE_AT, HashIndex
from matching.algorithms.verify import (
    WEAK_INLIERS,
    Verification,
    aligned_correlation,
    aligned_distance,
    box_of,
    verify,
    verify_centred_crop,
)
from matching.index import store
from matching.index.follower import EventFollower
from matching.index.lookalike import get_lookalike_index
from matching.providers.base import Entry, Match, MatchProvider
from matching.query import QueryImage

ACCEPT_DISTANCE = 32
VERIFY_DISTANCE = 100
KEY_RADIUS = 10
VERIFY_LIMIT = 8
# When no hash leads to a copy: how many of the pictures that look most like the query (by embedding,
# at least EMBEDDING_FLOOR similar) are verified with local features. bench/robustness.py chose them.
# The floor only keeps far-off pictures of a small catalog out (verification decides): seen padded to a
# square, a quarter of a generated pattern is as little as 0.22 alike its whole (0.49 as centre squares).
EMBEDDING_CANDIDATES = 12
EMBEDDING_FLOOR = 0.2
EMBEDDING_RERANK = 48  # compressed-index candidates re-ranked by their exact embedding
# The nearest look-alikes whose features give no fit are also tried as a centred crop of the query's aspect
# ratio (matching.algorithms.verify.verify_centred_crop): 4:3 renditions of pictures whose features are all alike.
CENTRED_CANDIDATES = 2
# The reduced view (a detail shown larger) is tried on the nearest few only: every copy it found in the
# robustness corpus was among the six nearest (bench/robustness.py, docs/benchmarks.md), and each try
# costs a descriptor match, which a picture that is not in the catalog pays for every candidate.
REDUCED_CANDIDATES = 6
UNHASHED = 256  # the "hash distance" of a candidate found by its embedding alone
# Features a candidate found by its embedding alone must verify on (a hash candidate: verify.MIN_INLIERS),
# unless its pixels and edges then correlate strongly (verify.Likeness.strong). Distinct pictures made
# to one template (the demo's portraits) line up on 15-21 features by chance, correlating up to 0.98.
EMBEDDING_MIN_INLIERS = 25
# A first fit on fewer than verify.MIN_INLIERS features (but WEAK_INLIERS or more) counts only when guided
# matching brings it this many and the pixels then correlate strongly: details and flat pictures.
WEAK_SUPPORT = 10
# A weak fit must also lay one picture (nearly) inside the other: every edit a copy is made by does (a crop
# or a detail lies inside the catalog picture, a frame, a caption or a wall lies around it). Two pictures
# made to one template agree on a part of each (a stretch of one wave painting over a stretch of another),
# which a weak fit's pixels cannot tell from a copy.
WEAK_CONTAINMENT = 0.9
ALIGNED_DISTANCE = 64  # after verification, the aligned window must hash this close (random: ~128)
MIN_CORRELATION = 0.6  # after verification, the query laid over the catalog thumbnail must correlate this well


@dataclass(frozen=True)
class View:
    """The query as local features see it: features and the grey pixels they were found on, that way round."""

    features: bytes
    pixels: np.ndarray | None


def query_view(query: Fingerprint, mirrored: bool) -> View:
    if mirrored:
        pixels = None if query.pixels is None else np.ascontiguousarray(query.pixels[:, ::-1])
        return View(query.mirrored_features, pixels)
    return View(query.features, query.pixels)


REDUCED_VIEW = 0.7  # the reduced view's scale: about two steps of ORB's pyramid


def reduced_view(view: View) -> View | None:
    """The view at REDUCED_VIEW of its size: a detail shown larger than the catalog picture shows it
    finds more of its features at the catalog picture's scale there. None when too small."""
    if view.pixels is None or min(view.pixels.shape) < 4 * MIN_FEATURE_SIDE:
        return None
    height, width = view.pixels.shape
    size = (round(width * REDUCED_VIEW), round(height * REDUCED_VIEW))
    reduced = cv2.resize(view.pixels, size, interpolation=cv2.INTER_AREA)
    return View(pack_features(*detect(reduced)), reduced)


# What verifying a candidate needs: its features, window hashes, usable windows and thumbnail (or None).
Target = tuple[bytes, np.ndarray, np.ndarray, np.ndarray | None]


class LocalHashProvider(EventFollower, MatchProvider):
    snapshot_name = "hashes"  # shared by the host's processes through matching.index.snapshot

    def __init__(self, **options) -> None:
        MatchProvider.__init__(self, **options)
        EventFollower.__init__(self)
        self.accept_distance = options.get("ACCEPT_DISTANCE", ACCEPT_DISTANCE)
        self.verify_distance = options.get("VERIFY_DISTANCE", VERIFY_DISTANCE)
        self.embedding_candidates = options.get("EMBEDDING_CANDIDATES", EMBEDDING_CANDIDATES)
        self.min_correlation = options.get("MIN_CORRELATION", MIN_CORRELATION)
        self.index = HashIndex(len(WINDOW_MARGINS))
        self.fine: set[int] = set()  # catalog images with fine detail (never matched on hashes alone)

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
            self.drop_id(image_id)

    def _apply_add(self, image_id: int, fingerprint: Fingerprint) -> None:
        upright = fingerprint.upright()
        self.index.add(image_id, upright.keys[0], upright.hashes[0], upright.valid)
        self._mark_fine(image_id, upright.fine)

    def _mark_fine(self, image_id: int, fine: bool) -> None:
        if fine:
            self.fine.add(image_id)
        else:
            self.fine.discard(image_id)

    def load_all(self) -> None:
        parts = list(store.iter_index_rows())
        index = HashIndex(len(WINDOW_MARGINS))  # starts empty
        fine: set[int] = set()
        if parts:
            index.build(*(np.concatenate([part[i] for part in parts]) for i in range(4)))
            fine = {int(i) for part in parts for i in part[0][part[4]]}
        self.index, self.fine = index, fine

    def save_snapshot(self, folder) -> None:
        for name, array in self.index.arrays().items():
            np.save(folder / f"{name}.npy", array, allow_pickle=False)
        np.save(folder / "fine.npy", np.array(sorted(self.fine), dtype=np.int64), allow_pickle=False)

    def load_snapshot(self, found) -> None:
        arrays = {name: found.array(name) for name in HashIndex.SNAPSHOT}
        index = HashIndex.from_arrays(len(WINDOW_MARGINS), arrays)
        self.index, self.fine = index, set(found.array("fine").tolist())

    def load_ids(self, ids: list[int]) -> None:
        for image_ids, keys, hashes, valid, fine in store.iter_index_rows(ids=ids):
            for position, image_id in enumerate(image_ids.tolist()):
                self.index.add(image_id, keys[position], hashes[position], valid[position])
                self._mark_fine(image_id, bool(fine[position]))
        if self.index.mapped and self.index.delta_rows >= MERGE_AT:
            self.reload_soon()  # rather than a private merged copy: a fresh snapshot, built beside this process

    def drop_id(self, image_id: int) -> None:
        self.index.remove(image_id)
        self.fine.discard(image_id)

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

    def match(self, query: QueryImage, *, limit: int = 10, min_score: float = 0, thorough: bool = False) -> list[Match]:
        matches = self.match_fingerprint(
            query.fingerprint, limit=limit, min_score=min_score, query=query, thorough=thorough
        )
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
        most like the query (its embedding: `fingerprint.embedding`, or `query.embedding`) are verified with
        local features: copies whose centre moved (a one-sided crop, a detail, a framed copy, a photo
        of a print).
        """
        self.sync()
        with self._lock:
            best = self.nearest(fingerprint)
            fine = {i for i in best if i in self.fine}
        doubtful = sorted(
            (i for i, entry in best.items() if entry[0] > self.accept_distance or fingerprint.fine or i in fine),
            key=lambda i: best[i][0],
        )
        features = store.load_targets(doubtful[:VERIFY_LIMIT]) if doubtful else {}
        matches = []
        for image_id, (distance, variant, query_window, target_window) in best.items():
            found = self.decide(
                image_id, fingerprint, distance, variant, query_window, target_window,
                self._target(image_id, features), image_id in fine,
            )  # fmt: skip
            if found is not None:
                matches.append(found)
        if (not matches or thorough) and self.embedding_candidates and (fingerprint.embedding is not None or query):
            vector = fingerprint.embedding if fingerprint.embedding is not None else query.embedding
            found = {match.image_id for match in matches}
            matches += self.verify_lookalikes(fingerprint, vector, exclude=found)
        if not matches and fingerprint.sha256 and (fingerprint.fine or not fingerprint.valid.any()):
            # Nothing a hash or a feature can vouch for: only the very same file is a copy.
            matches = [self.identical(image_id) for image_id in store.identical_files(fingerprint.sha256)]
        matches = [found for found in matches if found.score >= min_score]
        matches.sort(key=lambda m: (-m.score, m.image_id))
        return matches[:limit]

    def _target(self, image_id: int, loaded: dict[int, tuple[bytes, np.ndarray | None]]) -> Target | None:
        """A candidate's (features, window hashes, usable windows, thumbnail), when they were loaded."""
        if image_id in loaded and (stored := self.index.get(image_id)) is not None:
            features, thumbnail = loaded[image_id]
            return (features, *stored, thumbnail)
        return None

    def verify_lookalikes(self, query: Fingerprint, vector: np.ndarray, exclude: set[int]) -> list[Match]:
        """Copies among the catalog pictures nearest the query's embedding (but `exclude`), verified by features."""
        nearest = get_lookalike_index().nearest(
            vector, limit=self.embedding_candidates, floor=EMBEDDING_FLOOR, rerank=EMBEDDING_RERANK
        )
        candidates = [image_id for image_id, _similarity in nearest if image_id not in exclude]
        features = store.load_targets(candidates) if candidates else {}
        views: dict[tuple[int, bool], View | None] = {}

        def view_of(variant: int, reduced: bool) -> View | None:  # made once per query, when first needed
            if (variant, reduced) not in views:
                full = query_view(query, variant >= 4)
                views[variant, reduced] = reduced_view(full) if reduced else full
            return views[variant, reduced]

        matches = []
        for rank, image_id in enumerate(candidates):
            target = self._target(image_id, features)
            if target is None:
                continue
            # Upright, then mirrored (the embedding does not say which); then reduced (a detail shown larger).
            for variant, reduced in ((0, False), (4, False), (0, True), (4, True)):
                if (variant and not query.mirrored_features) or (reduced and rank >= REDUCED_CANDIDATES):
                    continue
                view = view_of(variant, reduced)
                if view is None:
                    continue
                found = self.decide(image_id, query, UNHASHED, variant, 0, 0, target, view=view)
                # The nearest few, as they are: also as the centred part of the candidate the query's shape cuts.
                centred = rank < CENTRED_CANDIDATES and not variant and not reduced
                if found is None and centred and (seeded := verify_centred_crop(view.features, target[0])) is not None:
                    found = self.decide(image_id, query, UNHASHED, variant, 0, 0, target, view=view, fit=seeded)
                if found is not None:
                    matches.append(found)
                    break
        return matches

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
        target: Target | None,
        target_fine: bool = False,
        view: View | None = None,
        fit: Verification | None = None,
    ) -> Match | None:
        """The match decision for one candidate, with its score and overlaps.

        `target` is the candidate's (features, window hashes, usable windows, thumbnail), needed only when the
        hash distance alone is not conclusive, or either picture has fine detail (`query.fine`,
        `target_fine`). `view` is the query's features and pixels to verify with (default: the query
        at its size, mirrored for a mirrored variant). `fit`: a fit made already (from a hypothesis:
        verify_centred_crop) to judge instead of verifying the features.
        """
        orientation, skew = VARIANTS[variant]
        found_by_embedding = distance >= UNHASHED
        details = {"orientation": orientation * 90 % 360, "mirrored": orientation >= 4}
        details.update({"candidate": "embedding"} if found_by_embedding else {"distance": distance})
        if skew:
            details["skew"] = skew
        hashed = distance <= self.accept_distance
        if hashed and not (query.fine or target_fine):
            return self._hash_match(image_id, distance, orientation, query_window, target_window, details)
        if target is None:
            return None
        features, target_hashes, target_valid, thumbnail = target
        mirrored = orientation >= 4
        if view is None:
            view = query_view(query, mirrored)
        checked = fit if fit is not None else verify(view.features, features, min_inliers=WEAK_INLIERS)
        if checked is None:
            return None
        if checked.guided_from:
            details["guided_from"] = checked.guided_from
        # A weak fit (a detail or a flat picture keeps few distinctive features) is a copy only when guided
        # matching finds more features on it and the pixels then agree strongly.
        weak = checked.weak
        if weak and (checked.support < WEAK_SUPPORT or view.pixels is None or thumbnail is None):
            return None
        if weak and checked.contained < WEAK_CONTAINMENT:
            return None
        details["inliers"] = checked.inliers
        if checked.support:
            details["guided_inliers"] = checked.support
        similarity = 0.5  # features agree but nothing could be compared (stored before thumbnails were)
        if view.pixels is not None:
            aligned = aligned_distance(view.pixels, checked, target_hashes, target_valid)
            if aligned is not None and aligned[0] > ALIGNED_DISTANCE:
                # Apart along the affine fit: a photo of a print taken at an angle is aligned by its homography.
                along = aligned_distance(view.pixels, checked, target_hashes, target_valid, perspective=True)
                aligned = along if along is not None and along[0] < aligned[0] else aligned
            hash_agrees = aligned is not None and aligned[0] <= ALIGNED_DISTANCE
            if aligned is not None:
                details["aligned_distance"] = aligned[0]
                similarity = 1 - aligned[0] / 128
            few = weak or (found_by_embedding and checked.inliers < EMBEDDING_MIN_INLIERS)
            if thumbnail is not None and (few or (not hash_agrees and (aligned is None or found_by_embedding))):
                # No catalog window lies inside the query (a detail, a one-sided crop), or the one that
                # does hashes apart in a picture the embedding found (a perspective the affine fit only
                # approximates), or the features are few: compare pixels.
                alike = aligned_correlation(view.pixels, checked, thumbnail)
                if alike is not None and alike.plain:
                    # Both plain where they meet (a detail of a sky or of a colour field): too coarse at thumbnail
                    # size to compare, so the features found on its texture vouch alone, for one picture inside
                    # the other as every edit leaves it (a weak fit was held to that already).
                    details["plain"] = True
                    if checked.contained < WEAK_CONTAINMENT:
                        return None
                else:
                    if alike is not None:
                        details["correlation"] = round(alike.pixels, 3)
                        details["edge_correlation"] = round(alike.edges, 3)
                    if alike is None or alike.pixels < self.min_correlation:
                        # Laid over the picture where the features say, the query does not look like it (or
                        # covers too little of it, or a part too plain on one side, to tell a copy from chance).
                        return None
                    if few and not alike.strong:
                        return None  # few features, and only alike in composition: pictures made to one template
                    similarity = alike.pixels
            elif found_by_embedding and checked.inliers < EMBEDDING_MIN_INLIERS:
                return None
            elif not hash_agrees and aligned is not None:
                return None  # the features lined up, the pictures do not: a repeating pattern
        if hashed:  # fine detail: the hashes agreed and the features confirm it is the same picture
            return self._hash_match(image_id, distance, orientation, query_window, target_window, details)
        if found_by_embedding:  # the fitted transform says how the query is turned
            orientation = quarter_turns(checked.transform) + (4 if mirrored else 0)
            details["orientation"] = orientation % 4 * 90
        query_box = checked.query_box
        if mirrored:  # the features were found on the mirrored query
            query_box = (1 - query_box[2], query_box[1], 1 - query_box[0], query_box[3])
        return self._match(
            image_id, similarity, orientation, checked.query_overlap, checked.target_overlap, "features", details,
            query_box, checked.target_box,
        )  # fmt: skip

    def _hash_match(self, image_id, distance, orientation, query_window, target_window, details) -> Match:
        """A match decided on the window hashes: the query's window shows the catalog image's window."""
        query_span = 1 - 2 * WINDOW_MARGINS[query_window]
        target_span = 1 - 2 * WINDOW_MARGINS[target_window]
        # Both windows are centred: the whole query shows a centred part of the catalog image (or the
        # other way round), whatever the orientation.
        query_side, target_side = min(1.0, query_span / target_span), min(1.0, target_span / query_span)
        return self._match(
            image_id, 1 - distance / 128, orientation, query_side**2, target_side**2, "hash", details,
            centred_box(query_side), centred_box(target_side),
        )  # fmt: skip

    @staticmethod
    def identical(image_id: int) -> Match:
        return Match(image_id=image_id, score=100.0, details={"method": "identical file", "similarity": 1.0})

    @staticmethod
    def _match(
        image_id, similarity, orientation, query_overlap, target_overlap, method, details, query_box, target_box
    ) -> Match:
        # Cropped and re-oriented copies score lower than whole upright ones: the score falls with
        # every edit, and 100 is left for an identical image.
        score = 100 * similarity * (0.5 + 0.5 * target_overlap) * (1.0 if orientation == 0 else 0.97)
        return Match(
            image_id=image_id,
            score=round(score, 1),
            query_overlap=round(100 * query_overlap, 1),
            target_overlap=round(100 * target_overlap, 1),
            details={**details, "method": method, "similarity": round(similarity, 4)},
            query_box=rounded(query_box),
            target_box=rounded(target_box),
        )

    def compare(self, first: QueryImage, second: QueryImage) -> Match | None:
        return self.compare_fingerprints(first.fingerprint, fingerprint(second.loaded))

    def compare_fingerprints(self, first: Fingerprint, second: Fingerprint) -> Match | None:
        """Whether a query fingerprint (made with `for_query=True`) matches another image's."""
        target = second.upright()
        distance = hamming(first.hashes[:, :, None, :], target.hashes[0][None, None, :, :])  # (o, wq, wt)
        usable = first.valid[None, :, None] & target.valid[None, None, :]
        distance = np.where(usable, distance, 10_000)
        orientation, query_window, target_window = np.unravel_index(int(np.argmin(distance)), distance.shape)
        # Two images side by side face no ten-million-image false-match risk: verify whatever the distance.
        best = int(distance[orientation, query_window, target_window])
        found = self.decide(
            0, first, best, int(orientation), int(query_window), int(target_window),
            (target.features, target.hashes[0], target.valid, target.thumbnail), target.fine,
        )  # fmt: skip
        if found is None and first.sha256 and first.sha256 == second.sha256:
            return self.identical(0)
        return found


def within_border(found: Match, box: borders.Box) -> Match:
    """A match of the picture inside a border (`box` of the query), as a match of the whole query."""
    left, top, right, bottom = box
    return dataclasses.replace(
        found,
        query_overlap=round(found.query_overlap * (right - left) * (bottom - top), 1),
        query_box=rounded(borders.outer(found.query_box, box)),
        details={**found.details, "border": rounded(box)},
    )


def quarter_turns(transform: np.ndarray) -> int:
    """How many quarter turns counter-clockwise the query takes to lie as the catalog picture does (0-3).

    As the hash variants count them (matching.algorithms.fingerprint.orient); a turn more than 20 degrees from
    a quarter counts as none (a photo taken askew)."""
    degrees = -np.degrees(np.arctan2(transform[1, 0], transform[0, 0]))  # image y points down
    turns = round(degrees / 90)
    return turns % 4 if abs(degrees - 90 * turns) <= 20 else 0


def centred_box(side: float) -> tuple[float, float, float, float]:
    """The centred box whose sides are `side` of the image's (fractions of width and height)."""
    margin = (1 - side) / 2
    return (margin, margin, 1 - margin, 1 - margin)


def rounded(box: tuple[float, ...]) -> tuple[float, ...]:
    return tuple(round(min(1.0, max(0.0, float(value))), 4) for value in box)


Provider = LocalHashProvider
