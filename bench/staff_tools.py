"""Staff tools: import throughput, and duplicate finding at catalog scale.

    .venv/bin/python bench/staff_tools.py [--jpegs 24] [--pngs 120] [--sizes 10000 100000] [--without-embedding]
    .venv/bin/python bench/staff_tools.py --jpegs 0 --pngs 0 --sizes --catalog 10000 [--copies 200]
        [--code DIR] [--pass-args "--rebuild --workers 2"] [--runs 1]

Import: `import_catalog` into a fresh SQLite catalog with 1 and 2 worker processes, on
12-megapixel JPEGs (4000x3000, photo-like with grain, quality 90) and small PNGs (640x480).
Duplicates: `matching.duplicates.find_pairs` and grouping over generated fingerprints (random
window keys and hashes, as bench/match_latency.py makes them) with 1% planted copies whose keys
and hashes differ by a few bits, as a recompressed or resized copy's do; reports time and whether
every planted pair was found.
The real pass (`--catalog SIZE`): SIZE pictures, demo artworks (the demo catalog's pictures: many look
alike) and `--copies` planted copies of some of them (PLANTED_EDITS: crops, recompressions, resizes,
small colour edits, a mirror image), imported once through `import_catalog --workers 2` into
var/bench/duplicates-SIZE-COPIES/ and reused. Each run times `manage.py find_duplicates PASS-ARGS`
as a process (start-up included) on a fresh copy of that database, by the code in `--code` (a
checkout of an older commit measures the code before a change), and counts the planted copies put
in one group with their original, per edit.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
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
    """Store the generated fingerprints as catalog rows, then time `find_duplicates --rebuild` end to end."""
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
    call_command("find_duplicates", "--rebuild", "--workers", "1", "--format", "csv", "--output",
                 str(WORKDIR / "dups.csv"), verbosity=0, stderr=io.StringIO())  # fmt: skip
    return time.perf_counter() - start


def flips(rng, shape, bits: int) -> np.ndarray:
    """Words with up to `bits` random bits set."""
    out = np.zeros(shape, np.uint64)
    for _ in range(bits):
        out |= np.uint64(1) << rng.integers(0, 64, shape).astype(np.uint64)
    return out


# --- duplicates over a real catalog --------------------------------------------------------------

BENCH_DIR = ROOT / "var" / "bench"
# The planted copies: the edits a licensee or a second import makes (crops, recompressions, resizes, small
# colour edits), and one mirror image (found through the turned and mirrored hashes).
PLANTED_EDITS = (
    "recompressed (JPEG q40)",
    "resized to half",
    "crop 5-10% per side",
    "crop 15% per side",
    "crop 25% one side",
    "detail (half, off-centre)",
    "4:3 rendition",
    "saturation +30%",
    "brightness +15%, contrast +10%",
    "resized, recompressed, warmer",
    "mirror",
)


def warmer(image: Image.Image) -> Image.Image:
    red, green, blue = image.split()
    return Image.merge("RGB", (red.point(lambda v: min(255, int(v * 1.08))), green,
                               blue.point(lambda v: int(v * 0.92))))  # fmt: skip


def planted_copy(image: Image.Image, edit: str, rng) -> bytes:
    """`image` through one of PLANTED_EDITS, as the JPEG file a second import would bring."""
    from PIL import ImageEnhance, ImageOps

    from tests import corpus

    half = (max(1, image.width // 2), max(1, image.height // 2))
    if edit == "recompressed (JPEG q40)":
        return encode(image, "JPEG", quality=40)
    if edit == "resized to half":
        edited = image.resize(half, Image.Resampling.LANCZOS)
    elif edit == "saturation +30%":
        edited = ImageEnhance.Color(image).enhance(1.3)
    elif edit == "brightness +15%, contrast +10%":
        edited = ImageEnhance.Contrast(ImageEnhance.Brightness(image).enhance(1.15)).enhance(1.1)
    elif edit == "resized, recompressed, warmer":
        return encode(warmer(image.resize(half, Image.Resampling.BILINEAR)), "JPEG", quality=60)
    elif edit == "mirror":
        edited = ImageOps.mirror(image)
    else:
        edited = corpus.EDITS[edit](image, rng)
    return encode(edited.convert("RGB"), "JPEG", quality=85)


def paint(task: tuple[str, int, str, int]) -> tuple[str, bytes]:
    """In a worker process: demo artwork `number` (kind "art"), or a planted copy of it (kind "copy")."""
    from catalog import demo

    kind, number, edit, seed = task
    art = demo.artwork(number)
    extension = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "TIFF": "tif", "GIF": "gif"}
    if kind == "art":
        fmt = Image.open(io.BytesIO(art.data)).format or "JPEG"
        return f"art/{number:05d}.{extension.get(fmt, 'img')}", art.data
    image = Image.open(io.BytesIO(art.data)).convert("RGB")
    return f"copies/{number:05d}.jpg", planted_copy(image, edit, np.random.default_rng(seed))


def bench_env(folder: Path, database: Path) -> dict[str, str]:
    """The production settings on a benchmark catalog's database and files (no snapshots, tasks at once)."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "webapp.settings", "SECRET_KEY": "bench-only-not-a-secret",
            "DATABASE_URL": f"sqlite:///{database}", "MEDIA_ROOT": str(folder / "media"),
            "ORIGINALS_ROOT": str(folder / "originals"), "LIKENESS_INDEX_DIR": "off", "TASKS_BACKEND": "immediate",
            "LOG_LEVEL": "WARNING", "LIKENESS_MODEL_DIR": str(ROOT / "var" / "models")}  # fmt: skip


def manage(code: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, str(code / "manage.py"), *args], cwd=code, env=env, capture_output=True,
                          text=True)  # fmt: skip
    if done.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done


def bench_catalog(size: int, copies: int) -> tuple[Path, list[dict]]:
    """var/bench/duplicates-SIZE-COPIES: `size` pictures, `copies` of them planted copies of others, imported
    through `import_catalog --workers 2` once and reused; returns its folder and the planted pairs."""
    folder = BENCH_DIR / f"duplicates-{size}-{copies}"
    manifest = folder / "planted.json"
    if manifest.exists():
        return folder, json.loads(manifest.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    rng = np.random.default_rng(34)
    distinct = size - copies
    originals = sorted(rng.choice(np.arange(1, distinct + 1), copies, replace=False).tolist())
    tasks = [("art", n, "", 0) for n in range(1, distinct + 1)]
    tasks += [("copy", n, PLANTED_EDITS[i % len(PLANTED_EDITS)], n) for i, n in enumerate(originals)]
    files = folder / "files"
    for kind in ("art", "copies"):
        (files / kind).mkdir(parents=True)
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=2) as pool:
        for name, data in pool.map(paint, tasks, chunksize=16):
            (files / name).write_bytes(data)
    print(f"painted {len(tasks)} files in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    env = bench_env(folder, folder / "db.sqlite3")
    manage(ROOT, env, "migrate", "--no-input")
    start = time.perf_counter()
    manage(ROOT, env, "import_catalog", str(files), "--workers", "2", "--publish")
    print(f"imported {len(tasks)} files in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    shutil.rmtree(files)
    planted = []
    database = sqlite3.connect(folder / "db.sqlite3")
    identifiers = dict(database.execute("SELECT identifier, id FROM catalog_catalogimage").fetchall())
    database.close()
    by_number = {int(Path(i).stem): i for i in identifiers if i.startswith("art/")}
    for i, n in enumerate(originals):
        planted.append({"original": by_number[n], "copy": f"copies/{n:05d}.jpg",
                        "edit": PLANTED_EDITS[i % len(PLANTED_EDITS)]})  # fmt: skip
    manifest.write_text(json.dumps(planted, indent=1))
    return folder, planted


def duplicates_pass(folder: Path, code: Path, arguments: list[str]) -> tuple[float, float, list[dict], str]:
    """Time `find_duplicates ARGUMENTS --format json` (as a process, start-up included) by the code in `code`,
    on a fresh copy of the catalog's database; returns the seconds, the CPU seconds, the groups (also kept in
    the catalog's folder as groups-CODE.json) and what the command said."""
    run = folder / "run"
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir()
    shutil.copyfile(folder / "db.sqlite3", run / "db.sqlite3")
    env = bench_env(folder, run / "db.sqlite3")
    manage(code, env, "migrate", "--no-input")
    output = folder / f"groups-{code.name}.json"
    start, cpu = time.perf_counter(), children_cpu()
    done = manage(code, env, "find_duplicates", *arguments, "--format", "json", "--output", str(output),
                  "--verbosity", "0")  # fmt: skip
    seconds, cpu = time.perf_counter() - start, children_cpu() - cpu
    return seconds, cpu, json.loads(output.read_text()), done.stderr


def children_cpu() -> float:
    """CPU seconds (user and system) of the finished child processes, theirs included: what a run cost whatever
    else the machine was doing."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def recall(groups: list[dict], planted: list[dict]) -> dict[str, tuple[int, int]]:
    """Per edit: (planted copies grouped with their original, planted copies)."""
    group_of = {member["identifier"]: number for number, group in enumerate(groups) for member in group["members"]}
    found: dict[str, tuple[int, int]] = {}
    for pair in planted:
        hit = pair["original"] in group_of and group_of.get(pair["original"]) == group_of.get(pair["copy"])
        done, total = found.get(pair["edit"], (0, 0))
        found[pair["edit"]] = (done + hit, total + 1)
    return found


def import_section(jpegs: int, pngs: int) -> None:
    for kind in ("large", "small"):
        (WORKDIR / "files" / kind).mkdir(parents=True)
    make_files(WORKDIR / "files", jpegs, pngs)
    print("| files | workers | images/s |")
    print("|---|---|---|")
    for kind, count in (("large", jpegs), ("small", pngs)):
        label = "12 MP JPEG" if kind == "large" else "640x480 PNG"
        for workers in (1, 2):
            seconds = time_import(WORKDIR / "files" / kind, workers)
            print(f"| {count} x {label} | {workers} | {count / seconds:.1f} |")
    print()


def catalog_section(size: int, copies: int, code: Path, pass_args: str, runs: int) -> None:
    folder, planted = bench_catalog(size, copies)
    edits: dict[str, tuple[int, int]] = {}
    print(f"| pictures (copies) | code | `find_duplicates {pass_args}` (s) | CPU (s) | pictures/s | planted found "
          "| groups |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for _ in range(runs):
        seconds, cpu, groups, said = duplicates_pass(folder, code, shlex.split(pass_args))
        print(said.strip(), file=sys.stderr)
        edits = recall(groups, planted)
        found = sum(done for done, _ in edits.values())
        print(f"| {size:,} ({copies}) | {code.name} | {seconds:.1f} | {cpu:.0f} | {size / seconds:.1f} "
              f"| {found}/{len(planted)} | {len(groups)} |")  # fmt: skip
    print()
    print("| planted edit | found |")
    print("|---|---|")
    for edit in PLANTED_EDITS:
        done, total = edits.get(edit, (0, 0))
        print(f"| {edit} | {done}/{total} |")


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
    parser.add_argument("--catalog", type=int, help="The real pass over a catalog of this many pictures.")
    parser.add_argument("--copies", type=int, help="Planted copies among them (default: 2%%).")
    parser.add_argument("--code", type=Path, default=ROOT, help="The checkout whose find_duplicates runs.")
    parser.add_argument("--pass-args", default="--rebuild --workers 2", help="find_duplicates' arguments.")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    if args.catalog:
        catalog_section(args.catalog, args.copies or args.catalog // 50, args.code.resolve(), args.pass_args,
                        args.runs)  # fmt: skip
    if args.without_embedding:  # import workers are forked, so they inherit this
        import matching.algorithms.fingerprint
        import matching.index.store

        matching.algorithms.fingerprint.embed_image = lambda image: None
        matching.index.store.has_embedding = lambda image_id: True  # or indexing would embed it after all
    call_command("migrate", verbosity=0)
    if args.jpegs or args.pngs:
        import_section(args.jpegs, args.pngs)
    if not args.sizes:
        return
    print()
    print("| fingerprints | find pairs + group (s) | planted pairs found | whole `find_duplicates --rebuild` (s) |")
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
