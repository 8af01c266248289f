"""An in-memory index of window hashes that finds near keys fast: multi-index hashing.

Each catalog image owns `WINDOWS` rows; a row holds the 64-bit key and the 256-bit hash of one
window. The 64-bit key is cut into three chunks of 21-22 bits; for every chunk a table lists the
rows by chunk value (rows sorted by value plus an offsets array, as in a CSR matrix). Two keys
within Hamming distance 8 agree within distance 2 on at least one chunk (pigeonhole), so probing
every chunk value within distance 2 of the query's (232 or 254 probes a chunk) finds them all;
keys further apart are found when one chunk happens to be that close.

New images go to a small delta that is scanned exhaustively and merged into the tables when it
grows; removals clear a row's `alive` flag. All work is vectorised numpy: no Python loop runs per
candidate.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

CHUNK_BITS = (21, 21, 21)  # equal chunks; the key's last bit counts only in the exact distance
CHUNK_RADIUS = 2
GUARANTEED_RADIUS = len(CHUNK_BITS) * (CHUNK_RADIUS + 1) - 1  # 8
MERGE_AT = 20_000  # delta rows before they are merged into the tables
# Over mapped tables (a snapshot shared by the host's processes) a merge would make this process a
# private copy of everything: the delta is scanned a while longer while a fresh snapshot is made
# (matching.providers.local), and merged only past this many rows.
MAPPED_MERGE_AT = 5 * MERGE_AT


def _flip_masks(bits: int, radius: int) -> np.ndarray:
    masks = [0]
    for r in range(1, radius + 1):
        masks += [sum(1 << b for b in combo) for combo in combinations(range(bits), r)]
    return np.array(masks, dtype=np.int64)


_BITS = CHUNK_BITS[0]
_BUCKETS = 1 << _BITS
_FLIPS = _flip_masks(_BITS, CHUNK_RADIUS)
_NARROW_FLIPS = _flip_masks(_BITS, 1)
NARROW_RADIUS = len(CHUNK_BITS) * 2 - 1  # 5


def _chunk(keys: np.ndarray, index: int) -> np.ndarray:
    shift = np.uint64(64 - _BITS * (index + 1))
    return ((keys >> shift) & np.uint64(_BUCKETS - 1)).astype(np.int64)


@dataclass(frozen=True)
class Candidates:
    """Rows whose key is near a query key: parallel arrays, one entry per (query key, row)."""

    query: np.ndarray  # index into the query keys
    image_ids: np.ndarray
    window: np.ndarray  # which window of the catalog image
    key_distance: np.ndarray
    hashes: np.ndarray  # (n, 4) uint64: the row's 256-bit hash


class HashIndex:
    """Window hashes of catalog images, searchable by key distance."""

    def __init__(self, windows: int) -> None:
        self.windows = windows
        self.mapped = False  # the tables are a snapshot's files, shared with other processes
        self._set_main(np.zeros(0, np.int64), np.zeros((0, windows), np.uint64),
                       np.zeros((0, windows, 4), np.uint64), np.zeros((0, windows), bool))  # fmt: skip
        self._delta: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._delta_arrays: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    # --- building ---------------------------------------------------------------------------

    def _set_main(self, ids: np.ndarray, keys: np.ndarray, hashes: np.ndarray, valid: np.ndarray) -> None:
        order = np.argsort(ids, kind="stable")
        self.ids = np.ascontiguousarray(ids[order])
        self.keys = np.ascontiguousarray(keys[order]).reshape(-1)  # row = slot * windows + window
        self.hashes = np.ascontiguousarray(hashes[order]).reshape(-1, 4)
        self.alive = np.ascontiguousarray(valid[order]).reshape(-1)  # row: hashable and not removed
        self.present = np.ones(len(self.ids), dtype=bool)  # slot: image not removed
        # One table for all chunks: chunk c's values are offset by c * 2**bits, so one gather serves all.
        valid_rows = np.flatnonzero(self.alive).astype(np.int32)
        values = np.concatenate([_chunk(self.keys[valid_rows], c) + c * _BUCKETS for c in range(len(CHUNK_BITS))])
        order = np.argsort(values, kind="stable")
        self._table_rows = np.tile(valid_rows, len(CHUNK_BITS))[order]
        self._offsets = np.zeros(len(CHUNK_BITS) * _BUCKETS + 1, dtype=np.int32)
        np.cumsum(np.bincount(values, minlength=len(CHUNK_BITS) * _BUCKETS), out=self._offsets[1:])

    def build(self, ids: np.ndarray, keys: np.ndarray, hashes: np.ndarray, valid: np.ndarray) -> None:
        """Replace the whole index: ids (n,), keys (n, windows), hashes (n, windows, 4), valid (n, windows)."""
        self.mapped = False
        self._delta.clear()
        self._delta_arrays = None
        self._set_main(ids.astype(np.int64), keys.astype(np.uint64), hashes.astype(np.uint64), valid.astype(bool))

    # The arrays a snapshot keeps (matching.index.snapshot): all of the index when its delta is empty.
    SNAPSHOT = ("ids", "keys", "hashes", "alive", "table_rows", "offsets")

    def arrays(self) -> dict[str, np.ndarray]:
        """The index as named arrays, merged first (what `from_arrays` takes back)."""
        if self._delta or not self.present.all():
            self.merge()
        return {"ids": self.ids, "keys": self.keys, "hashes": self.hashes, "alive": self.alive,
                "table_rows": self._table_rows, "offsets": self._offsets}  # fmt: skip

    @classmethod
    def from_arrays(cls, windows: int, arrays: dict[str, np.ndarray]) -> HashIndex:
        """An index over stored arrays, used as they are (memory-mapped ones stay mapped).

        Only the per-row flags are copied, because removals change them.
        """
        index = cls(windows)
        index.mapped = True
        ids, keys, hashes = arrays["ids"], arrays["keys"], arrays["hashes"]
        table_rows, offsets = arrays["table_rows"], arrays["offsets"]
        rows = len(ids) * windows
        if (
            keys.shape != (rows,)
            or hashes.shape != (rows, 4)
            or arrays["alive"].shape != (rows,)
            or offsets.shape != (len(CHUNK_BITS) * _BUCKETS + 1,)
            or len(table_rows) != int(offsets[-1])
        ):
            raise ValueError("the stored hash index arrays do not fit together")  # fmt: skip
        index.ids, index.keys, index.hashes = ids, keys, hashes
        index.alive = np.array(arrays["alive"], dtype=bool)
        index.present = np.ones(len(ids), dtype=bool)
        index._table_rows, index._offsets = table_rows, offsets
        return index

    def add(self, image_id: int, keys: np.ndarray, hashes: np.ndarray, valid: np.ndarray) -> None:
        """Add or replace one image."""
        self._kill_main(image_id)
        self._delta[image_id] = (keys.astype(np.uint64), hashes.astype(np.uint64), valid.astype(bool))
        self._delta_arrays = None
        if self.delta_rows >= (MAPPED_MERGE_AT if self.mapped else MERGE_AT):
            self.merge()

    @property
    def delta_rows(self) -> int:
        return len(self._delta) * self.windows

    def remove(self, image_id: int) -> bool:
        """Forget an image; True when it was there."""
        found = self._kill_main(image_id)
        if self._delta.pop(image_id, None) is not None:
            self._delta_arrays = None
            found = True
        return found

    def merge(self) -> None:
        """Fold the delta into the tables (rebuilds them, dropping removed rows)."""
        live_slots = self.present
        ids, keys, hashes, valid = self._delta_stack()
        self.build(
            np.concatenate([self.ids[live_slots], ids]),
            np.concatenate([self.keys.reshape(-1, self.windows)[live_slots], keys]),
            np.concatenate([self.hashes.reshape(-1, self.windows, 4)[live_slots], hashes]),
            np.concatenate([self.alive.reshape(-1, self.windows)[live_slots], valid]),
        )

    def _kill_main(self, image_id: int) -> bool:
        slot = int(np.searchsorted(self.ids, image_id))
        if slot < len(self.ids) and self.ids[slot] == image_id and self.present[slot]:
            self.present[slot] = False
            self.alive[slot * self.windows : (slot + 1) * self.windows] = False
            return True
        return False

    def _delta_stack(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if self._delta_arrays is None:
            ids = np.fromiter(self._delta.keys(), dtype=np.int64, count=len(self._delta))
            entries = list(self._delta.values())
            self._delta_arrays = (
                ids,
                np.array([e[0] for e in entries], dtype=np.uint64).reshape(-1, self.windows),
                np.array([e[1] for e in entries], dtype=np.uint64).reshape(-1, self.windows, 4),
                np.array([e[2] for e in entries], dtype=bool).reshape(-1, self.windows),
            )
        return self._delta_arrays

    # --- reading ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return int(self.present.sum()) + len(self._delta)

    def __contains__(self, image_id: int) -> bool:
        if image_id in self._delta:
            return True
        slot = int(np.searchsorted(self.ids, image_id))
        return slot < len(self.ids) and self.ids[slot] == image_id and bool(self.present[slot])

    def get(self, image_id: int) -> tuple[np.ndarray, np.ndarray] | None:
        """An indexed image's window hashes (windows, 4) and which windows are usable."""
        if image_id in self._delta:
            _keys, hashes, valid = self._delta[image_id]
            return hashes, valid
        slot = int(np.searchsorted(self.ids, image_id))
        if slot < len(self.ids) and self.ids[slot] == image_id and self.present[slot]:
            rows = slice(slot * self.windows, (slot + 1) * self.windows)
            return self.hashes[rows], self.alive[rows]
        return None

    def memory_bytes(self) -> int:
        tables = self._table_rows.nbytes + self._offsets.nbytes
        arrays = (self.ids, self.keys, self.hashes, self.alive, self.present)
        return sum(array.nbytes for array in arrays) + tables

    def search(self, query_keys: np.ndarray, max_distance: int, narrow: np.ndarray | None = None) -> Candidates:
        """Rows within `max_distance` of any query key.

        Complete up to GUARANTEED_RADIUS; keys flagged in `narrow` probe each chunk only within
        distance 1 (ten times fewer probes), complete up to NARROW_RADIUS.
        """
        query_keys = np.asarray(query_keys, dtype=np.uint64).reshape(-1)
        narrow = np.zeros(len(query_keys), bool) if narrow is None else np.asarray(narrow, bool)
        found = [self._search_main(query_keys, max_distance, narrow), self._search_delta(query_keys, max_distance)]
        return Candidates(*(np.concatenate([part[i] for part in found]) for i in range(5)))

    def _search_main(self, query_keys: np.ndarray, max_distance: int, narrow: np.ndarray) -> tuple[np.ndarray, ...]:
        chunks = len(CHUNK_BITS)
        values = np.stack([_chunk(query_keys, c) + c * _BUCKETS for c in range(chunks)], axis=1)  # (q, chunks)
        wide_keys, narrow_keys = np.flatnonzero(~narrow), np.flatnonzero(narrow)
        probes = np.concatenate(
            [(values[wide_keys, :, None] ^ _FLIPS).ravel(), (values[narrow_keys, :, None] ^ _NARROW_FLIPS).ravel()]
        )
        probe_key = np.concatenate(
            [np.repeat(wide_keys, chunks * len(_FLIPS)), np.repeat(narrow_keys, chunks * len(_NARROW_FLIPS))]
        )
        starts = self._offsets[probes]
        lengths = self._offsets[probes + 1] - starts
        ends = np.cumsum(lengths)
        total = int(ends[-1]) if len(ends) else 0
        if total == 0:
            return _empty()
        # Concatenate the slices table_rows[start:end] of every probe without a Python loop.
        positions = np.repeat(starts - ends + lengths, lengths) + np.arange(total, dtype=np.int32)
        row = self._table_rows[positions]
        distance = np.bitwise_count(self.keys[row] ^ np.repeat(query_keys[probe_key], lengths))
        keep = np.flatnonzero(distance <= max_distance)
        keep = keep[self.alive[row[keep]]]
        # Which probe (and so which query key) each survivor came from: few survivors, cheap.
        query = probe_key[np.searchsorted(ends, keep, side="right")]
        # A row near a key on several chunks comes back once per chunk; callers reduce per image anyway.
        row, distance = row[keep], distance[keep].astype(np.int32)
        return query, self.ids[row // self.windows], row % self.windows, distance, self.hashes[row]

    def _search_delta(self, query_keys: np.ndarray, max_distance: int) -> tuple[np.ndarray, ...]:
        if not self._delta:
            return _empty()
        return scan(query_keys, *self._delta_stack(), max_distance)


def scan(
    query_keys: np.ndarray, ids: np.ndarray, keys: np.ndarray, hashes: np.ndarray, valid: np.ndarray, max_distance: int
) -> tuple[np.ndarray, ...]:
    """Every usable window of a few images within `max_distance` of a query key, by exact distance:
    ids (n,), keys (n, windows), hashes (n, windows, 4), valid (n, windows). Candidates' fields, in order."""
    distance = np.bitwise_count(query_keys[:, None, None] ^ keys[None, :, :]).astype(np.int32)
    query, slot, window = np.nonzero((distance <= max_distance) & valid[None, :, :])
    return query, ids[slot], window, distance[query, slot, window], hashes[slot, window]


def _empty() -> tuple[np.ndarray, ...]:
    return (np.zeros(0, np.intp), np.zeros(0, np.int64), np.zeros(0, np.intp), np.zeros(0, np.int32),
            np.zeros((0, 4), np.uint64))  # fmt: skip
