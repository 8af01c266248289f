"""Robustness of matching: recall@1 per edit and false matches, ours beside pHash, PDQ and brute-force ORB.

    .venv/bin/python bench/robustness.py [--artworks 120] [--distractors 300] [--emoji-package DIR]
                                         [--orb-sample 25] [--json bench/results/robustness.json]
                                         [--originals-long-side N]

Originals (scikit-image's sample photos and demo artworks) are ingested into a temporary catalog
through the real ingest path (embeddings included) and indexed by the local provider. Every edit of
every original is a query: recall@1 counts the queries whose best match is their original. A false
match is any match reported for a distractor (an image unrelated to every original) or any other
original reported for an edited query. Each edit's row also counts the photos and the artworks found
apart (the issue measured natural photos and painted art apart).

Distractors: never-indexed demo artworks (paintings), tiles of the texture and astronomy samples
(repeating patterns), and Google's Noto emoji (flat graphics; the npm package
`emoji-datasource-google`, fetched once as tests/corpus.py's EMOJI_PACKAGE_HELP says).

The baselines search the same originals with the largest threshold that still gives zero false
matches on this corpus (more generous than a threshold safe at ten million images): pHash-64 and
PDQ-256 over the same eight orientations, and brute-force ORB (our features, RANSAC against every
original, most inliers wins) on the first --orb-sample originals of each edit and as many
distractors, as the issue measured it.
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

from catalog import ingest  # noqa: E402
from catalog.models import Status  # noqa: E402
from matching.algorithms import fingerprint  # noqa: E402
from matching.algorithms.overlay import STRONG_PIXELS  # noqa: E402
from matching.algorithms.verify import verify  # noqa: E402
from matching.index.lookalike import get_lookalike_index  # noqa: E402
from matching.providers import get_provider, rules  # noqa: E402
from matching.query import QueryImage  # noqa: E402
from matching.safety import imaging  # noqa: E402
from tests import corpus  # noqa: E402

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


class BruteForceORB:
    """Every original's local features, verified against the query's one by one (upright and mirrored)."""

    name = "ORB brute force"

    def __init__(self) -> None:
        self.features: list[bytes] = []

    def index(self, images: list[Image.Image]) -> None:
        self.features = [fingerprint.fingerprint(query_image(image)).features for image in images]

    def nearest(self, query: Image.Image) -> tuple[int, int]:
        """(best original, its inliers), or (-1, 0) when none verifies."""
        found = fingerprint.fingerprint(query_image(query), for_query=True)
        best, most = -1, 0
        for position, features in enumerate(self.features):
            for own in (found.features, found.mirrored_features):
                checked = verify(own, features)
                if checked is not None and checked.inliers > most:
                    best, most = position, checked.inliers
        return best, most


def query_image(image: Image.Image) -> imaging.LoadedImage:
    return imaging.load_image(corpus.encode(image, "JPEG", 90))  # decoded as a query to the site is


def enlarged(image: Image.Image, long_side: int) -> Image.Image:
    scale = long_side / max(image.size)
    return image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS)


def run(
    artworks: int, distractor_count: int, emoji_package: Path | None, orb_sample: int, emoji_limit=None, edits=None,
    long_side: int | None = None,
) -> dict:  # fmt: skip
    connection.creation.create_test_db(verbosity=0)
    originals = corpus.originals(artworks)
    if long_side:  # a catalog of large JPEGs, as photographers deliver: the draft decode at work on both sides
        originals = {name: enlarged(image, long_side) for name, image in originals.items()}
    names = list(originals)
    started = time.perf_counter()
    items = {}
    for name in names:
        original = corpus.encode(originals[name], "JPEG", 90) if long_side else corpus.encode(originals[name], "PNG")
        loaded = imaging.load_image(original)
        items[name] = ingest.create_item(loaded, title=name, status=Status.PUBLISHED).pk
    ingest_seconds = time.perf_counter() - started
    id_to_name = {pk: name for name, pk in items.items()}
    provider = get_provider()
    baselines = [Baseline("pHash-64", phash_bits), Baseline("PDQ-256", pdq_bits)]
    for baseline in baselines:
        baseline.index([originals[name] for name in names])
    orb = BruteForceORB()
    orb.index([originals[name] for name in names])
    orb_rows: list[tuple[str, int, int, int]] = []

    rng = np.random.default_rng(2026)
    latencies: list[float] = []
    misses: list[tuple[str, str]] = []
    ours: dict[str, dict] = {}
    baseline_rows: dict[str, list] = {b.name: [] for b in baselines}  # (edit, true index, found, distance)
    false_matches = []
    started = time.perf_counter()
    unmatchable: dict[str, int] = {}
    chosen = {name: apply for name, apply in corpus.EDITS.items() if not edits or name in edits}
    for edit, apply in chosen.items():
        hits, counted = 0, 0
        by_kind = {"photo": [0, 0], "art": [0, 0]}  # found, counted: the issue measured these apart
        for index, name in enumerate(names):
            query = apply(originals[name], rng)
            if np.asarray(query.convert("L"), dtype=np.float32).std() < fingerprint.MIN_WINDOW_STD:
                # The edit left no picture (a pale image brightened to white): no engine can match it.
                unmatchable[edit] = unmatchable.get(edit, 0) + 1
                continue
            counted += 1
            loaded = query_image(query)
            began = time.perf_counter()
            matches = provider.match(QueryImage(loaded), limit=5)
            latencies.append(time.perf_counter() - began)
            hit = bool(matches) and id_to_name[matches[0].image_id] == name
            hits += hit
            kind = by_kind[name.partition(":")[0]]
            kind[0], kind[1] = kind[0] + hit, kind[1] + 1
            if not hit:
                misses.append((edit, name))
            false_matches += [(edit, name, id_to_name[m.image_id]) for m in matches if id_to_name[m.image_id] != name]
            for baseline in baselines:
                found, distance = baseline.nearest(query)
                baseline_rows[baseline.name].append((edit, index, found, distance))
            if index < orb_sample:
                orb_rows.append((edit, index, *orb.nearest(query)))
        ours[edit] = {"recall": hits / counted, "target": corpus.TARGETS[edit], "unmatchable": unmatchable.get(edit, 0),
                      "photos": f"{by_kind['photo'][0]}/{by_kind['photo'][1]}",
                      "artworks": f"{by_kind['art'][0]}/{by_kind['art'][1]}"}  # fmt: skip
        print(f"  {edit:24s} recall@1 {hits / counted:.3f}", flush=True)
    query_seconds = time.perf_counter() - started

    distractor_images = corpus.distractors(distractor_count, emoji_package=emoji_package, emoji_limit=emoji_limit)
    # Every verification a distractor query makes is of a wrong candidate: count how many pass each check.
    checks = {"verifications": 0, "verified": 0, "correlations": []}
    plain_verify, plain_correlation = rules.verify, rules.aligned_correlation

    def counted_verify(*args, **kwargs):
        found = plain_verify(*args, **kwargs)
        checks["verifications"] += 1
        checks["verified"] += found is not None
        return found

    def counted_correlation(*args, **kwargs):
        value = plain_correlation(*args, **kwargs)
        checks["correlations"].append(value)
        return value

    rules.verify, rules.aligned_correlation = counted_verify, counted_correlation
    distractor_nearest = {b.name: [] for b in baselines}
    orb_distractors = []
    distractor_latencies = []
    for position, (name, image) in enumerate(distractor_images.items()):
        loaded = query_image(image)
        began = time.perf_counter()
        found = provider.match(QueryImage(loaded))
        distractor_latencies.append(time.perf_counter() - began)
        false_matches += [("distractor", name, id_to_name[m.image_id]) for m in found]
        for baseline in baselines:
            distractor_nearest[baseline.name].append(baseline.nearest(image)[1])
        if orb_sample and position % max(1, len(distractor_images) // (orb_sample * 4)) == 0:  # a spread sample
            orb_distractors.append(orb.nearest(image)[1])
    rules.verify, rules.aligned_correlation = plain_verify, plain_correlation
    correlations = [value.pixels for value in checks["correlations"] if value is not None]
    edges_at_strong_pixels = [
        round(value.edges, 3) for value in checks["correlations"] if value is not None and value.pixels >= STRONG_PIXELS
    ]

    baseline_results = {}
    for baseline in baselines:
        rows = baseline_rows[baseline.name]
        wrong = [d for (_, true, found, d) in rows if found != true] + distractor_nearest[baseline.name]
        threshold = min(wrong) - 1  # the largest threshold with zero false matches here
        per_edit = {}
        for edit in chosen:
            selected = [(t, f, d) for (e, t, f, d) in rows if e == edit]
            per_edit[edit] = sum(f == t and d <= threshold for t, f, d in selected) / len(selected)
        baseline_results[baseline.name] = {"threshold": threshold, "recall": per_edit}
    # ORB: a match needs at least `threshold` inliers, the fewest above every wrong answer here.
    wrong = [n for (_, true, found, n) in orb_rows if found != true and found >= 0] + orb_distractors
    threshold = max(wrong, default=0) + 1
    per_edit = {}
    for edit in chosen:
        selected = [(t, f, n) for (e, t, f, n) in orb_rows if e == edit]
        per_edit[edit] = sum(f == t and n >= threshold for t, f, n in selected) / max(1, len(selected))
    if orb_sample:  # --orb-sample 0 leaves the (slow) ORB baseline out
        baseline_results[orb.name] = {"threshold": threshold, "recall": per_edit, "sample": orb_sample,
                                      "distractors": len(orb_distractors)}  # fmt: skip
    lookalike = get_lookalike_index()

    return {
        "originals": len(names),
        "distractors": len(distractor_images),
        "queries": len(names) * len(chosen) + len(distractor_images),
        "false_matches": false_matches,
        "unmatchable": unmatchable,
        "ours": ours,
        "baselines": baseline_results,
        "ingest_seconds": round(ingest_seconds, 1),
        "query_seconds_per_query": round(query_seconds / (len(names) * len(chosen)), 4),
        "match_ms_p50": round(1000 * float(np.median(latencies)), 1),
        "match_ms_p90": round(1000 * float(np.percentile(latencies, 90)), 1),
        "distractor_match_ms_p50": round(1000 * float(np.median(distractor_latencies)), 1),
        "distractor_checks": {
            "verifications": checks["verifications"],
            "verified_by_features": checks["verified"],
            "compared_pixels": len(correlations),
            "highest_wrong_correlation": round(max(correlations), 3) if correlations else None,
            # The likeness rule's margin: how close a wrong candidate came to a strong likeness.
            "highest_wrong_edges_at_strong_pixels": max(edges_at_strong_pixels, default=None),
            "wrong_strong": sum(value is not None and value.strong for value in checks["correlations"]),
            # Wrong candidates laid over a plain part of the catalog picture that were plain alike (the features decide).
            "wrong_plain": sum(value is not None and value.plain for value in checks["correlations"]),
            "verifications_per_query": round(checks["verifications"] / max(1, len(distractor_images)), 2),
        },
        "misses": misses,
        "index_bytes_per_image": {  # the hash index's fixed chunk tables (25 MB) left out: they do not grow
            "hashes": round((provider.source.index.memory_bytes() - provider.source.index._offsets.nbytes) / len(names))
            if hasattr(provider.source, "index")
            else 0,  # none in memory with the chunk-term provider
            "embeddings": round(lookalike.memory_bytes() / max(1, lookalike.count())),
        },
    }


def use_elasticsearch() -> None:
    """Point the match provider at a fresh chunk-term index (osmem-server unless ELASTICSEARCH_URL is set)."""
    import atexit

    from django.conf import settings

    from matching.providers import reset_providers

    url, options = os.environ.get("ELASTICSEARCH_URL"), {}
    if not url:
        from osmem_server import OsmemServer

        from tests.search.elastic import JsonNode  # osmem answers plain JSON (see that module)

        server = OsmemServer.start(japanese=False)
        atexit.register(server.close)
        url, options = server.url, {"node_class": JsonNode}
    settings.LIKENESS_MATCH_PROVIDERS = {"default": {"BACKEND": "matching.providers.chunked", "URLS": [url],
                                                     "INDEX": "likeness-bench-keys", "OPTIONS": options,
                                                     "REFRESH": True}}  # fmt: skip
    reset_providers()


def table(result: dict) -> str:
    names = list(result["baselines"])
    columns = " | ".join(
        f"{n} ({'≥' if n == BruteForceORB.name else '≤'}{result['baselines'][n]['threshold']})" for n in names
    )
    header = f"| edit | target | Likeness | photos found | artworks found | {columns} |"
    lines = [header, "|" + "---|" * (5 + len(names))]
    for edit, row in result["ours"].items():
        mark = "" if row["recall"] >= row["target"] else " ✗"
        others = " | ".join(f"{result['baselines'][n]['recall'][edit]:.3f}" for n in names)
        lines.append(
            f"| {edit} | {row['target']:.2f} | {row['recall']:.3f}{mark} | {row['photos']} | {row['artworks']} | {others} |"
        )
    if result["unmatchable"]:
        lines.append(f"\nleft out as unmatchable (no structure left after the edit): {result['unmatchable']}")
    lines.append(
        f"\nfalse matches: {len(result['false_matches'])} "
        f"({result['originals']} originals, {result['distractors']} distractors, {result['queries']} queries)"
    )
    lines.append(
        f"match time per query: p50 {result['match_ms_p50']} ms, p90 {result['match_ms_p90']} ms; "
        f"distractors p50 {result['distractor_match_ms_p50']} ms; in-memory index bytes per image "
        f"{result['index_bytes_per_image']}"
    )
    lines.append(f"distractor queries' verifications of wrong candidates: {result['distractor_checks']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artworks", type=int, default=120)
    parser.add_argument("--distractors", type=int, default=300, help="never-indexed artworks among the distractors")
    parser.add_argument("--emoji-package", type=Path, default=ROOT / "var" / "bench" / "package")
    parser.add_argument("--edits", nargs="+", help="only these edits (names as in tests/corpus.py's EDITS)")
    parser.add_argument("--emoji-limit", type=int, default=None, help="at most this many emoji (default: all)")
    parser.add_argument("--orb-sample", type=int, default=25, help="originals per edit the ORB baseline is run on")
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "robustness.json"))
    parser.add_argument("--originals-long-side", type=int, default=None, metavar="N",
                        help="originals enlarged to N pixels on their long side and stored as JPEG q90 (queries are "
                             "made from them): what a catalog of large files meets")  # fmt: skip
    parser.add_argument(
        "--provider", choices=["local", "elasticsearch"], default="local",
        help="elasticsearch: the chunk-term provider against osmem-server (a test server; ELASTICSEARCH_URL for a "
             "real one)",
    )  # fmt: skip
    args = parser.parse_args()
    if args.provider == "elasticsearch":
        use_elasticsearch()
    emoji = args.emoji_package if (args.emoji_package / "emoji.json").exists() else None
    if emoji is None:
        print(f"No emoji package at {args.emoji_package} (no flat-graphics distractors); fetch it with:")
        print("   ", corpus.EMOJI_PACKAGE_HELP)
    result = run(args.artworks, args.distractors, emoji, args.orb_sample, args.emoji_limit, args.edits,
                 args.originals_long_side)  # fmt: skip
    print(table(result))
    for false in result["false_matches"][:20]:
        print("  false match:", false)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
