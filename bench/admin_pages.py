"""Staff admin pages at catalog scale: each page's latency and SQL queries over 100,000 generated items.

    .venv/bin/python bench/admin_pages.py [--items 100000] [--requests 20] [--rebuild] [--extra-index]

The catalog is generated rows, not pictures (the pages read rows only): items with creators,
collections, fingerprints, suggested tags, stored duplicate pairs, licence requests and import jobs
with 1,000-row reports, in the proportions of bench/admin_data.py. It is built once into
var/bench/admin_pages.sqlite3 and reused while its size matches (`--rebuild` makes it again); with
DATABASE_URL set (a PostgreSQL database of its own: the bench fills it) it is built there instead.
Each page is requested by Django's test client as a signed-in superuser, in process (what the
server spends, no network): warm-up requests, then --requests timed ones, p50 and p90 in ms, the median
CPU time of this process per request (with SQLite, the database's work too: the figure a busy machine
disturbs least), and the SQL queries of one request. `--extra-index` adds the indexes named in
EXTRA_INDEXES first (plain CREATE INDEX, no migration) and `--drop-extra-index` removes them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH_DB = ROOT / "var" / "bench" / "admin_pages.sqlite3"
if not os.environ.get("DATABASE_URL"):
    BENCH_DB.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("JOBS_BACKEND", "database")  # as in production: pages listing jobs only look for dead ones

import logging  # noqa: E402

import django  # noqa: E402

django.setup()
# The generated items have no files: an item's page says its copies cannot be looked up, once per request.
logging.getLogger("catalog.duplicates").setLevel(logging.ERROR)

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils.http import urlencode  # noqa: E402

from bench import admin_data  # noqa: E402
from catalog.models import CatalogImage, DuplicatePair, ImportJob, LicenceRequest, LicenceStatus  # noqa: E402

# Indexes the pages could use that the migrations do not make, per database: (name, CREATE statement), to try
# one before writing its migration (the item search's trigram indexes on PostgreSQL are migration catalog 0011).
EXTRA_INDEXES: dict[str, list[tuple[str, str]]] = {}


def pages() -> list[tuple[str, str]]:
    """(label, URL) of every page timed, the admin index first as the baseline."""
    item = CatalogImage.objects.order_by("pk").values_list("pk", flat=True)[len(admin_data.TITLES)]
    paired = DuplicatePair.objects.order_by("pk").values_list("first_id", flat=True).first()
    licence = LicenceRequest.objects.order_by("pk").values_list("pk", flat=True).first()
    job = ImportJob.objects.order_by("pk").values_list("pk", flat=True).first()
    items = reverse("admin:catalog_catalogimage_changelist")
    duplicates = reverse("admin:catalog_catalogimage_duplicates")
    licences = reverse("admin:catalog_licencerequest_changelist")
    jobs = reverse("admin:catalog_importjob_changelist")
    return [
        ("admin index (baseline)", reverse("admin:index")),
        ("items list", items),
        ("items list, page 100", f"{items}?p=100"),  # the admin counts pages from 0
        ("items search (a word)", f"{items}?q=harbour"),
        ("items search (no match)", f"{items}?q=zzyzx"),
        ("items filter status+format", f"{items}?status__exact=published&format__exact=PNG"),
        ("items filter collection", f"{items}?collection__id__exact=3"),
        ("items filter date (past 7 days)", f"{items}?{urlencode({'created_at__gte': admin_data.days_ago(7)})}"),
        ("item change page", reverse("admin:catalog_catalogimage_change", args=[item])),
        ("creators list", reverse("admin:catalog_creator_changelist")),
        ("duplicates page", duplicates),
        ("duplicates page 20", f"{duplicates}?page=20"),
        ("duplicates of one item", f"{duplicates}?item={paired}"),
        ("licence requests list", licences),
        ("licence requests, new", f"{licences}?status__exact={LicenceStatus.NEW}"),
        ("licence request", reverse("admin:catalog_licencerequest_change", args=[licence])),
        ("import jobs list", jobs),
        ("import report (1,000 rows)", reverse("admin:catalog_importjob_change", args=[job])),
    ]


def measure(client: Client, url: str, warmup: int, requests: int) -> tuple[float, float, float, int, int]:
    """p50 and p90 in ms of `requests` GETs after `warmup`, their median CPU time in this process (SQLite's work
    included: a figure a busy machine changes less), the queries of one, and its response size."""
    for _ in range(warmup):
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"{url}: HTTP {response.status_code}")
    reset_queries()  # the request clears the log on start: a longer log before it would hide its queries
    with CaptureQueriesContext(connection) as queries:
        size = len(client.get(url).content)
    count = len(queries)  # now: the next request clears the log it reads
    samples, cpu = [], []
    for _ in range(requests):
        started, used = time.perf_counter(), time.process_time()
        client.get(url)
        samples.append(1000 * (time.perf_counter() - started))
        cpu.append(1000 * (time.process_time() - used))
    deciles = statistics.quantiles(samples, n=10)
    return statistics.median(samples), deciles[8], statistics.median(cpu), count, size


def set_extra_indexes(create: bool) -> None:
    with connection.cursor() as cursor:
        for name, statement in EXTRA_INDEXES.get(connection.vendor, []):
            cursor.execute(statement if create else f"DROP INDEX IF EXISTS {name}")
        if create:
            cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--tags-per-item", type=int, default=10, help="suggested tags per item (ingest makes ~60)")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true", help="build the catalog again even if it matches")
    parser.add_argument("--extra-index", action="store_true", help="create EXTRA_INDEXES before timing")
    parser.add_argument("--drop-extra-index", action="store_true", help="drop EXTRA_INDEXES before timing")
    parser.add_argument("--only", default="", help="time only pages whose label contains this")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    started = time.perf_counter()
    built = admin_data.ensure(args.items, args.tags_per_item, rebuild=args.rebuild)
    print(f"catalog: {connection.vendor}, {args.items:,} items ({'built' if built else 'reused'} in "
          f"{time.perf_counter() - started:.0f} s); load {os.getloadavg()[0]:.2f}")  # fmt: skip
    if args.extra_index or args.drop_extra_index:
        set_extra_indexes(create=args.extra_index)
    client = Client()
    client.force_login(admin_data.superuser())
    rows = []
    print(f"{'page':34} {'p50 ms':>8} {'p90 ms':>8} {'CPU ms':>8} {'queries':>8} {'KB':>6}")
    for label, url in pages():
        if args.only and args.only not in label:
            continue
        p50, p90, cpu, queries, size = measure(client, url, args.warmup, args.requests)
        rows.append({"page": label, "url": url, "p50_ms": round(p50, 1), "p90_ms": round(p90, 1),
                     "cpu_ms": round(cpu, 1), "queries": queries, "kb": round(size / 1024)})  # fmt: skip
        print(f"{label:34} {p50:8.1f} {p90:8.1f} {cpu:8.1f} {queries:8d} {size / 1024:6.0f}", flush=True)
    print(f"load after: {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps({"vendor": connection.vendor, "items": args.items, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
