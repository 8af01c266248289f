"""Where the hash provider finds its candidates: catalog windows whose 64-bit key is near a query's.

`HashCandidates` is what the provider (matching.providers.local.HashProvider) asks of a source; two
sources answer it: `MemoryHashCandidates` here (the multi-index hash table of matching.algorithms.hashindex
in each process, following the change log and shared through the host's snapshot) and
`matching.index.hashes_elastic.ElasticsearchHashCandidates` (the keys as chunk terms in Elasticsearch:
nothing held in any process).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path

import numpy as np

from matching.algorithms.fingerprint import WINDOW_MARGINS, Fingerprint
from matching.algorithms.hashindex import MERGE_AT, Candidates, HashIndex
from matching.index import snapshot, store
from matching.index.follower import EventFollower

Progress = Callable[[int, int], None]


class HashCandidates(ABC):
    """Catalog windows near a query's keys, and what verifying a candidate needs of them."""

    loaded_from = ""  # where this process's copy came from ("database", "snapshot"); empty: none is held here

    @abstractmethod
    def add(self, image_id: int, fingerprint: Fingerprint) -> None:
        """Index (or re-index) a catalog picture's upright windows."""

    @abstractmethod
    def remove(self, image_id: int) -> None:
        """Forget a catalog picture; unknown ids are ignored."""

    @abstractmethod
    def lookup(self, keys: np.ndarray, radius: int, narrow: np.ndarray) -> tuple[Candidates, set[int]]:
        """Catalog windows whose key is within `radius` bits of one of `keys` (fewer for the `narrow` ones),
        and which of their pictures have fine detail."""

    @abstractmethod
    def get(self, image_id: int) -> tuple[np.ndarray, np.ndarray] | None:
        """A catalog picture's window hashes and usable windows; None when it is not indexed."""

    @abstractmethod
    def count(self) -> int:
        """How many catalog pictures are indexed."""

    @abstractmethod
    def rebuild(self, progress: Progress | None = None) -> int:
        """Make the source hold exactly the stored fingerprints; returns how many it holds."""

    def load(self, *, rebuild: bool = False) -> bool:
        """Load what this process holds (`rebuild`: from the database, leaving a new snapshot); False when
        the source holds nothing in any process."""
        return False

    def ping(self) -> bool:
        return True


class MemoryHashCandidates(EventFollower, HashCandidates):
    """The hash table in this process, in step with the database through the change log (IndexEvent)."""

    snapshot_name = "hashes"  # shared by the host's processes through matching.index.snapshot

    def __init__(self) -> None:
        super().__init__()
        self.index = HashIndex(len(WINDOW_MARGINS))
        self.fine: set[int] = set()  # catalog pictures with fine detail (never matched on hashes alone)

    # The change itself was logged as an IndexEvent in the transaction that made it (store.record_change):
    # add and remove only bring this process's copy up to date at once, without waiting for its next sync.

    def add(self, image_id: int, fingerprint: Fingerprint) -> None:
        with self._lock:
            upright = fingerprint.upright()
            self.index.add(image_id, upright.keys[0], upright.hashes[0], upright.valid)
            self._mark_fine(image_id, upright.fine)

    def remove(self, image_id: int) -> None:
        with self._lock:
            self.drop_id(image_id)

    def lookup(self, keys: np.ndarray, radius: int, narrow: np.ndarray) -> tuple[Candidates, set[int]]:
        self.sync()
        with self._lock:
            found = self.index.search(keys, radius, narrow)
            return found, {int(i) for i in np.unique(found.image_ids) if int(i) in self.fine}

    def get(self, image_id: int) -> tuple[np.ndarray, np.ndarray] | None:
        return self.index.get(image_id)

    def count(self) -> int:
        self.sync()
        return len(self.index)

    def rebuild(self, progress: Progress | None = None) -> int:
        """Reload from the stored fingerprints here, and have every other process reload on its next answer."""
        store.record_reload()
        self.reload()
        return len(self.index)

    def memory_bytes(self) -> int:
        return self.index.memory_bytes()

    def _mark_fine(self, image_id: int, fine: bool) -> None:
        if fine:
            self.fine.add(image_id)
        else:
            self.fine.discard(image_id)

    # --- following the change log (matching.index.follower) -----------------------------------------

    def load_all(self) -> None:
        parts = list(store.iter_index_rows())
        index = HashIndex(len(WINDOW_MARGINS))  # starts empty
        fine: set[int] = set()
        if parts:
            index.build(*(np.concatenate([part[i] for part in parts]) for i in range(4)))
            fine = {int(i) for part in parts for i in part[0][part[4]]}
        self.index, self.fine = index, fine

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

    def save_snapshot(self, folder: Path) -> None:
        for name, array in self.index.arrays().items():
            np.save(folder / f"{name}.npy", array, allow_pickle=False)
        np.save(folder / "fine.npy", np.array(sorted(self.fine), dtype=np.int64), allow_pickle=False)

    def load_snapshot(self, found: snapshot.Snapshot) -> None:
        arrays = {name: found.array(name) for name in HashIndex.SNAPSHOT}
        index = HashIndex.from_arrays(len(WINDOW_MARGINS), arrays)
        self.index, self.fine = index, set(found.array("fine").tolist())
