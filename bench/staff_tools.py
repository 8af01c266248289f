"""Staff tools: import throughput, and duplicate finding at catalog scale.

    .venv/bin/python bench/staff_tools.py [--jpegs 24] [--pngs 120] [--sizes 10000 100000] [--without-embedding]

Import: `import_catalog` into a fresh SQLite catalog with 1 and 2 worker processes, on
12-megapixel JPEGs (4000x3000, photo-like with grain, quality 90) and small PNGs (640x480).
Duplicates: `matching.duplicates.find_pairs` and grouping over generated fingerprints (random
window keys and hashes, as bench/match_latency.py makes them) with 1% planted copies whose keys
and hashes differ by a few bits, as a recompressed or resized copy's do; reports time and whether
every planted pair was found.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.django_env import setup  # noqa: E402

WORKDIR = setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from PIL import Image  # noqa: E402

from catalog.models import CatalogImage  # noqa: E402
from matching import duplicates  # noqa: E402
from matching.models import ImageFingerprint  # noqa: E402
from tests.images import encode, picture  # noqa: E402


def make_files(folder: Path, jpegs: int, pngs: int) -> None:
    rng = np.random.default_rng(7)
    for n in range(jpegs):
        base = np.asarray(picture(1000, 750, 1000 + n).resize((4000, 3000), Image.Resampling.BICUBIC), np.int16)
        grain = rng.normal(0, 6, base.shape).astype(np.int16)
        image = Image.fromarray(np.clip(base + grain, 0, 255).astype(np.uint8))
        (folder / "large" / f"{n:03d}.jpg").write_bytes(encode(image, "JPEG", quality=90))
    for n in range(pngs):
        (folder / "small" / f"{n:03d}.png").write_bytes(encode(picture(640, 480, 5000 + n), "PNG"))


def time_import(folder: Path, workers: int) -> float:
    CatalogImage.objects.all().delete()
    start = time.perf_counter()
    call_command("import_catalog", str(folder), "--workers", str(workers), verbosity=0, stdout=io.StringIO())
    return time.perf_counter() - start


def synthetic_rows(size: int, seed: int = 11):
    rng = np.random.default_rng(seed)
    windows = 3
    keys = rng.integers(0, 2**63, (size, windows), dtype=np.int64).astype(np.uint64) * np.uint64(2)
    keys |= rng.integers(0, 2, (size, windows), dtype=np.int64).astype(np.uint64)
    hashes = rng.integers(0, 2**63, (size, windows, 4), dtype=np.int64).astype(np.uint64)
    planted = rng.choice(size // 2, size // 100, replace=False)
    copies = planted + size // 2
    keys[copies] = keys[planted] ^ flips(rng, (len(planted), windows), 3)
    hashes[copies] = hashes[planted] ^ flips(rng, (len(planted), windows, 4), 3)
    ids = np.arange(1, size + 1, dtype=np.int64)
    pairs = {(int(a) + 1, int(b) + 1) for a, b in zip(planted, copies, strict=True)}
    return (ids, keys, hashes, np.ones((size, windows), bool), np.zeros(size, bool)), pairs


def time_command(rows) -> float:
    """Store the generated fingerprints as catalog rows, then time `find_duplicates` end to end."""
    ids, keys, hashes, *_ = rows
    CatalogImage.objects.all().delete()
    CatalogImage.objects.bulk_create(
        [CatalogImage(pk=int(i), identifier=f"bench-{i}", title=f"Bench {i}", image=f"bench/{i}.jpg", width=100,
                      height=100, format="JPEG", sha256="0") for i in ids], batch_size=5000)  # fmt: skip
    ImageFingerprint.objects.bulk_create(
        [ImageFingerprint(image_id=int(i), sha256="0", hashes=hashes[n].astype(">u8").tobytes(),
                          keys=keys[n].astype(">u8").tobytes(), valid_windows=7, features=b"")
         for n, i in enumerate(ids)], batch_size=5000)  # fmt: skip
    start = time.perf_counter()
    call_command("find_duplicates", "--format", "csv", "--output", str(WORKDIR / "dups.csv"), verbosity=0,
                 stderr=io.StringIO())  # fmt: skip
    return time.perf_counter() - start


def flips(rng, shape, bits: int) -> np.ndarray:
    """Words with up to `bits` random bits set."""
    out = np.zeros(shape, np.uint64)
    for _ in range(bits):
        out |= np.uint64(1) << rng.integers(0, 64, shape).astype(np.uint64)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jpegs", type=int, default=24)
    parser.add_argument("--pngs", type=int, default=120)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument(
        "--without-embedding",
        action="store_true",
        help="Import as before look-alike search: no embedding, no suggested tags (for comparison).",
    )
    args = parser.parse_args()
    if args.without_embedding:  # import workers are forked, so they inherit this
        import matching.algorithms.fingerprint
        import matching.index.store

        matching.algorithms.fingerprint.embed_image = lambda image: None
        matching.index.store.has_embedding = lambda image_id: True  # or indexing would embed it after all
    call_command("migrate", verbosity=0)
    for kind in ("large", "small"):
        (WORKDIR / "files" / kind).mkdir(parents=True)
    make_files(WORKDIR / "files", args.jpegs, args.pngs)
    print("| files | workers | images/s |")
    print("|---|---|---|")
    for kind, count in (("large", args.jpegs), ("small", args.pngs)):
        label = "12 MP JPEG" if kind == "large" else "640x480 PNG"
        for workers in (1, 2):
            seconds = time_import(WORKDIR / "files" / kind, workers)
            print(f"| {count} x {label} | {workers} | {count / seconds:.1f} |")
    if not args.sizes:
        return
    print()
    print("| fingerprints | find pairs + group (s) | planted pairs found | whole `find_duplicates` command (s) |")
    print("|---|---|---|---|")
    for size in args.sizes:  # none: import only
        rows, planted = synthetic_rows(size)
        start = time.perf_counter()
        pairs = duplicates.find_pairs(rows)
        groups = duplicates.group(pairs)
        seconds = time.perf_counter() - start
        found = {(p.first, p.second) for p in pairs}
        command = time_command(rows)
        print(
            f"| {size:,} | {seconds:.1f} | {len(planted & found)}/{len(planted)} ({len(groups)} groups) | {command:.1f} |"
        )


if __name__ == "__main__":
    main()
