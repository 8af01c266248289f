"""Colour search, quality and speed in one run: precision@10 on a labelled set for Likeness and two baselines, then
latency over 10,000 and 1,000,000 signatures by number of query colours, the previous ranking code alternating
with the current one.

    .venv/bin/python -m bench.color_search [--painted 900] [--sizes 10000 1000000] [--queries 40] [--json FILE]

Quality. The labelled set is bench/color_painted.py: pictures painted with known colour shares (flat, gradients,
textures, painterly noise, JPEG or not, 48 to 800 pixels a side) and recoloured copies of scikit-image's packaged
photos. A query colour is a paint moved 4 CIELAB units in a random direction (nobody picks the exact paint).
Relevance comes from the painting alone: a picture's share near a query colour is the area painted in paints
within RELEVANT_DELTA_E (CIEDE2000) of it. Kinds of query:
  - single: every paint alone; relevant when at least SINGLE_SHARE of the picture is near it;
  - near-miss shade: the paints that have a sibling shade in the set (navy and royal blue, crimson and scarlet,
    ...) alone, same relevance; the siblings are the distractors;
  - weighted pair: two paints 70/30 and 30/70; relevant when the picture holds each colour in at least half its
    asked share (so navy 70 / ochre 30 wants navy >= 35% and ochre >= 15%).
Compared: Likeness (`ColorPostings.top`, what both search backends compute); a plain RGB-histogram intersection
(8 levels a channel on the same 64-pixel box-shrunk picture; score = sum of min(weight, share of the query
colour's RGB bin)); the twelve colour names' filter (pictures holding every query colour's name on at least 8% of
their area, as the filter keeps them, ordered, more kindly than the filter itself, by the named share).

Speed. The set's signatures, repeated with every bin moved by a random CIELAB offset (a colour cast per copy and a
little per bin) until the wanted size: the bins' spread is that of real pictures. Queries are random colours with
random weights. Timed: the kernel and `ColorPostings.top(limit=MAX_COLOR_CANDIDATES)` as the database backend
calls it, one core (OMP/BLAS threads at 1), the previous code (`legacy_top`, kept here as it was) alternating
query by query with the current one, so the ratio holds whatever else the machine runs.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
from skimage.color import deltaE_ciede2000

from bench.color_painted import (
    NEAR_MISSES,
    PAINTS,
    PAIRS,
    RELEVANT_DELTA_E,
    Painted,
    labelled_set,
    packaged_photos,
    paint_lab,
)
from matching.algorithms import color_signature as cs
from matching.algorithms.fingerprint import COLOR_CLASS_MIN_SHARE, COLOR_NAMES, color_names, colors

MAX_COLOR_CANDIDATES, COLOR_FLOOR = 2000, 0.02  # as search.colors has them (which needs Django)
SINGLE_SHARE = 0.25
JITTER = 4.0
RGB_LEVELS = 8
BEFORE = cs.ColorTolerance(flat=0.0, sigma=9.0, cutoff=16.0)  # the kernel the previous code used


@dataclass(frozen=True)
class ColorQuery:
    kind: str
    labs: tuple[np.ndarray, ...]
    weights: tuple[float, ...]
    label: str

    @property
    def rgb(self) -> np.ndarray:
        return np.array([cs.lab_to_rgb(lab) for lab in self.labs], np.uint8)


@dataclass
class Catalog:
    pictures: list[Painted]
    postings: cs.ColorPostings
    rgb_hist: np.ndarray  # (N, RGB_LEVELS**3) shares
    named: np.ndarray  # (N, 12) share of each colour name
    part_labs: np.ndarray  # (M, 3) the Lab every part of every picture was painted in
    part_shares: np.ndarray  # (M,) its share of its picture
    part_owner: np.ndarray  # (M,) its picture
    signatures: list[cs.ColorSignature]
    photos: list[cs.ColorSignature]  # of photo crops, for the timing only


def build(pictures: list[Painted]) -> Catalog:
    signatures, hists, named = [], [], []
    for pic in pictures:
        small = cs.sample(pic.rgb)  # the 64-pixel square every method counts
        signatures.append(cs.of_sample(small))
        cells = (np.asarray(small).reshape(-1, 3).astype(np.int64) * RGB_LEVELS) // 256
        flat = (cells[:, 0] * RGB_LEVELS + cells[:, 1]) * RGB_LEVELS + cells[:, 2]
        hists.append(np.bincount(flat, minlength=RGB_LEVELS**3) / len(flat))
        shares = colors(small)[1]
        named.append([shares.get(name, 0.0) for name in COLOR_NAMES])
    postings = cs.ColorPostings(np.arange(len(pictures)), signatures)
    part_labs = np.concatenate([pic.labs for pic in pictures])
    part_shares = np.array([share for pic in pictures for _, share in pic.parts])
    part_owner = np.repeat(np.arange(len(pictures)), [len(pic.parts) for pic in pictures])
    return Catalog(
        pictures,
        postings,
        np.array(hists),
        np.array(named),
        part_labs,
        part_shares,
        part_owner,
        signatures,
        photo_signatures(),
    )


def make_queries(seed: int = 3) -> list[ColorQuery]:
    rng = np.random.default_rng(seed)

    def moved(name: str) -> np.ndarray:
        step = rng.normal(size=3)
        return paint_lab(name) + JITTER * step / np.linalg.norm(step)

    found = [ColorQuery("single", (moved(name),), (1.0,), name) for name in PAINTS]
    shades = sorted({name for pair in NEAR_MISSES for name in pair})
    found += [ColorQuery("near-miss shade", (moved(name),), (1.0,), name) for name in shades]
    for a, b in PAIRS:
        for weight in (0.7, 0.3):
            found.append(ColorQuery("weighted pair", (moved(a), moved(b)), (weight, 1 - weight),
                                    f"{a} {weight:.0%} + {b} {1 - weight:.0%}"))  # fmt: skip
    return found


def relevant(catalog: Catalog, query: ColorQuery) -> np.ndarray:
    """(N,) bool from the painting: the share painted near each query colour against the kind's rule."""
    ok = np.ones(len(catalog.pictures), bool)
    for lab, weight in zip(query.labs, query.weights, strict=True):
        distance = deltaE_ciede2000(np.broadcast_to(lab, catalog.part_labs.shape), catalog.part_labs)
        near = np.bincount(catalog.part_owner, weights=catalog.part_shares * (distance < RELEVANT_DELTA_E),
                           minlength=len(catalog.pictures))  # fmt: skip
        ok &= near >= (SINGLE_SHARE if len(query.labs) == 1 else weight / 2)
    return ok


def rank_likeness(catalog: Catalog, query: ColorQuery) -> list[int]:
    return [pk for pk, _ in catalog.postings.top(cs.kernel(list(query.labs)), query.weights, 10, COLOR_FLOOR)]


def rank_rgb_histogram(catalog: Catalog, query: ColorQuery) -> list[int]:
    cells = (query.rgb.astype(np.int64) * RGB_LEVELS) // 256
    flat = (cells[:, 0] * RGB_LEVELS + cells[:, 1]) * RGB_LEVELS + cells[:, 2]
    scores = np.minimum(np.array(query.weights)[None], catalog.rgb_hist[:, flat]).sum(1)
    order = np.lexsort((np.arange(len(scores)), -scores))
    return [int(i) for i in order[:10] if scores[i] > 0]


def rank_color_names(catalog: Catalog, query: ColorQuery) -> list[int]:
    names = color_names(query.rgb)
    holds = (catalog.named[:, names] >= COLOR_CLASS_MIN_SHARE).all(1)
    scores = (catalog.named[:, names] * np.array(query.weights)[None]).sum(1)
    passing = np.flatnonzero(holds)
    return [int(i) for i in passing[np.lexsort((passing, -scores[passing]))][:10]]


METHODS: dict[str, Callable[[Catalog, ColorQuery], list[int]]] = {
    "Likeness (CIELAB signature, CIEDE2000)": rank_likeness,
    "RGB histogram intersection": rank_rgb_histogram,
    "twelve colour names filter": rank_color_names,
}
KINDS = ("single", "near-miss shade", "weighted pair")


def quality(catalog: Catalog, asked: list[ColorQuery]) -> dict[str, dict[str, float]]:
    table: dict[str, dict[str, list[float]]] = {name: {kind: [] for kind in KINDS} for name in METHODS}
    for query in asked:
        truth = relevant(catalog, query)
        if truth.sum() < 10:  # P@10 needs ten relevant pictures to be reachable
            print(f"  left out: {query.label} ({int(truth.sum())} relevant)")
            continue
        for name, rank in METHODS.items():
            table[name][query.kind].append(float(truth[rank(catalog, query)].sum()) / 10)
    return {name: {kind: float(np.mean(v)) for kind, v in kinds.items() if v} for name, kinds in table.items()}


# --- speed ------------------------------------------------------------------------------------------------------


def photo_signatures(count: int = 400, seed: int = 9) -> list[cs.ColorSignature]:
    """Signatures of random crops of scikit-image's packaged photos, as they are (photos spread over more bins
    than paintings, and so make longer lists to read)."""
    rng = np.random.default_rng(seed)
    photos = [photo for _, photo in packaged_photos()]
    found = []
    for _ in range(count):
        photo = photos[int(rng.integers(len(photos)))]
        height, width = photo.shape[:2]
        h, w = int(rng.integers(height // 4, height + 1)), int(rng.integers(width // 4, width + 1))
        y, x = int(rng.integers(0, height - h + 1)), int(rng.integers(0, width - w + 1))
        found.append(cs.signature(photo[y : y + h, x : x + w]))
    return found


def grown(catalog: Catalog, size: int, seed: int = 7) -> cs.ColorPostings:
    """`size` signatures: half the labelled set's, half photo crops' (`photo_signatures`), each copied with a
    colour cast (N(0, 6) CIELAB) of its own and N(0, 2) per bin."""
    rng = np.random.default_rng(seed)
    pool = catalog.signatures + catalog.photos
    chance = np.r_[np.full(len(catalog.signatures), 0.5 / len(catalog.signatures)),
                   np.full(len(catalog.photos), 0.5 / len(catalog.photos))]  # fmt: skip
    lengths = np.array([len(sig.bins) for sig in pool])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    bins = np.concatenate([sig.bins for sig in pool])
    shares = np.concatenate([sig.shares for sig in pool])
    source = rng.choice(len(pool), size, p=chance)
    owners = np.repeat(np.arange(size), lengths[source])
    first = np.repeat(np.cumsum(lengths[source]) - lengths[source], lengths[source])
    at = np.repeat(starts[source], lengths[source]) + np.arange(len(owners)) - first
    lab = cs.bin_centres()[bins[at]] + np.repeat(rng.normal(0, 6, (size, 3)), lengths[source], axis=0)
    lab += rng.normal(0, 2, lab.shape)
    return cs.ColorPostings.from_arrays(np.arange(size), owners, cs.bins_of(lab), shares[at])


def legacy_top(postings: cs.ColorPostings, near: np.ndarray, weights: Sequence[float], limit: int) -> list:
    """The ranking as it was before this benchmark (a per-colour bincount into float64, then min and sum)."""
    out = np.zeros((len(near), len(postings)), np.float32)
    for q, row in enumerate(near):
        touched = np.flatnonzero(row)
        spans = [slice(postings.offsets[b], postings.offsets[b + 1]) for b in touched]
        rows = np.concatenate([postings.rows[span] for span in spans])
        values = np.concatenate([postings.shares[span] * row[b] for span, b in zip(spans, touched, strict=True)])
        out[q] = np.bincount(rows, weights=values, minlength=len(postings))
    np.minimum(cs.normalised(weights).astype(np.float32)[:, None], out, out=out)
    found = out.sum(0, dtype=np.float32)
    candidates = np.flatnonzero(found > COLOR_FLOOR)
    if len(candidates) > limit:
        candidates = candidates[np.argpartition(-found[candidates], limit - 1)[:limit]]
    candidates = candidates[np.lexsort((postings.ids[candidates], -found[candidates]))]
    return [(int(postings.ids[i]), float(found[i])) for i in candidates]


def latency(postings: cs.ColorPostings, colours: int, count: int, seed: int = 11) -> dict[str, tuple[float, float]]:
    rng = np.random.default_rng(seed + colours)
    times: dict[str, list[float]] = {"before": [], "after": []}
    for _ in range(count):
        labs = list(cs.rgb_to_lab(rng.integers(0, 256, (colours, 3))))
        weights = rng.dirichlet(np.ones(colours)).tolist()
        for which in ("before", "after") if rng.random() < 0.5 else ("after", "before"):
            start = time.perf_counter()
            if which == "before":
                legacy_top(postings, cs.kernel(labs, BEFORE), weights, MAX_COLOR_CANDIDATES)
            else:
                postings.top(cs.kernel(labs), weights, MAX_COLOR_CANDIDATES, COLOR_FLOOR)
            times[which].append((time.perf_counter() - start) * 1000)
    return {k: (float(np.percentile(v, 50)), float(np.percentile(v, 90))) for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--painted", type=int, default=900, help="painted pictures (besides pairs and photos)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=40, help="timed queries per row")
    parser.add_argument("--json", help="write the figures here too")
    args = parser.parse_args()
    start = time.perf_counter()
    catalog = build(list(labelled_set(args.painted)))
    styles = {s: sum(p.style == s for p in catalog.pictures) for s in sorted({p.style for p in catalog.pictures})}
    print(f"labelled set: {len(catalog.pictures)} pictures {styles}, built in {time.perf_counter() - start:.0f} s")
    asked = make_queries()
    table = quality(catalog, asked)
    counts = {kind: sum(q.kind == kind for q in asked) for kind in KINDS}
    print("\n| method | " + " | ".join(f"{k} P@10 ({counts[k]} queries)" for k in KINDS) + " |")
    print("|---|" + "---:|" * len(KINDS))
    for name, kinds in table.items():
        print(f"| {name} | " + " | ".join(f"{kinds.get(k, float('nan')):.2f}" for k in KINDS) + " |")
    timing: dict[str, dict[str, dict[str, tuple[float, float]]]] = {}
    print("\n| signatures | colours | before p50 / p90 ms | after p50 / p90 ms | after / before p50 |")
    print("|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        postings = grown(catalog, size)
        for colours in (1, 2, 5):
            found = latency(postings, colours, args.queries)
            timing.setdefault(str(size), {})[str(colours)] = found
            (b50, b90), (a50, a90) = found["before"], found["after"]
            print(f"| {size:,} | {colours} | {b50:.1f} / {b90:.1f} | {a50:.1f} / {a90:.1f} | {a50 / b50:.2f} |",
                  flush=True)  # fmt: skip
        del postings
    if args.json:
        with open(args.json, "w") as out:
            json.dump({"precision_at_10": table, "latency_ms": timing, "queries": counts}, out, indent=1)


if __name__ == "__main__":
    main()
