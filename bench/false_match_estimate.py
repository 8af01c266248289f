"""Expected false matches per query at catalog scale, from the bit statistics of the hashes.

    .venv/bin/python bench/false_match_estimate.py [--images 10000000]

Between unrelated images, DCT-median hash bits behave like fair coin flips (half the bits of
every hash are set by construction), so the distance between two unrelated n-bit hashes follows
Binomial(n, 1/2). A query compares every looked-up (variant, window) hash of the query with every
window hash of every catalog image; the expected number of unrelated images accepted is about
comparisons x P(distance <= threshold).
"""

from __future__ import annotations

import argparse
import os
import sys
from math import comb
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from matching.algorithms.fingerprint import LOOKUP, WINDOW_MARGINS  # noqa: E402
from matching.providers.thresholds import Thresholds  # noqa: E402

LIMITS = Thresholds()


def tail(bits: int, threshold: int) -> float:
    """P(Binomial(bits, 1/2) <= threshold)."""
    return sum(comb(bits, k) for k in range(threshold + 1)) / 2**bits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=10_000_000)
    args = parser.parse_args()
    query_hashes = int(LOOKUP.sum())
    comparisons = query_hashes * len(WINDOW_MARGINS) * args.images
    print(f"{query_hashes} query hashes x {len(WINDOW_MARGINS)} windows x {args.images:,} images = {comparisons:.2e}")
    rows = [
        ("Likeness: accept on the 256-bit hash alone", 256, LIMITS.accept_distance, comparisons),
        ("Likeness: 64-bit key candidates (verified further)", 64, LIMITS.key_radius, comparisons),
        # Each verified candidate is re-hashed along its affine fit and, when that hashes apart and it has a
        # homography, along that too: two tries each.
        ("Likeness: aligned re-hash after feature verification", 256, LIMITS.aligned_distance, 2 * LIMITS.verify_limit),
        ("pHash-64 <= 12, 8 orientations", 64, 12, 8 * args.images),
        ("pHash-64 <= 5, 8 orientations", 64, 5, 8 * args.images),
        ("PDQ-256 <= 31, 8 orientations", 256, 31, 8 * args.images),
        ("PDQ-256 <= 63, 8 orientations", 256, 63, 8 * args.images),
    ]
    print("| check | bits | threshold | comparisons | P(one) | expected per query |\n|---|---|---|---|---|---|")
    for name, bits, threshold, count in rows:
        probability = tail(bits, threshold)
        print(f"| {name} | {bits} | <= {threshold} | {count:.1e} | {probability:.1e} | {count * probability:.1e} |")


if __name__ == "__main__":
    main()
