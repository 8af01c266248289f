"""Search latency per backend: keyword, keyword + filters + facets, image + filters.

    .venv/bin/python bench/search_latency.py [--sizes 10000 100000] [--backends database elasticsearch]

Every row reports its mean number of hits, so that a filter that matches nothing cannot pass for fast.

A synthetic catalog (metadata and colour classes, no files) in a fresh SQLite file, indexed by each
backend; every query runs through backend.search with facets, as the page and the API call it.
Elasticsearch runs against osmem-server unless ELASTICSEARCH_URL is set.
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
from bench.django_env import setup  # noqa: E402

WORKDIR = setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test.utils import override_settings  # noqa: E402

from catalog.models import CatalogImage, Creator, LicenseType, Orientation, Status  # noqa: E402
from matching.algorithms.fingerprint import COLOR_NAMES  # noqa: E402
from matching.models import ImageColor  # noqa: E402
from matching.providers import Match  # noqa: E402
from search.backends import get_search_backend, reset_backends  # noqa: E402
from search.query import Filters, SearchQuery  # noqa: E402

WORDS = ["harbour", "evening", "meadow", "portrait", "river", "garden", "storm", "winter", "bridge", "market", "city", "night", "forest", "mountain", "sea", "ship", "lady", "village", "church", "field", "flowers", "cathedral", "station"]  # fmt: skip


def make_catalog(size: int, seed: int = 3) -> list[int]:
    rng = np.random.default_rng(seed)
    creators = Creator.objects.bulk_create(Creator(name=f"Painter {n}") for n in range(500))
    formats, licenses = ["JPEG", "PNG", "TIFF", "WEBP"], [c for c, _ in LicenseType.choices]
    items, colors = [], []
    for n in range(size):
        width, height = int(rng.integers(400, 6000)), int(rng.integers(400, 6000))
        words = rng.choice(WORDS, 3, replace=False)
        named = [str(name) for name in rng.choice(COLOR_NAMES, int(rng.integers(1, 4)), replace=False)]
        colors.append(named)
        items.append(CatalogImage(
            identifier=f"bench-{n}", title=f"{words[0].title()} {words[1]}", description=f"A {words[2]} scene.",
            tags=", ".join(rng.choice(WORDS, 2)), creator=creators[int(rng.integers(500))],
            year=None if rng.random() < 0.05 else int(rng.integers(1500, 2025)), license_type=licenses[n % 3],
            status=Status.PUBLISHED, image=f"catalog/bench/{n}.jpg", width=width, height=height,
            format=formats[int(rng.integers(4))], orientation=Orientation.of(width, height), file_size=1, sha256="0",
            color_mask=sum(1 << COLOR_NAMES.index(name) for name in named),  # what the colour filter reads
        ))  # fmt: skip
    created = CatalogImage.objects.bulk_create(items, batch_size=2000)
    rows = [
        ImageColor(image_id=item.pk, name=name, share=0.3)
        for item, named in zip(created, colors, strict=True)
        for name in named
    ]
    ImageColor.objects.bulk_create(rows, batch_size=5000)
    return [item.pk for item in created]


def timed(run, repeat: int) -> tuple[float, float, float]:
    """p50 and p99 in ms, and the mean number of hits (results.total): an empty result would measure nothing."""
    run()  # warm caches once
    samples, hits = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        hits.append(run().total)
        samples.append((time.perf_counter() - started) * 1000)
    return float(np.percentile(samples, 50)), float(np.percentile(samples, 99)), float(np.mean(hits))


def measure(backend, ids: list[int], repeat: int) -> dict:
    rng = np.random.default_rng(5)
    ids = np.asarray(ids)  # drawing from a list converts it to an array every time (5 ms at 100k)
    filters = Filters(colors=("blue",), year_to=1900, formats=("JPEG", "PNG"), min_width=1000)
    loose = Filters(colors=("blue",))
    queries = {
        "keyword": lambda: backend.search(SearchQuery(text=str(rng.choice(WORDS)))),
        "keyword + filters + facets": lambda: backend.search(SearchQuery(text=str(rng.choice(WORDS)), filters=filters)),
        "image (50 candidates) + filters": lambda: backend.search(
            SearchQuery(similar_to=1, filters=filters),
            {int(pk): Match(int(pk), float(rng.uniform(40, 100))) for pk in rng.choice(ids, 50, replace=False)},
        ),
        "image (500 candidates) + colour": lambda: backend.search(
            SearchQuery(similar_to=1, filters=loose),
            {int(pk): Match(int(pk), float(rng.uniform(40, 100))) for pk in rng.choice(ids, 500, replace=False)},
        ),
    }
    return {name: timed(run, repeat) for name, run in queries.items()}


def backend_settings(name: str, index: str) -> dict:
    if name == "database":
        return {"BACKEND": "search.backends.database"}
    from tests.search.elastic import JsonNode

    url = os.environ.get("ELASTICSEARCH_URL")
    if url:
        return {"BACKEND": "search.backends.elasticsearch", "URLS": [url], "INDEX": index}
    from osmem_server import OsmemServer

    server = OsmemServer.start(japanese=False)
    return {"BACKEND": "search.backends.elasticsearch", "URLS": [server.url], "INDEX": index,
            "OPTIONS": {"node_class": JsonNode}}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--backends", nargs="+", default=["database", "elasticsearch"])
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "search_latency.json"))
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    rows = []
    print("| backend | items | query | p50 ms | p99 ms | hits |\n|---|---|---|---|---|---|")
    for size in args.sizes:
        CatalogImage.objects.all().delete()
        Creator.objects.all().delete()
        ids = make_catalog(size)
        for name in args.backends:
            with override_settings(LIKENESS_SEARCH_BACKENDS={"default": backend_settings(name, f"bench-{size}")}):
                reset_backends()
                backend = get_search_backend()
                items = CatalogImage.objects.select_related("creator").order_by("pk")
                started = time.perf_counter()
                backend.rebuild(items.iterator(chunk_size=2000), size, chunk_size=2000)
                indexing = time.perf_counter() - started
                for query, (p50, p99, hits) in measure(backend, ids, args.repeat).items():
                    rows.append({"backend": name, "items": size, "query": query, "p50_ms": p50, "p99_ms": p99,
                                 "hits": hits, "index_seconds": round(indexing, 1)})  # fmt: skip
                    print(f"| {name} | {size:,} | {query} | {p50:.1f} | {p99:.1f} | {hits:.1f} |", flush=True)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
