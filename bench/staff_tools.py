"""Staff tools: import throughput, and duplicate finding at catalog scale.

    .venv/bin/python bench/staff_tools.py [--jpegs 100] [--pngs 0] [--import-code DIR ...] [--workers 2]
        [--rounds 3] [--tasks immediate database] [--sizes 10000 100000]
    .venv/bin/python bench/staff_tools.py --jpegs 0 --sizes --catalog 10000 [--copies 200]
        [--code DIR] [--pass-args "--rebuild --workers 2"] [--runs 1]

Import: `manage.py import_catalog FILES --workers 2` as a process (start-up included) into a fresh
SQLite catalog, on generated 12-megapixel JPEGs (4000x3000, photo-like with grain, quality 90; made
once into var/bench/import-jpeg-N/) or 640x480 PNGs, by each checkout in `--import-code` (a checkout
of an older commit measures the code before a change), in rounds alternating with the pHash floor
over the same files (bench/phash_floor.py: a draft decode and `imagehash.phash` in as many
processes): images/s, CPU per picture, and the ratio to the floor in the same round; with
`--tasks immediate` the import also indexes, makes renditions and checks duplicates after each batch
(the embedded default), with `database` those are queued for a task worker (the import proper).
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


def jpeg_file(n: int) -> bytes:
    """Generated 12-megapixel JPEG number `n`: photo-like, with grain, quality 90."""
    base = np.asarray(picture(1000, 750, 1000 + n).resize((4000, 3000), Image.Resampling.BICUBIC), np.int16)
    grain = np.random.default_rng(7 + n).normal(0, 6, base.shape).astype(np.int16)
    return encode(Image.fromarray(np.clip(base + grain, 0, 255).astype(np.uint8)), "JPEG", quality=90)


def png_file(n: int) -> bytes:
    return encode(picture(640, 480, 5000 + n), "PNG")


def import_files(kind: str, count: int) -> Path:
    """var/bench/import-KIND-COUNT: `count` generated files ("jpeg": 12 MP, "png": 640x480), made once and reused."""
    folder = BENCH_DIR / f"import-{kind}-{count}"
    if (folder / "done").exists():
        return folder / "files"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "files").mkdir(parents=True)
    make, extension = (jpeg_file, "jpg") if kind == "jpeg" else (png_file, "png")
    with ProcessPoolExecutor(max_workers=2) as pool:
        for n, data in enumerate(pool.map(make, range(count), chunksize=4)):
            (folder / "files" / f"{n:03d}.{extension}").write_bytes(data)
    (folder / "done").touch()
    return folder / "files"


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run a process to its end: (seconds, CPU seconds of it and its children)."""
    start, cpu = time.perf_counter(), children_cpu()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds, cpu = time.perf_counter() - start, children_cpu() - cpu
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return seconds, cpu


def time_floor(files: Path, workers: int) -> tuple[float, float]:
    """The pHash floor (bench/phash_floor.py) over the same files, as a process."""
    return timed([sys.executable, str(ROOT / "bench" / "phash_floor.py"), str(files), "--workers", str(workers)],
                 ROOT)  # fmt: skip


def migrated(code: Path) -> Path:
    """An empty catalog's database as the code in `code` migrates it (once a run: another checkout's
    migrations may have changed since), in var/bench/import-run-CODE/."""
    folder = BENCH_DIR / f"import-run-{code.name}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    manage(code, bench_env(folder, folder / "migrated.sqlite3"), "migrate", "--no-input")
    return folder / "migrated.sqlite3"


def time_import(files: Path, code: Path, template: Path, workers: int, tasks: str) -> tuple[float, float]:
    """`manage.py import_catalog FILES --workers N` by the code in `code`, as a process (start-up included), into
    a fresh catalog: a copy of `template` (see `migrated`), and no files. `tasks`: TASKS_BACKEND, "immediate"
    (indexing, renditions and the duplicates check run in the import, after each batch commits) or "database"
    (queued for a worker: the import proper)."""
    folder = template.parent
    for stale in ("media", "originals"):
        shutil.rmtree(folder / stale, ignore_errors=True)
    shutil.copyfile(template, folder / "db.sqlite3")
    env = {**bench_env(folder, folder / "db.sqlite3"), "TASKS_BACKEND": tasks}
    return timed([sys.executable, str(code / "manage.py"), "import_catalog", str(files), "--workers", str(workers),
                  "--verbosity", "0"], code, env)  # fmt: skip


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


def import_section(kind: str, count: int, codes: list[Path], workers: int, rounds: int, tasks: list[str]) -> None:
    """`import_catalog` by each checkout in `codes` against the pHash floor over the same files, in alternating
    rounds (floor, then each checkout), each a fresh process: the ratio within a round is what a busy machine
    leaves comparable."""
    if not count:
        return
    files = import_files(kind, count)
    label = f"{count} x " + ("12 MP JPEG" if kind == "jpeg" else "640x480 PNG")
    templates = {code: migrated(code) for code in codes}
    runs: dict[str, list[tuple[float, float, float]]] = {}
    for _ in range(rounds):
        floor = time_floor(files, workers)
        runs.setdefault("pHash floor", []).append((*floor, 1.0))
        for code in codes:
            for backend in tasks:
                seconds, cpu = time_import(files, code, templates[code], workers, backend)
                runs.setdefault(f"{code.name}, tasks {backend}", []).append((seconds, cpu, floor[0] / seconds))
    print(f"{label}, {workers} workers, {rounds} rounds (ranges):")
    print()
    print("| run | images/s | CPU ms/picture | ratio to the floor |")
    print("|---|---|---|---|")
    for name, found in runs.items():
        rates = [count / seconds for seconds, _, _ in found]
        cpus = [1000 * cpu / count for _, cpu, _ in found]
        ratios = [ratio for _, _, ratio in found]
        print(f"| {name} | {span(rates, 1)} | {span(cpus, 0)} | {span(ratios, 2)} |")
    print()


def span(values: list[float], digits: int) -> str:
    low, high = f"{min(values):.{digits}f}", f"{max(values):.{digits}f}"
    return low if low == high else f"{low}-{high}"


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
    parser.add_argument("--jpegs", type=int, default=100, help="12 MP JPEGs imported (0: none).")
    parser.add_argument("--pngs", type=int, default=0, help="640x480 PNGs imported (0: none).")
    parser.add_argument("--import-code", type=Path, nargs="+", default=[ROOT],
                        help="The checkouts whose import_catalog runs, each beside the floor in every round.")  # fmt: skip
    parser.add_argument("--workers", type=int, default=2, help="import_catalog's and the floor's processes.")
    parser.add_argument("--rounds", type=int, default=3, help="Import rounds: floor, then each checkout.")
    parser.add_argument("--tasks", nargs="+", default=["immediate", "database"], choices=["immediate", "database"],
                        help="TASKS_BACKEND of the imports: indexing in the import, or queued (each a row).")  # fmt: skip
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--catalog", type=int, help="The real pass over a catalog of this many pictures.")
    parser.add_argument("--copies", type=int, help="Planted copies among them (default: 2%%).")
    parser.add_argument("--code", type=Path, default=ROOT, help="The checkout whose find_duplicates runs.")
    parser.add_argument("--pass-args", default="--rebuild --workers 2", help="find_duplicates' arguments.")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    if args.catalog:
        catalog_section(args.catalog, args.copies or args.catalog // 50, args.code.resolve(), args.pass_args,
                        args.runs)  # fmt: skip
    codes = [code.resolve() for code in args.import_code]
    import_section("jpeg", args.jpegs, codes, args.workers, args.rounds, args.tasks)
    import_section("png", args.pngs, codes, args.workers, args.rounds, args.tasks)
    call_command("migrate", verbosity=0)
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
