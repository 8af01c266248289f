"""Local against remote provider: push throughput, query latency and recall on the same catalog.

    .venv/bin/python bench/remote_provider.py [--items 200] [--queries 40]

The remote is a second Likeness serving /rest/ on loopback (gunicorn, one worker, four threads),
so the figures are a floor for a real MatchEngine: no internet round trip, no service load.
Catalog pictures are generated 1600x1200 JPEGs; queries are cropped, resized, recompressed copies.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.django_env import setup  # noqa: E402

WORKDIR = setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from catalog import ingest  # noqa: E402
from catalog.models import Status  # noqa: E402
from matching.providers import (  # noqa: E402
    get_provider,
    match_image,
    reset_providers,
)
from matching.query import QueryImage  # noqa: E402
from matching.safety import imaging  # noqa: E402
from matching.safety.imaging import load_image  # noqa: E402
from search.tasks import catalog_entries  # noqa: E402
from tests.images import encode, picture  # noqa: E402
from tests.servers import LikenessInstance  # noqa: E402


def copy_of(seed: int) -> bytes:
    image = picture(1600, 1200, seed).crop((80, 60, 1520, 1140)).resize((720, 540))
    return encode(image, "JPEG", quality=75)


def timed_queries(seeds: list[int], ids: dict[int, int]) -> tuple[list[float], float]:
    latencies, found = [], 0
    for seed in seeds:
        loaded = load_image(copy_of(seed))
        start = time.perf_counter()
        matches = match_image(QueryImage(loaded), limit=10)
        latencies.append(time.perf_counter() - start)
        found += bool(matches) and matches[0].image_id == ids[seed]
    return latencies, found / len(seeds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--queries", type=int, default=40)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    files = {seed: encode(picture(1600, 1200, seed), "JPEG", quality=90) for seed in range(args.items)}
    start = time.perf_counter()
    ids = {}
    for seed, data in files.items():
        loaded = imaging.load_image(data)
        ids[seed] = ingest.create_item(loaded, filename=f"{seed}.jpg", title=f"Bench {seed}",
                                       status=Status.PUBLISHED).pk  # fmt: skip
    local_ingest = time.perf_counter() - start
    seeds = list(range(0, args.items, max(1, args.items // args.queries)))[: args.queries]
    local_latency, local_recall = timed_queries(seeds, ids)

    remote = LikenessInstance(WORKDIR / "remote").start()
    try:
        settings.LIKENESS_MATCH_PROVIDERS = {"default": {
            "BACKEND": "matching.providers.remote", "URL": remote.rest_url, "USER": remote.USER,
            "PASSWORD": remote.PASSWORD, "TIMEOUT": 60,
        }}  # fmt: skip
        reset_providers()
        start = time.perf_counter()
        held = get_provider().rebuild(catalog_entries)
        push = time.perf_counter() - start
        remote_latency, remote_recall = timed_queries(seeds, ids)
    finally:
        remote.stop()

    def ms(values: list[float], q: float) -> str:
        return f"{1000 * statistics.quantiles(values, n=100)[int(q) - 1]:.0f}"

    print(f"catalog: {args.items} generated 1600x1200 JPEGs; {len(seeds)} queries (cropped 5%, 720x540, q75)")
    print(f"local ingest (decode, fingerprint, index): {args.items / local_ingest:.1f} img/s")
    print(f"remote push (update_index, 20 per request, 600 px JPEGs): {held / push:.1f} img/s, remote holds {held}")
    print("| provider | query p50 ms | query p95 ms | recall@1 |")
    print("|---|---|---|---|")
    print(f"| local | {ms(local_latency, 50)} | {ms(local_latency, 95)} | {local_recall:.3f} |")
    print(
        f"| remote (Likeness on loopback) | {ms(remote_latency, 50)} | {ms(remote_latency, 95)} | {remote_recall:.3f} |"
    )


if __name__ == "__main__":
    main()
