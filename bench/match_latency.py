"""Latency of the index part of a match: every query variant (orientations, skews), no decoding.

    .venv/bin/python bench/match_latency.py [--sizes 10000 100000 1000000] [--queries 300]

Synthetic fingerprints (uniformly random 64-bit keys and 256-bit hashes, which is how DCT-median
bits behave between unrelated images). Each query carries as many keys as a real query looks up
(matching.algorithms.fingerprint.LOOKUP); one variant lies a few bits from a catalog image, the others are random. Timed: LocalHashProvider.nearest
(index lookup of the looked-up keys, exact 256-bit distances of the candidates, best pair per
image) on one core.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402

from matching.algorithms.fingerprint import VARIANTS, WINDOW_MARGINS, Fingerprint  # noqa: E402
from matching.providers.local import LocalHashProvider  # noqa: E402

WINDOWS = len(WINDOW_MARGINS)


def random_words(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.integers(0, 2**63, shape, dtype=np.int64).astype(np.uint64) ^ (
        rng.integers(0, 2, shape).astype(np.uint64) << np.uint64(63)
    )


def flip(rng: np.random.Generator, words: np.ndarray, bits: int) -> np.ndarray:
    flat = words.copy().reshape(-1)
    for position in rng.choice(64 * flat.size, bits, replace=False):
        flat[position // 64] ^= np.uint64(1) << np.uint64(int(position % 64))
    return flat.reshape(words.shape)


def run(size: int, queries: int, seed: int = 7) -> dict:
    rng = np.random.default_rng(seed)
    provider = LocalHashProvider()
    keys, hashes = random_words(rng, (size, WINDOWS)), random_words(rng, (size, WINDOWS, 4))
    started = time.perf_counter()
    provider.source.index.build(np.arange(1, size + 1), keys, hashes, np.ones((size, WINDOWS), bool))
    build = time.perf_counter() - started
    timings, found = [], 0
    for _ in range(queries):
        target = int(rng.integers(size))
        query_keys = random_words(rng, (len(VARIANTS), WINDOWS))
        query_hashes = random_words(rng, (len(VARIANTS), WINDOWS, 4))
        orientation = int(rng.integers(8))
        query_keys[orientation] = [flip(rng, keys[target, w : w + 1], 3)[0] for w in range(WINDOWS)]
        query_hashes[orientation] = flip(rng, hashes[target], 12)
        query = Fingerprint(0, 0, "", query_hashes, query_keys, np.ones(WINDOWS, bool))
        started = time.perf_counter()
        best = provider.hash_candidates(query)
        timings.append(time.perf_counter() - started)
        found += target + 1 in best
    timings_ms = np.array(timings) * 1000
    return {
        "images": size,
        "p50_ms": round(float(np.percentile(timings_ms, 50)), 3),
        "p99_ms": round(float(np.percentile(timings_ms, 99)), 3),
        "recall": found / queries,
        "bytes_per_image": round(provider.source.index.memory_bytes() / size, 1),
        "build_seconds": round(build, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "match_latency.json"))
    args = parser.parse_args()
    rows = []
    print("| images | p50 ms | p99 ms | recall | bytes/image | build s |\n|---|---|---|---|---|---|")
    for size in args.sizes:
        row = run(size, args.queries)
        rows.append(row)
        print(
            f"| {row['images']:,} | {row['p50_ms']} | {row['p99_ms']} | {row['recall']:.3f} | "
            f"{row['bytes_per_image']} | {row['build_seconds']} |",
            flush=True,
        )
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
