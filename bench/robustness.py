"""Robustness of matching: recall@1 per edit and false matches, ours beside plain pHash and PDQ.

    .venv/bin/python bench/robustness.py [--artworks 120] [--distractors 200] [--json bench/results/robustness.json]

Originals (scikit-image's sample photos and demo artworks) are ingested into a temporary catalog
through the real ingest path and indexed by the local provider. Every edit of every original is a
query: recall@1 counts the queries whose best match is their original. A false match is any
match reported for a distractor (an image unrelated to every original) or any other original
reported for an edited query.

The baselines search the same originals over the same eight orientations, with the largest
threshold that still gives zero false matches on this corpus (more generous than a threshold safe
at ten million images).
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
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import imagehash  # noqa: E402
import numpy as np  # noqa: E402
import pdqhash  # noqa: E402
from django.db import connection  # noqa: E402
from PIL import Image  # noqa: E402

from bench import corpus  # noqa: E402
from catalog import ingest  # noqa: E402
from catalog.models import Status  # noqa: E402
from matching import fingerprint, imaging  # noqa: E402
from matching.providers import get_provider  # noqa: E402

ORIENTATIONS = [
    lambda im: im,
    lambda im: im.transpose(Image.Transpose.ROTATE_90),
    lambda im: im.transpose(Image.Transpose.ROTATE_180),
    lambda im: im.transpose(Image.Transpose.ROTATE_270),
    lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    lambda im: im.transpose(Image.Transpose.TRANSPOSE),
    lambda im: im.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
    lambda im: im.transpose(Image.Transpose.TRANSVERSE),
]


def phash_bits(image: Image.Image) -> np.ndarray:
    return imagehash.phash(image).hash.ravel()


def pdq_bits(image: Image.Image) -> np.ndarray:
    bits, _quality = pdqhash.compute(np.asarray(image.convert("RGB")))
    return bits.astype(bool)


class Baseline:
    """A global hash searched over the query's eight orientations, by exhaustive scan."""

    def __init__(self, name: str, hasher) -> None:
        self.name, self.hasher = name, hasher
        self.codes: np.ndarray | None = None

    def index(self, images: list[Image.Image]) -> None:
        thumbnails = [image.copy() for image in images]
        for image in thumbnails:
            image.thumbnail((512, 512))
        self.codes = np.array([self.hasher(image) for image in thumbnails])

    def nearest(self, query: Image.Image) -> tuple[int, int]:
        query = query.copy()
        query.thumbnail((512, 512))  # both hashes shrink far below this themselves
        variants = np.array([self.hasher(turn(query)) for turn in ORIENTATIONS])
        distances = (variants[:, None, :] != self.codes[None, :, :]).sum(axis=2).min(axis=0)
        best = int(np.argmin(distances))
        return best, int(distances[best])


def query_image(image: Image.Image) -> imaging.LoadedImage:
    return imaging.load(corpus.encode(image, "JPEG", 90), draft_size=512)


def run(artworks: int, distractor_count: int) -> dict:
    connection.creation.create_test_db(verbosity=0)
    originals = corpus.originals(artworks)
    names = list(originals)
    started = time.perf_counter()
    items = {}
    for name in names:
        loaded = ingest.load_image(corpus.encode(originals[name], "PNG"))
        items[name] = ingest.create_item(loaded, title=name, status=Status.PUBLISHED).pk
    ingest_seconds = time.perf_counter() - started
    id_to_name = {pk: name for name, pk in items.items()}
    provider = get_provider()
    baselines = [Baseline("pHash-64", phash_bits), Baseline("PDQ-256", pdq_bits)]
    for baseline in baselines:
        baseline.index([originals[name] for name in names])

    rng = np.random.default_rng(2026)
    ours: dict[str, dict] = {}
    baseline_rows: dict[str, list] = {b.name: [] for b in baselines}  # (edit, true index, found, distance)
    false_matches = []
    started = time.perf_counter()
    unmatchable: dict[str, int] = {}
    for edit, apply in corpus.EDITS.items():
        hits, counted = 0, 0
        for index, name in enumerate(names):
            query = apply(originals[name], rng)
            if np.asarray(query.convert("L"), dtype=np.float32).std() < fingerprint.MIN_WINDOW_STD:
                # The edit left no picture (a pale image brightened to white): no engine can match it.
                unmatchable[edit] = unmatchable.get(edit, 0) + 1
                continue
            counted += 1
            matches = provider.match(query_image(query), limit=5)
            hits += bool(matches) and id_to_name[matches[0].image_id] == name
            false_matches += [(edit, name, id_to_name[m.image_id]) for m in matches if id_to_name[m.image_id] != name]
            for baseline in baselines:
                found, distance = baseline.nearest(query)
                baseline_rows[baseline.name].append((edit, index, found, distance))
        ours[edit] = {"recall": hits / counted, "target": corpus.TARGETS[edit], "unmatchable": unmatchable.get(edit, 0)}
        print(f"  {edit:24s} recall@1 {hits / counted:.3f}", flush=True)
    query_seconds = time.perf_counter() - started

    distractor_images = corpus.distractors(distractor_count)
    distractor_nearest = {b.name: [] for b in baselines}
    for name, image in distractor_images.items():
        false_matches += [("distractor", name, id_to_name[m.image_id]) for m in provider.match(query_image(image))]
        for baseline in baselines:
            distractor_nearest[baseline.name].append(baseline.nearest(image)[1])

    baseline_results = {}
    for baseline in baselines:
        rows = baseline_rows[baseline.name]
        wrong = [d for (_, true, found, d) in rows if found != true] + distractor_nearest[baseline.name]
        threshold = min(wrong) - 1  # the largest threshold with zero false matches here
        per_edit = {}
        for edit in corpus.EDITS:
            selected = [(t, f, d) for (e, t, f, d) in rows if e == edit]
            per_edit[edit] = sum(f == t and d <= threshold for t, f, d in selected) / len(selected)
        baseline_results[baseline.name] = {"threshold": threshold, "recall": per_edit}

    return {
        "originals": len(names),
        "distractors": len(distractor_images),
        "queries": len(names) * len(corpus.EDITS) + len(distractor_images),
        "false_matches": false_matches,
        "unmatchable": unmatchable,
        "ours": ours,
        "baselines": baseline_results,
        "ingest_seconds": round(ingest_seconds, 1),
        "query_seconds_per_query": round(query_seconds / (len(names) * len(corpus.EDITS)), 4),
    }


def table(result: dict) -> str:
    names = list(result["baselines"])
    columns = " | ".join(f"{n} (≤{result['baselines'][n]['threshold']})" for n in names)
    header = f"| edit | target | Likeness | {columns} |"
    lines = [header, "|" + "---|" * (3 + len(names))]
    for edit, row in result["ours"].items():
        mark = "" if row["recall"] >= row["target"] else " ✗"
        others = " | ".join(f"{result['baselines'][n]['recall'][edit]:.3f}" for n in names)
        lines.append(f"| {edit} | {row['target']:.2f} | {row['recall']:.3f}{mark} | {others} |")
    if result["unmatchable"]:
        lines.append(f"\nleft out as unmatchable (no structure left after the edit): {result['unmatchable']}")
    lines.append(
        f"\nfalse matches: {len(result['false_matches'])} "
        f"({result['originals']} originals, {result['distractors']} distractors, {result['queries']} queries)"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artworks", type=int, default=120)
    parser.add_argument("--distractors", type=int, default=200)
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "robustness.json"))
    args = parser.parse_args()
    result = run(args.artworks, args.distractors)
    print(table(result))
    for false in result["false_matches"][:20]:
        print("  false match:", false)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
