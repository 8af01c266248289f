"""The look-alike index at catalog scale: memory per image, query latency, agreement with exact search.

    .venv/bin/python bench/lookalike_index.py [--emoji-package DIR] [--sizes 100000 1000000] [--json FILE]

Agreement: real embeddings of every Noto emoji drawing (bench/lookalike.py's npm package) and of
crops and mirrors of scikit-image's photos; each of 300 queries asks for its 10 nearest, compared with
exact float32 search: by the compressed codes alone, and after the exact rerank of the top K.
Latency and memory: synthetic catalogs of 100,000 and 1,000,000 vectors (real embeddings with a
little noise, so the codes are realistic), built as the index loads them (inverted lists from
lookalike.IVF_FROM images); the index part (stage 1: RERANK candidates for look-alikes, the copy
stage's Thresholds().embedding_rerank) on one thread, p50 and p95 over 50 queries that are near copies of
stored vectors, and how often stage 1 returns that vector; and the rerank's read of RERANK stored
float16 embeddings by primary key from SQLite (a 20,000-row table: a primary-key read barely
depends on table size).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.django_env import setup  # noqa: E402

setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402

from matching.embeddings.model import embedder, preprocess  # noqa: E402
from matching.index import lookalike_memory as lookalike  # noqa: E402
from matching.index import store  # noqa: E402
from matching.index.similarity import RERANK  # noqa: E402
from matching.providers.thresholds import Thresholds  # noqa: E402
from tests import corpus  # noqa: E402


def real_vectors(package: Path) -> np.ndarray:
    from skimage import data

    pictures = []
    for path in sorted((package / "img" / "google" / "64").glob("*.png")):
        pictures.append(corpus.on_white(path, 224))
    rng = np.random.default_rng(0)
    for name in ("astronaut", "chelsea", "coffee", "rocket", "cat", "camera", "brick", "grass", "gravel", "retina"):
        photo = Image.fromarray(getattr(data, name)()).convert("RGB")
        for _ in range(60):
            w, h = photo.size
            scale = rng.uniform(0.3, 1.0)
            cw, ch = int(w * scale), int(h * scale)
            x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
            crop = photo.crop((x, y, x + cw, y + ch))
            pictures.append(ImageOps.mirror(crop) if rng.random() < 0.5 else crop)
    vectors = []
    for start in range(0, len(pictures), 32):
        batch = np.stack([preprocess(p) for p in pictures[start : start + 32]])
        vectors += [e.vector for e in embedder().embed_batch(batch)]
    return np.stack(vectors)


def agreement(vectors: np.ndarray, queries: int = 300) -> dict[str, float]:
    rng = np.random.default_rng(1)
    chosen = rng.choice(len(vectors), queries, replace=False)
    exact = vectors[chosen] @ vectors.T
    truth = [set(np.argsort(-row, kind="stable")[:10].tolist()) for row in exact]
    index = lookalike.LookalikeIndex()
    index.build([(np.arange(len(vectors), dtype=np.int64), lookalike.codes(vectors))], len(vectors))
    result = {}
    for k in (10, 20, 50, 100, RERANK):
        scores = []
        for row, query in enumerate(vectors[chosen]):
            found = np.array(index.candidates(query, k))
            top = found[np.argsort(-(vectors[found] @ query), kind="stable")[:10]]  # the exact rerank of k
            scores.append(len(set(top.tolist()) & truth[row]) / 10)
        result["codes only" if k == 10 else f"rerank top {k}"] = float(np.mean(scores))
    return result


def latency(vectors: np.ndarray, size: int) -> dict[str, float]:
    """Build an index of `size` noisy copies of the real vectors; time stage 1 and check it finds near copies."""
    rng = np.random.default_rng(size)
    planted: dict[int, np.ndarray] = {}  # id -> the vector stored under it, for 50 of them

    def chunks():
        for start in range(0, size, 100_000):
            count = min(100_000, size - start)
            chunk = vectors[rng.integers(0, len(vectors), count)] + rng.normal(0, 0.01, (count, vectors.shape[1]))
            chunk /= np.linalg.norm(chunk, axis=1, keepdims=True)
            for position in rng.choice(count, max(1, 50 * count // size), replace=False):
                planted[start + int(position)] = chunk[position].astype(np.float32)
            yield np.arange(start, start + count, dtype=np.int64), lookalike.codes(chunk)

    index = lookalike.LookalikeIndex()
    started = time.perf_counter()
    index.build(chunks(), size)
    built = time.perf_counter() - started
    times, copy_times, found = [], [], 0
    for image_id, stored in list(planted.items())[:50]:
        query = stored + rng.normal(0, 0.004, stored.shape).astype(np.float32)  # a near copy: cosine about 0.99
        query /= np.linalg.norm(query)
        began = time.perf_counter()
        index.candidates(query, RERANK)
        times.append(1000 * (time.perf_counter() - began))
        began = time.perf_counter()
        candidates = index.candidates(query, Thresholds().embedding_rerank)
        copy_times.append(1000 * (time.perf_counter() - began))
        found += image_id in candidates
    return {"images": size, "kind": type(index.index).__name__, "build s": round(built, 1),
            "bytes per image": index.memory_bytes() / size, "p50 ms": float(np.percentile(times, 50)),
            "p95 ms": float(np.percentile(times, 95)), "copy stage p50 ms": float(np.percentile(copy_times, 50)),
            "near copies found": found / min(50, len(planted))}  # fmt: skip


def rerank_read(vectors: np.ndarray) -> float:
    from catalog.models import CatalogImage

    call_command("migrate", verbosity=0)
    rows = 20_000
    items = CatalogImage.objects.bulk_create(
        (CatalogImage(title=f"row {n}", identifier=f"row-{n}", image=f"x{n}.png") for n in range(rows)), batch_size=2000
    )
    for item, vector in zip(items, vectors[np.arange(rows) % len(vectors)], strict=True):
        store.save_embedding(item.pk, vector, ())
    rng = np.random.default_rng(2)
    times = []
    for _ in range(50):
        ids = [int(i) for i in rng.choice([item.pk for item in items], RERANK, replace=False)]
        started = time.perf_counter()
        list(store.iter_embeddings(ids=ids))
        times.append(1000 * (time.perf_counter() - started))
    return float(np.percentile(times, 50))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--emoji-package", type=Path, default=ROOT / "var" / "bench" / "package")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "lookalike_index.json")
    args = parser.parse_args()
    if not (args.emoji_package / "emoji.json").exists():
        sys.exit(f"No emoji package at {args.emoji_package}; see bench/lookalike.py's docstring to fetch it.")
    vectors = real_vectors(args.emoji_package)
    agree = agreement(vectors)
    print(f"agreement with exact top-10 ({len(vectors)} real embeddings, 300 queries):")
    for name, value in agree.items():
        print(f"  {name:18s} {value:.3f}")
    scale = [latency(vectors, size) for size in args.sizes]
    print(
        f"index part (faiss, one thread): {RERANK} candidates for look-alikes, {Thresholds().embedding_rerank} for copies"
    )
    for row in scale:
        print(f"  {row['images']:>9,d} images  {row['kind']}  built in {row['build s']} s  "
              f"{row['bytes per image']:.0f} B/image  p50 {row['p50 ms']:.1f} ms  p95 {row['p95 ms']:.1f} ms  "
              f"copy stage p50 {row['copy stage p50 ms']:.1f} ms  near copies found {row['near copies found']:.2f}")  # fmt: skip
    read = rerank_read(vectors)
    print(f"rerank: reading {RERANK} stored embeddings from SQLite, p50 {read:.1f} ms")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"agreement": agree, "scale": scale, "rerank read p50 ms": read}, indent=2))


if __name__ == "__main__":
    main()
