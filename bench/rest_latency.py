"""`/rest/search/` end to end on a catalog of a few hundred images: upload, decode, match, answer.

    .venv/bin/python bench/rest_latency.py [--images 300] [--queries 30] [--json bench/results/rest_latency.json]

A temporary SQLite catalog of demo artworks (800 px, ingested through the real ingest path,
embeddings included) and a staff login over HTTP Basic; each query is a JPEG POSTed to
/rest/search/ through Django's test client (the whole view: authentication, parameter reading, the
safe decode, fingerprinting, matching, the MatchEngine envelope). Three kinds of query, as many
of each:

- an edited copy (smaller, recompressed): the hashes settle it;
- a detail (half the width and height, off-centre): no hash candidate, so the query is embedded
  and its nearest look-alikes are verified;
- a picture not in the catalog: the same extra stage, which finds nothing.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.django_env import setup  # noqa: E402

setup()

import numpy as np  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from catalog import ingest  # noqa: E402
from catalog.models import Status  # noqa: E402
from matching.safety import imaging  # noqa: E402
from tests import corpus  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=300)
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "rest_latency.json")
    args = parser.parse_args()
    connection.creation.create_test_db(verbosity=0)
    started = time.perf_counter()
    identifiers = {}
    for number in range(1, args.images + 1):
        loaded = imaging.load_image(corpus.encode(corpus.artwork(number), "PNG"))
        identifiers[number] = ingest.create_item(loaded, title=f"Art {number}", status=Status.PUBLISHED).identifier
    print(f"{args.images} images ingested in {time.perf_counter() - started:.0f} s")
    get_user_model().objects.create_superuser("bench", "bench@likeness.test", "pw")
    client = Client(HTTP_AUTHORIZATION="Basic " + base64.b64encode(b"bench:pw").decode())
    rng = np.random.default_rng(4)
    kinds = {
        "edited copy": lambda n: corpus.EDITS["thumbnail 200px"](corpus.artwork(n), rng),
        "detail": lambda n: corpus.EDITS["detail (half, off-centre)"](corpus.artwork(n), rng),
        "not in the catalog": lambda n: corpus.artwork(9000 + n),
    }
    client.post("/rest/search/", {"image": upload(corpus.artwork(1))})  # first use loads the model and indexes
    results = {}
    print("| query | p50 ms | p90 ms | found its original |")
    print("|---|---|---|---|")
    for kind, make in kinds.items():
        times, found = [], 0
        for position in range(args.queries):
            number = 1 + position * max(1, args.images // args.queries)
            image = upload(make(number))
            began = time.perf_counter()
            body = client.post("/rest/search/", {"image": image}).json()
            times.append(1000 * (time.perf_counter() - began))
            found += bool(body["result"]) and body["result"][0]["filepath"] == identifiers[number]
        results[kind] = {"p50_ms": round(float(np.median(times)), 1), "p90_ms": round(float(np.percentile(times, 90)), 1),
                         "found": found, "queries": args.queries}  # fmt: skip
        row = results[kind]
        shown = "" if kind == "not in the catalog" else f"{found}/{args.queries}"
        print(f"| {kind} | {row['p50_ms']} | {row['p90_ms']} | {shown} |")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"images": args.images, "results": results}, indent=2))


def upload(image) -> SimpleUploadedFile:
    return SimpleUploadedFile("query.jpg", corpus.encode(image.convert("RGB"), "JPEG", 90), "image/jpeg")


if __name__ == "__main__":
    main()
