"""Hash candidates of the scaled-out shape: window keys as chunk terms in Elasticsearch, no index in memory.

`MATCH_PROVIDER=elasticsearch`. Every catalog image is one document of its own index (by default
`<ELASTICSEARCH_INDEX>-keys`, beside the search backend's): each window's 64-bit key cut into the
hash index's three 21-bit chunks, kept as keyword terms per chunk position (`c0`, `c1`, `c2`), and
the window keys, 256-bit hashes, usable windows and fine-detail flag as stored, unindexed values.

A query probes each chunk position with the chunk values within 2 bits of its keys' (1 bit for the
keys probed narrowly) and asks for the documents that match at least two of the three positions (a
`bool` of three `terms` queries, `minimum_should_match: 2`). A key within 5 bits (3 for narrow keys)
of a catalog key always agrees with it that closely on two chunks, and an unrelated image almost
never does, so few documents come back; their exact key and hash distances are then worked out
here. The in-memory index is complete up to 8 bits (5 narrow), so keys 6-10 bits apart are found
only by luck here: the price of holding no index in any process.
"""

from __future__ import annotations

import threading

import numpy as np
from elasticsearch import Elasticsearch, NotFoundError

from matching.algorithms.fingerprint import WINDOW_MARGINS, Fingerprint
from matching.algorithms.hashindex import _FLIPS, _NARROW_FLIPS, CHUNK_BITS, Candidates, _chunk, _empty, scan
from matching.index import elastic, store
from matching.index.hashes import HashCandidates, Progress

CHUNKS = len(CHUNK_BITS)
WINDOWS = len(WINDOW_MARGINS)
RESULT_SIZE = 500  # documents one query may bring back (random ones almost never match two chunk positions)
MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        **{f"c{position}": {"type": "keyword"} for position in range(CHUNKS)},
        "keys": {"type": "keyword", "index": False, "doc_values": False},  # hex, one per window
        "hashes": {"type": "keyword", "index": False, "doc_values": False},  # hex, 256 bits per window
        "valid": {"type": "integer", "index": False},  # bit w: window w had structure to hash
        "fine": {"type": "boolean", "index": False},
    },
}


def document(keys: np.ndarray, hashes: np.ndarray, valid: np.ndarray, fine: bool) -> dict:
    """An image's document: keys (windows,), hashes (windows, 4), valid (windows,)."""
    keys = np.asarray(keys, np.uint64).reshape(WINDOWS)
    usable = keys[np.asarray(valid, bool).reshape(WINDOWS)]
    terms = {f"c{c}": sorted({format(int(v), "x") for v in _chunk(usable, c)}) for c in range(CHUNKS)}
    return {
        **terms,
        "keys": [format(int(k), "016x") for k in keys],
        "hashes": [
            "".join(format(int(w), "016x") for w in row) for row in np.asarray(hashes, np.uint64).reshape(-1, 4)
        ],
        "valid": int(sum(1 << w for w in range(WINDOWS) if valid[w])),
        "fine": bool(fine),
    }


def _parse(source: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    keys = np.array([int(k, 16) for k in source["keys"]], dtype=np.uint64)
    hashes = np.array([[int(h[i : i + 16], 16) for i in range(0, 64, 16)] for h in source["hashes"]], np.uint64)
    valid = np.array([bool(source["valid"] >> w & 1) for w in range(WINDOWS)])
    return keys, hashes, valid, bool(source["fine"])


unavailable = elastic.unavailable("match index")


class ElasticsearchHashCandidates(HashCandidates):
    """The window keys as chunk terms in an Elasticsearch index of their own: nothing held in any process.

    Written by the indexing tasks (`add`, `remove`) and rebuilt by `update_index` from the stored
    fingerprints; no change log is followed and nothing is loaded at start.
    """

    def __init__(self, client: Elasticsearch, name: str, refresh: bool = False) -> None:
        self.client, self.name, self.refresh = client, name, refresh
        self._local = threading.local()  # per thread: the documents the last search brought back

    @unavailable
    def ensure(self) -> None:
        if not self.client.indices.exists(index=self.name):
            self.client.options(ignore_status=400).indices.create(index=self.name, mappings=MAPPINGS)

    @unavailable
    def add(self, image_id: int, fingerprint: Fingerprint) -> None:
        upright = fingerprint.upright()
        self.ensure()
        fields = document(upright.keys[0], upright.hashes[0], upright.valid, upright.fine)
        self.client.index(index=self.name, id=str(image_id), document=fields, refresh=self.refresh)

    @unavailable
    def remove(self, image_id: int) -> None:
        self.client.options(ignore_status=404).delete(index=self.name, id=str(image_id), refresh=self.refresh)

    def rebuild(self, progress: Progress | None = None) -> int:
        """Replace every document with the stored fingerprints' (the stored fingerprints are the catalog's)."""
        return self.refill(store.iter_index_rows(), progress, store.count_fingerprints())

    @unavailable
    def refill(self, rows, progress: Progress | None = None, total: int = 0) -> int:
        """Replace every document with `rows` (chunks of ids, keys, hashes, valid, fine)."""
        chunks = ((ids, [document(*parts) for parts in zip(keys, hashes, valid, fine, strict=True)])
                  for ids, keys, hashes, valid, fine in rows)  # fmt: skip
        return elastic.refill(self.client, self.name, self.ensure, chunks, progress, total, chunk_size=1000)

    @unavailable
    def count(self) -> int:
        return elastic.count_documents(self.client, self.name)

    @unavailable
    def get(self, image_id: int) -> tuple[np.ndarray, np.ndarray] | None:
        """An image's window hashes and usable windows (from the last search's answer when it was in it)."""
        found = self._found().get(image_id)
        if found is None:
            try:
                found = _parse(self.client.get(index=self.name, id=str(image_id))["_source"])
            except NotFoundError:
                return None
        return found[1], found[2]

    def _found(self) -> dict:
        return getattr(self._local, "found", {})

    def lookup(self, keys: np.ndarray, radius: int, narrow: np.ndarray) -> tuple[Candidates, set[int]]:
        found = self.search(keys, radius, narrow)
        fine = {image_id for image_id, parts in self._found().items() if parts[3]}
        return found, fine

    @unavailable
    def ping(self) -> bool:
        return bool(self.client.ping())

    @unavailable
    def search(self, query_keys: np.ndarray, max_distance: int, narrow: np.ndarray | None = None) -> Candidates:
        query_keys = np.asarray(query_keys, dtype=np.uint64).reshape(-1)
        narrow = np.zeros(len(query_keys), bool) if narrow is None else np.asarray(narrow, bool)
        self._local.found = {}
        if not len(query_keys):
            return Candidates(*_empty())
        clauses = []
        for c in range(CHUNKS):
            values = _chunk(query_keys, c)
            probes = np.concatenate(
                [(values[~narrow, None] ^ _FLIPS).ravel(), (values[narrow, None] ^ _NARROW_FLIPS).ravel()]
            )
            clauses.append({"terms": {f"c{c}": [format(int(v), "x") for v in np.unique(probes)]}})
        try:
            # Elasticsearch takes a list of fields as `_source`; the client's hints allow only a bool or a mapping.
            answer = self.client.search(
                index=self.name, size=RESULT_SIZE,
                source=["keys", "hashes", "valid", "fine"],  # type: ignore[arg-type]
                query={"bool": {"should": clauses, "minimum_should_match": 2}},
            )  # fmt: skip
        except NotFoundError:
            return Candidates(*_empty())
        found = {int(hit["_id"]): _parse(hit["_source"]) for hit in answer["hits"]["hits"]}
        self._local.found = found
        if not found:
            return Candidates(*_empty())
        ids = np.fromiter(found, np.int64, len(found))
        keys, hashes, valid = (np.stack([found[i][part] for i in ids]) for part in range(3))
        return Candidates(*scan(query_keys, ids, keys, hashes, valid, max_distance))
