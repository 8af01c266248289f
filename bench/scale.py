"""Worker start, memory and reload at catalog scale, through gunicorn with the production settings.

    .venv/bin/python bench/scale.py [--sizes 100000 1000000] [--database-rows 100000] [--no-reload] [--json FILE]

For each size, a temporary SQLite catalog holds 20 real pictures (ingested through the real path)
and the index snapshots (matching.index.snapshot) hold those 20 plus `size` synthetic images: random
64-bit keys and 256-bit hashes (how DCT-median bits behave between unrelated pictures) and random
unit embeddings. `gunicorn -c webapp/gunicorn.conf.py` starts with 3 workers on loopback; timed:
- from starting gunicorn to the first answer of `/rest/search/` (a copy of a real picture),
  which includes the master's `load_indexes` and every worker mapping the snapshots;
- resident and proportional memory (RSS, PSS) of each worker once each has answered: PSS splits
  pages shared by several processes between them, so the workers' PSS sum is what the host spends;
- a reload (what `update_index` asks for): a reload event and a new snapshot, then the time of the
  next answer of each worker and the memory after it.

With `--elasticsearch N`: the scaled-out shape (MATCH_PROVIDER=elasticsearch) with the 20 real and N
synthetic images as chunk-term documents in osmem-server (an in-memory test server, not a
performance reference; ELASTICSEARCH_URL for a real Elasticsearch): p50 of 30 copy queries through
the provider, and whether each found its original.

With `--database-rows N` (at most one size), the N synthetic images are also stored in SQLite as
catalog rows with realistic fingerprint rows (14.4 KB of feature bytes, 2.5 KB float16 embedding),
and the same is timed with snapshots off (LIKENESS_INDEX_DIR=off: every worker builds both indexes
from the database) and for the first start that builds the snapshots from the database.
Everything binds to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.django_env import setup  # noqa: E402

WORKDIR = setup()

import numpy as np  # noqa: E402
import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import PBKDF2PasswordHasher  # noqa: E402
from django.core.management import call_command  # noqa: E402

from bench.match_latency import random_words  # noqa: E402
from catalog import ingest  # noqa: E402
from catalog.models import Status  # noqa: E402
from matching.algorithms.fingerprint import WINDOW_MARGINS  # noqa: E402
from matching.index import store  # noqa: E402
from matching.index.lookalike_memory import DIMENSIONS, LookalikeIndex, codes  # noqa: E402
from matching.models import IndexEvent  # noqa: E402
from matching.providers.local import LocalHashProvider  # noqa: E402
from matching.safety import imaging  # noqa: E402
from tests import corpus  # noqa: E402
from tests.servers import free_port  # noqa: E402

WINDOWS = len(WINDOW_MARGINS)
REAL = 20
FIRST_SYNTHETIC = 1000
USER, PASSWORD = "bench", "bench-password"


def real_catalog() -> None:
    for number in range(1, REAL + 1):
        loaded = imaging.load_image(corpus.encode(corpus.artwork(number), "PNG"))
        ingest.create_item(loaded, title=f"Art {number}", status=Status.PUBLISHED)
    user = get_user_model().objects.create_superuser(USER, "bench@likeness.test")
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "benchsalt")  # one the production settings accept
    user.save()


def synthetic(size: int, seed: int = 5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"ids": np.arange(FIRST_SYNTHETIC, FIRST_SYNTHETIC + size, dtype=np.int64),
            "keys": random_words(rng, (size, WINDOWS)), "hashes": random_words(rng, (size, WINDOWS, 4))}  # fmt: skip


CHUNK = 10_000


def vectors(start: int) -> np.ndarray:
    """Random unit embeddings of the synthetic images start .. start + CHUNK (made when needed: 5 KB each)."""
    chunk = np.random.default_rng(start).standard_normal((CHUNK, DIMENSIONS), dtype=np.float32)
    return chunk / np.linalg.norm(chunk, axis=1, keepdims=True)


def store_rows(rows: dict[str, np.ndarray], database: Path) -> float:
    """The synthetic images as catalog, fingerprint and embedding rows (raw SQL: the ORM would take hours)."""
    started = time.perf_counter()
    rng = np.random.default_rng(9)
    features = rng.integers(0, 256, 14_400, dtype=np.uint8).tobytes()  # a typical blob's size; never decoded
    with sqlite3.connect(database) as db:
        template = db.execute("SELECT * FROM catalog_catalogimage LIMIT 1").fetchone()
        columns = [c[1] for c in db.execute("PRAGMA table_info(catalog_catalogimage)")]
        at = {name: position for position, name in enumerate(columns)}
        for start in range(0, len(rows["ids"]), CHUNK):
            ids = rows["ids"][start : start + CHUNK]
            catalog_rows = []
            for image_id in ids.tolist():
                row = list(template)
                row[at["id"]], row[at["identifier"]] = image_id, f"synthetic-{image_id}"
                catalog_rows.append(row)
            db.executemany(f"INSERT INTO catalog_catalogimage VALUES ({','.join('?' * len(columns))})", catalog_rows)
            keys, hashes = rows["keys"][start : start + CHUNK], rows["hashes"][start : start + CHUNK]
            embeddings = vectors(start)[: len(ids)]
            db.executemany(
                "INSERT INTO search_imagefingerprint (image_id, sha256, version, hashes, keys, valid_windows, "
                "features, thumbnail, palette, color_shares, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '[]', '{}', "
                "'2026-01-01 00:00:00')",
                [(int(i), f"{int(i):064x}", store.VERSION, h.astype(">u8").tobytes(), k.astype(">u8").tobytes(),
                  (1 << WINDOWS) - 1, features, b"") for i, k, h in zip(ids, keys, hashes, strict=True)],
            )  # fmt: skip
            db.executemany(
                "INSERT INTO matching_imageembedding (image_id, version, vector, classes) VALUES (?, ?, ?, '[]')",
                [
                    (int(i), store.EMBEDDING_VERSION, v.astype("<f2").tobytes())
                    for i, v in zip(ids, embeddings, strict=True)
                ],
            )
    return time.perf_counter() - started


def write_snapshots(rows: dict[str, np.ndarray], index_dir: Path) -> float:
    """Snapshots of the real rows plus the synthetic ones, as `load_indexes` would leave them."""
    started = time.perf_counter()
    settings.LIKENESS = {**settings.LIKENESS, "INDEX_DIR": str(index_dir)}
    real = [np.concatenate([part[i] for part in store.iter_index_rows()]) for i in range(4)]
    provider = LocalHashProvider()
    valid = np.ones((len(rows["ids"]), WINDOWS), bool)
    provider.source.index.build(*(np.concatenate([a, b]) for a, b in zip(real, (rows["ids"], rows["keys"], rows["hashes"],
                                                                         valid), strict=True)))  # fmt: skip
    lookalike = LookalikeIndex()
    real_ids, real_vectors = next(store.iter_embeddings())
    chunks = [(real_ids, codes(real_vectors))] + [
        (rows["ids"][start : start + CHUNK], codes(vectors(start)[: len(rows["ids"][start : start + CHUNK])]))
        for start in range(0, len(rows["ids"]), CHUNK)
    ]
    lookalike.build(iter(chunks), len(real_ids) + len(rows["ids"]))
    last = IndexEvent.objects.order_by("-id").first() or IndexEvent.objects.create(image_id=0, operation="reload")
    for index in (provider, lookalike):
        index.write_snapshot(last)
    settings.LIKENESS = {**settings.LIKENESS, "INDEX_DIR": ""}
    return time.perf_counter() - started


def memory(pid: int) -> dict[str, float]:
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss"):
            values[name.lower() + "_mb"] = round(int(rest.split()[0]) / 1024, 1)
    return values


def workers_of(master: int) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


class Server:
    def __init__(self, database: Path, index_dir: str) -> None:
        self.port = free_port()
        self.env = {**{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
                    "DJANGO_SETTINGS_MODULE": "webapp.settings", "SECRET_KEY": "bench-not-a-secret",
                    "DATABASE_URL": f"sqlite:///{database}", "MEDIA_ROOT": str(WORKDIR / "media"),
                    "LIKENESS_INDEX_DIR": index_dir, "LOG_LEVEL": "WARNING", "ALLOWED_HOSTS": "127.0.0.1",
                    "QUERY_IMAGE_DIR": str(WORKDIR / "queries"), "MATCH_PROVIDER": "local"}  # fmt: skip
        self.query = corpus.encode(corpus.EDITS["thumbnail 200px"](corpus.artwork(3), np.random.default_rng(1)), "JPEG")
        self.auth = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    def start(self) -> float:
        """Seconds from starting gunicorn to the first answer of /rest/search/."""
        started = time.perf_counter()
        self.log_start = (WORKDIR / "server.log").stat().st_size if (WORKDIR / "server.log").exists() else 0
        log = (WORKDIR / "server.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "webapp/gunicorn.conf.py", "webapp.wsgi",
             "--bind", f"127.0.0.1:{self.port}", "--workers", "3", "--timeout", "600"],
            env=self.env, cwd=ROOT, stdout=log, stderr=log,
        )  # fmt: skip
        while True:
            try:
                self.search(timeout=600)
                return time.perf_counter() - started
            except requests.ConnectionError:
                time.sleep(0.05)

    def search(self, timeout: float = 60) -> float:
        began = time.perf_counter()
        response = requests.post(f"http://127.0.0.1:{self.port}/rest/search/", files={"image": ("q.jpg", self.query)},
                                 headers={"Authorization": self.auth}, timeout=timeout)  # fmt: skip
        answer = response.json()
        if answer.get("status") != "ok" or not answer["result"]:
            raise RuntimeError(f"unexpected answer: {answer}")
        return time.perf_counter() - began

    def every_worker(self) -> list[float]:
        """Answer until each of the 3 workers has answered (gunicorn spreads connections unevenly)."""
        times = [self.search() for _ in range(30)]
        return times

    def phases(self) -> dict:
        """What the server logged: load_indexes in the master, and each worker's start."""
        text = (WORKDIR / "server.log").read_bytes()[self.log_start :].decode(errors="replace")
        ready = [line.split("worker ready ", 1)[1] for line in text.splitlines() if "worker ready " in line]
        master = [line.split("load_indexes: ", 1)[1] for line in text.splitlines() if "load_indexes: " in line]
        return {"master": master, "workers": ready}

    def memory(self) -> list[dict[str, float]]:
        return [memory(pid) for pid in workers_of(self.process.pid)]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def measure(label: str, database: Path, index_dir: str, reload_rows: dict | None) -> dict:
    server = Server(database, index_dir)
    first = server.start()
    server.every_worker()
    steady = server.memory()
    result = {"first_answer_s": round(first, 2), "log": server.phases(), "workers": steady,
              "pss_total_mb": round(sum(m["pss_mb"] for m in steady), 1)}  # fmt: skip
    if reload_rows is not None:  # what update_index does: a reload event, then a new snapshot
        store.record_reload()
        result["snapshot_rewrite_s"] = round(write_snapshots(reload_rows, Path(index_dir)), 1)
        after = server.every_worker()
        result["answers_after_reload_ms"] = [round(1000 * t) for t in sorted(after)[-3:]]
        result["workers_after_reload"] = server.memory()
        result["pss_total_after_reload_mb"] = round(sum(m["pss_mb"] for m in result["workers_after_reload"]), 1)
    server.stop()
    print(f"{label}: {json.dumps(result)}", flush=True)
    return result


def elasticsearch_shape(size: int) -> dict:
    from osmem_server import OsmemServer

    from matching.algorithms.fingerprint import fingerprint as make_fingerprint
    from matching.providers.chunked import ChunkTermProvider
    from tests.search.elastic import JsonNode  # osmem answers plain JSON (see that module)

    url, options, server = os.environ.get("ELASTICSEARCH_URL"), {}, None
    if not url:
        server = OsmemServer.start(japanese=False)
        url, options = server.url, {"node_class": JsonNode}
    try:
        provider = ChunkTermProvider(URLS=[url], INDEX="likeness-bench-keys", OPTIONS=options)
        rows = synthetic(size)
        started = time.perf_counter()
        real = list(store.iter_index_rows())
        valid, fine = np.ones((size, WINDOWS), bool), np.zeros(size, bool)
        chunks = real + [(rows["ids"][s : s + CHUNK], rows["keys"][s : s + CHUNK], rows["hashes"][s : s + CHUNK],
                          valid[s : s + CHUNK], fine[s : s + CHUNK]) for s in range(0, size, CHUNK)]  # fmt: skip
        provider.source.refill(iter(chunks))
        loaded = time.perf_counter() - started
        rng = np.random.default_rng(3)
        times, found = [], 0
        for n in range(30):
            number = 1 + n % REAL
            edited = corpus.EDITS["thumbnail 200px"](corpus.artwork(number), rng)
            query = make_fingerprint(imaging.load_image(corpus.encode(edited, "JPEG")), for_query=True)
            began = time.perf_counter()
            matches = provider.match_fingerprint(query)
            times.append(time.perf_counter() - began)
            found += bool(matches) and matches[0].image_id == number
        return {"documents": provider.count(), "load_s": round(loaded, 1),
                "match_ms_p50": round(1000 * float(np.median(times)), 1),
                "match_ms_p90": round(1000 * float(np.percentile(times, 90)), 1), "found": f"{found}/30"}  # fmt: skip
    finally:
        if server is not None:
            server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--database-rows", type=int, default=0, help="Also store this many synthetic rows in SQLite.")
    parser.add_argument("--elasticsearch", type=int, default=0, help="Time the chunk-term provider with N images.")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "scale.json")
    parser.add_argument(
        "--no-reload", action="store_true",
        help="Leave out the reload (a second snapshot build in this process: at 10,000,000 images the two builds "
             "together need more than 24 GB).",
    )  # fmt: skip
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    real_catalog()
    if args.elasticsearch:
        result = elasticsearch_shape(args.elasticsearch)
        print(f"elasticsearch shape, {args.elasticsearch} images: {json.dumps(result)}", flush=True)
        args.sizes = []
    database = Path(settings.DATABASES["default"]["NAME"])  # the servers share it with this process
    results = {}
    for size in args.sizes:
        rows = synthetic(size)
        entry = results[str(size)] = {}
        index_dir = WORKDIR / f"index-{size}"
        entry["snapshot_build_s"] = round(write_snapshots(rows, index_dir), 1)
        entry["snapshot_mb"] = {name: round(sum(f.stat().st_size for f in (index_dir / name).rglob("*")) / 2**20, 1)
                                for name in ("hashes", "lookalike")}  # fmt: skip
        print(f"{size}: snapshots written in {entry['snapshot_build_s']} s", flush=True)
        entry["mapped"] = measure(
            f"{size} mapped snapshots", database, str(index_dir), None if args.no_reload else rows
        )
        if size == args.database_rows:
            entry["rows_stored_s"] = round(store_rows(rows, database), 1)
            entry["database_mb"] = round(database.stat().st_size / 2**20)
            entry["snapshots_off"] = measure(f"{size} snapshots off", database, "off", None)
            shutil.rmtree(index_dir)
            entry["first_start"] = measure(f"{size} first start (builds the snapshots)", database, str(index_dir), None)
            with sqlite3.connect(database) as db:
                for table, column in (("matching_imageembedding", "image_id"), ("search_imagefingerprint", "image_id"),
                                      ("catalog_catalogimage", "id")):  # fmt: skip
                    db.execute(f"DELETE FROM {table} WHERE {column} >= ?", (FIRST_SYNTHETIC,))
        shutil.rmtree(index_dir, ignore_errors=True)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
