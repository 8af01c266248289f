"""Ingest records the same fingerprint and embedding, bit for bit, however its work is arranged.

tests/matching/fixtures/ingest_fingerprints.json holds digests of every part of what ingest recorded for a few
generated pictures (hashes, keys, features, palette, colour signature, thumbnail, embedding, classes, words),
made by the code before the import was made faster (and made again for the large JPEG when fingerprint version
4 decoded it at an eighth); a change to any bit fails here unless the fingerprint or embedding version is bumped
and the file made again (`python -m tests.matching.fixtures.ingest_fingerprints`).
"""

from __future__ import annotations

import hashlib
import json

from catalog import importer, ingest
from matching.safety import imaging
from tests.matching.fixtures.ingest_fingerprints import TARGET, pictures, recorded

EXPECTED = json.loads(TARGET.read_text())


def test_ingest_describes_every_picture_as_before():
    assert recorded(ingest.describe, imaging.load_image) == EXPECTED


def test_an_import_worker_describes_its_files_together_as_ingest_does_each():
    """What a bulk import's worker sends back for several files at once (the look-alike model run once for all,
    the content hash made by the importing process), a corrupt file among them failing alone."""
    files = pictures()
    names = [*sorted(files), "corrupt.jpg"]
    files["corrupt.jpg"] = files["large.jpg"][:300]
    prepared = dict(zip(names, importer.prepare_in_worker(
        [(files[name], hashlib.sha256(files[name]).hexdigest()) for name in names]), strict=True))  # fmt: skip
    loaded, reason = prepared.pop("corrupt.jpg")
    assert loaded is None and "corrupt" in reason
    for name, (loaded, fingerprinted) in prepared.items():
        assert loaded.image is None and loaded.data == b""  # the worker sends back neither pixels nor file
        found = recorded(lambda loaded, fingerprinted=fingerprinted: fingerprinted, lambda data: data)
        assert found[name] == EXPECTED[name], name
