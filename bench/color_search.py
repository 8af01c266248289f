"""Colour search latency: ranking generated colour signatures by one, two and five query colours.

    .venv/bin/python -m bench.color_search [--sizes 10000 100000 1000000] [--queries 30]

The signatures are made in memory (no database): each picture holds 4-24 bins of the CIELAB palette, drawn
around a few random colours with Dirichlet shares, as median-cut photos do. The timing is what the
database backend's `ColorIndex.top` does per query: the CIEDE2000 kernel of the query colours against the
palette, the inverted lists of the bins near them, and the top 2,000. One core (OMP/BLAS threads at 1).
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from matching.algorithms.color_signature import ColorPostings, bin_centres, bins_of, kernel, rgb_to_lab

MAX_COLOR_CANDIDATES, COLOR_FLOOR = 2000, 0.02  # as search.colors has them (which needs Django)


def generated(size: int, seed: int = 7) -> ColorPostings:
    """`size` signatures: 2-4 base colours per picture, each spread over up to 6 nearby bins."""
    rng = np.random.default_rng(seed)
    per_picture = rng.integers(2, 5, size)
    base = bins_of(rgb_to_lab(rng.integers(0, 256, (int(per_picture.sum()), 3))))
    centres = bin_centres()
    spread = rng.integers(1, 7, len(base))
    # the bins near each base colour: its centre moved by up to one grid step, snapped back to the palette
    offsets = rng.normal(0, 6, (int(spread.sum()), 3)).astype(np.float32)
    bins = bins_of(np.repeat(centres[base], spread, axis=0) + offsets)
    owners = np.repeat(np.repeat(np.arange(size), per_picture), spread)
    shares = rng.dirichlet(np.ones(3), len(bins))[:, 0].astype(np.float32)
    totals = np.bincount(owners, weights=shares, minlength=size)
    shares = shares / totals[owners].astype(np.float32)
    return ColorPostings.from_arrays(np.arange(1, size + 1), owners, bins, shares)


def queries(count: int, colors: int, seed: int = 11) -> list[tuple[np.ndarray, list[float]]]:
    rng = np.random.default_rng(seed + colors)
    out = []
    for _ in range(count):
        labs = rgb_to_lab(rng.integers(0, 256, (colors, 3)))
        weights = rng.dirichlet(np.ones(colors)).tolist()
        out.append((labs, weights))
    return out


def measure(postings: ColorPostings, asked: list[tuple[np.ndarray, list[float]]]) -> tuple[float, float]:
    times = []
    for labs, weights in asked:
        start = time.perf_counter()
        postings.top(kernel(list(labs)), weights, MAX_COLOR_CANDIDATES, COLOR_FLOOR)
        times.append(time.perf_counter() - start)
    return float(np.percentile(times, 50) * 1000), float(np.percentile(times, 95) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=30, help="queries per row")
    args = parser.parse_args()
    print("| signatures | colours | p50 ms | p95 ms | build s |")
    print("|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        start = time.perf_counter()
        postings = generated(size)
        built = time.perf_counter() - start
        for colors in (1, 2, 5):
            p50, p95 = measure(postings, queries(args.queries, colors))
            print(f"| {size:,} | {colors} | {p50:.1f} | {p95:.1f} | {built:.1f} |", flush=True)


if __name__ == "__main__":
    main()
