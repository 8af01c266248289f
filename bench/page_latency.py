"""The search page's image paths: upload, the first search, a filter click, the next page; words beside them.

    .venv/bin/python bench/page_latency.py [--items 200] [--rounds 20] [--json FILE]

A fresh SQLite catalog of generated demo artworks (`load_demo_catalog`), served in-process by
Django's test client (no network, no browser: what the server spends). The query is a 1600x1200
JPEG of a catalog picture, edited (scaled, recompressed). Timed, median of --rounds:
- `POST /search/image/` (decode, keep the query image, redirect),
- the first `GET /?image=...` (matching: fingerprint, embedding, candidates, render),
- a filter click on that image search (`&color=...`), and the next page,
- a words-only search and a words-only filter click, for comparison.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.django_env import setup  # noqa: E402

setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from PIL import Image  # noqa: E402

from catalog.models import CatalogImage  # noqa: E402


def timed(action, rounds: int) -> float:
    action()  # warm: caches, the model, the index
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        samples.append(1000 * (time.perf_counter() - started))
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "page_latency.json")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("load_demo_catalog", count=args.items, verbosity=0)
    item = CatalogImage.objects.order_by("pk").first()
    with item.image.open("rb") as handle:
        picture = Image.open(handle).convert("RGB").resize((1600, 1200))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    upload = buffer.getvalue()
    client = Client()

    def post():
        response = client.post("/search/image/", {"image": io.BytesIO(upload)}, headers={"accept": "application/json"})
        assert response.status_code == 200, response.content
        return response.json()["search_url"]

    search_url = post()
    fresh = {"url": search_url}

    def first_search():  # a new token each time: nothing kept from an earlier search of this image
        fresh["url"] = post()
        started = time.perf_counter()
        assert client.get(fresh["url"]).status_code == 200
        return 1000 * (time.perf_counter() - started)

    def get(url):
        return lambda: client.get(url).status_code == 200 or sys.exit(f"{url} failed")

    rows = {
        "POST /search/image/ (1600x1200 JPEG)": timed(post, args.rounds),
        "first image search (GET /?image=...)": statistics.median(first_search() for _ in range(args.rounds)),
        "filter click on the image search": timed(get(search_url + "&color=red"), args.rounds),
        "next page of the image search": timed(get(search_url + "&page=2&page_size=10"), args.rounds),
        "words only (GET /?q=...)": timed(get("/?q=harbour"), args.rounds),
        "filter click on the words": timed(get("/?q=harbour&color=red"), args.rounds),
    }
    print(f"{args.items} demo items, median of {args.rounds} (ms):")
    for name, value in rows.items():
        print(f"  {name:40s} {value:7.1f}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
