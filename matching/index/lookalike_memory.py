"""The look-alike index: every catalog image's embedding, compressed in memory, nearest by cosine similarity.

Two stages, so that memory stays small at catalog scale and the answer stays exact:
1. In memory, each image is 256 signed bytes (264 with its id): its unit embedding projected on the
   classifier's 256 strongest directions (`model.projection()`, derived from the shipped weights, so
   every process agrees without training on data) and rounded to 8 bits. faiss scans them (one
   thread) for the RERANK most similar.
2. Those candidates' stored float16 embeddings are read back and ranked by their exact cosine, and the
   similarity floor applies to that exact value.
bench/lookalike_index.py measures memory, latency and agreement with exact search (docs/benchmarks.md).

From IVF_FROM images on, stage 1 scans inverted lists instead of every code: the codes are grouped
around `lists(n)` centroids (k-means on a sample of the catalog's own codes, trained when the index
is loaded), and a query scans the IVF_PROBES lists nearest it, about 1% of the catalog.

It is kept in step with the database through the change log like the hash index
(matching.index.follower), and shared by the processes of a host through a snapshot (matching.index.snapshot):
faiss maps the snapshot's codes read-only; changes since go to a small in-memory index of their
own, and the mapped codes of changed or removed images are left out of every search.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import cast

import faiss
import numpy as np

from matching.embeddings.model import PROJECTED, projection
from matching.index import snapshot, store
from matching.index.follower import EventFollower
from matching.index.lookalike import BaseLookalikeIndex

DIMENSIONS = 1280
CODE_SCALE = 254.0  # projected components of unit vectors stay within about +-0.3: 8 bits keep ~75 steps
IVF_FROM = 100_000  # images from which the codes are searched through inverted lists
IVF_PROBES = 24  # lists scanned per query
TRAIN_PER_LIST = 32  # k-means sample: this many codes per list

faiss.omp_set_num_threads(1)  # web and import workers run in parallel already


def codes(vectors: np.ndarray) -> np.ndarray:
    """Unit embeddings (n, 1280) as the index stores them: (n, 256) values in -127..127, as float32 for faiss."""
    projected = np.asarray(vectors, np.float32) @ projection().T
    return np.clip(np.rint(projected * CODE_SCALE), -127, 127).astype(np.float32)


class MemoryLookalikeIndex(EventFollower, BaseLookalikeIndex):
    """8-bit codes of every embedding in this process, following the change log, mapped from the host's snapshot."""

    snapshot_name = "lookalike"

    def __init__(self) -> None:
        super().__init__()
        self.index = self._empty()
        self._built_ids: np.ndarray | None = None  # what the last build added, until it is saved
        # When self.index is mapped from a snapshot (read-only): its ids, and the changes since.
        self._mapped_ids: np.ndarray | None = None
        self._delta = self._empty()
        self._hidden: set[int] = set()  # mapped ids changed or removed since the snapshot

    @staticmethod
    def _empty() -> faiss.Index:
        flat = faiss.IndexScalarQuantizer(
            PROJECTED, faiss.ScalarQuantizer.QT_8bit_direct_signed, faiss.METRIC_INNER_PRODUCT
        )
        return faiss.IndexIDMap(flat)

    @staticmethod
    def _inverted(sample: np.ndarray, total: int) -> faiss.Index:
        """Inverted lists around centroids of `sample` (codes), for a catalog of about `total` images."""
        dimensions = PROJECTED
        quantizer = faiss.IndexFlatIP(dimensions)
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, dimensions, lists(total), faiss.ScalarQuantizer.QT_8bit_direct_signed,
            faiss.METRIC_INNER_PRODUCT, False,
        )  # fmt: skip
        index.cp.niter = 10
        index.train(sample)
        index.nprobe = IVF_PROBES
        return index

    def build(self, chunks: Iterable[tuple[np.ndarray, np.ndarray]], total: int) -> None:
        """Replace the index with `chunks` of (ids, codes) of about `total` images in all."""
        added: list[np.ndarray] = []

        def noted(chunks: Iterable[tuple[np.ndarray, np.ndarray]]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
            for ids, chunk in chunks:  # each chunk's ids are noted as the build reads it
                added.append(np.asarray(ids, np.int64))
                yield ids, chunk

        self.index = self._build(noted(chunks), total)
        self._built_ids = np.sort(np.concatenate(added)) if added else np.zeros(0, np.int64)
        self._mapped_ids, self._delta, self._hidden = None, self._empty(), set()

    def _build(self, chunks: Iterable[tuple[np.ndarray, np.ndarray]], total: int) -> faiss.Index:
        if total < IVF_FROM:
            flat = self._empty()
            for image_ids, chunk in chunks:
                flat.add_with_ids(chunk, image_ids)
            return flat
        wanted = int(TRAIN_PER_LIST * lists(total))
        pending: list[tuple[np.ndarray, np.ndarray]] = []
        held = 0
        index: faiss.Index | None = None
        for image_ids, chunk in chunks:
            if index is None:  # the sample is the first codes read (in id order: the whole catalog's span)
                pending.append((image_ids, chunk))
                held += len(chunk)
                if held < wanted:
                    continue
                index = self._inverted(np.concatenate([c for _, c in pending])[:wanted], total)
                for ids, codes_ in pending:
                    index.add_with_ids(codes_, ids)
                pending = []
            else:
                index.add_with_ids(chunk, image_ids)
        if index is None:  # fewer than expected after all
            index = self._empty()
            for ids, codes_ in pending:
                index.add_with_ids(codes_, ids)
        return index

    # --- following the change log -----------------------------------------------------------------

    # The change itself is logged as an IndexEvent in the transaction that made it (matching.index.store),
    # and every process replays it before its next answer (sync): add and remove have nothing left to do,
    # and read nothing (the indexing tasks call them for every picture they index).

    def add(self, image_id: int, vector: np.ndarray | None = None) -> None:
        pass

    def remove(self, image_id: int) -> None:
        pass

    def load_all(self) -> None:
        # Chunk by chunk: the floats are never all in memory.
        chunks = ((image_ids, codes(vectors)) for image_ids, vectors in store.iter_embeddings())
        self.build(chunks, store.count_embeddings())

    def load_ids(self, ids: list[int]) -> None:
        for image_id in ids:
            self.drop_id(image_id)  # an image without a stored embedding any more is not in the index
        for image_ids, vectors in store.iter_embeddings(ids=ids):
            target = self.index if self._mapped_ids is None else self._delta
            target.add_with_ids(codes(vectors), image_ids)

    def drop_id(self, image_id: int) -> None:
        ids = np.array([image_id], dtype=np.int64)
        # faiss's Python wrapper takes an array of ids here too; its stubs list only an IDSelector.
        if self._mapped_ids is None:
            self.index.remove_ids(ids)  # type: ignore[arg-type]
            return
        self._delta.remove_ids(ids)  # type: ignore[arg-type]
        position = int(np.searchsorted(self._mapped_ids, image_id))
        if position < len(self._mapped_ids) and self._mapped_ids[position] == image_id:
            self._hidden.add(image_id)

    # --- sharing through a snapshot ---------------------------------------------------------------

    def save_snapshot(self, folder: Path) -> None:
        if self._built_ids is None:
            raise ValueError("only a freshly built index is saved")
        kind = "inverted" if isinstance(self.index, faiss.IndexIVF) else "flat"
        faiss.write_index(self.index, str(folder / f"codes-{kind}.faiss"))
        np.save(folder / "ids.npy", self._built_ids, allow_pickle=False)
        self._built_ids = None

    def load_snapshot(self, found: snapshot.Snapshot) -> None:
        # Mapped, never changed in place: faiss aborts the process on a write to mapped codes.
        if found.path("codes-inverted.faiss").exists():
            index = faiss.read_index(str(found.path("codes-inverted.faiss")), faiss.IO_FLAG_MMAP)
        else:
            index = faiss.read_index(str(found.path("codes-flat.faiss")), faiss.IO_FLAG_MMAP_IFC)
        mapped_ids = found.array("ids")
        if index.ntotal != len(mapped_ids) or index.d != PROJECTED:
            raise ValueError("the stored look-alike codes and ids do not fit together")
        if isinstance(index, faiss.IndexIVF):
            index.nprobe = IVF_PROBES
        self.index, self._mapped_ids, self._delta, self._hidden = index, mapped_ids, self._empty(), set()
        self._built_ids = None

    # --- answering --------------------------------------------------------------------------------

    def count(self) -> int:
        self.sync()
        with self._lock:
            return int(self.index.ntotal) - len(self._hidden) + int(self._delta.ntotal)

    def memory_bytes(self) -> int:
        """What the index holds in memory, or maps: codes and ids."""
        # Not inverted lists: an IndexIDMap around flat codes (faiss's downcast gives their class; its stubs say Index).
        inner = (
            self.index
            if isinstance(self.index, faiss.IndexIVF)
            else cast(faiss.IndexFlatCodes, faiss.downcast_index(cast(faiss.IndexIDMap, self.index).index))
        )
        return (int(self.index.ntotal) + int(self._delta.ntotal)) * (inner.code_size + 8)

    def _candidates(self, vectors: np.ndarray, k: int) -> list[list[int]]:
        with self._lock:
            total = int(self.index.ntotal) + int(self._delta.ntotal)
            if not total or k <= 0:
                return [[] for _ in vectors]
            queries = codes(vectors)
            if self._mapped_ids is None or not (self._hidden or self._delta.ntotal):
                _, found = self.index.search(queries, min(k, int(self.index.ntotal)))
                return [[int(image_id) for image_id in row if image_id >= 0] for row in found]
            # The mapped codes less the changed and removed, and the changes since, merged by score.
            hidden = faiss.IDSelectorBatch(np.fromiter(self._hidden, np.int64, len(self._hidden)))
            keep = faiss.IDSelectorNot(hidden)
            ivf = isinstance(self.index, faiss.IndexIVF)
            # faiss's Python wrapper sets search parameters from keywords; its stubs take no arguments.
            params = (
                faiss.SearchParametersIVF(sel=keep, nprobe=IVF_PROBES)  # type: ignore[call-arg]
                if ivf
                else faiss.SearchParameters(sel=keep)  # type: ignore[call-arg]
            )
            scores, found = self.index.search(queries, min(k, total), params=params)
            if self._delta.ntotal:
                more_scores, more = self._delta.search(queries, min(k, int(self._delta.ntotal)))
                scores, found = np.hstack([scores, more_scores]), np.hstack([found, more])
        answers: list[list[int]] = []
        for row_scores, row in zip(scores, found, strict=True):
            order = np.argsort(-row_scores, kind="stable")
            answers.append([int(row[i]) for i in order if row[i] >= 0][:k])
        return answers


def lists(total: int) -> int:
    """Inverted lists for a catalog of `total` images: about 2 sqrt(total), from 16 to 4096."""
    return int(min(4096, max(16, 2 * np.sqrt(total))))


LookalikeIndex = MemoryLookalikeIndex
