"""What a hostile query image costs to load: CPU per file on the query path, against the staff path.

    .venv/bin/python bench/query_image_cost.py [--rounds 3]

The hostile set is tests/hostile.py: small files that declare large canvases (a GIF screen around a
4x4 frame, PNGs and a TIFF of black pixels, a lossless WebP, progressive and baseline JPEGs), at two
sizes: just under the query ceiling (LIKENESS_MAX_QUERY_PIXELS) and just under the general pixel
limit (LIKENESS_MAX_PIXELS); plus every file of `refused()` and `odd_but_valid()`. The query path is
`ImageBudget().load()`, which every search surface uses; the staff path is `load_image()`, which
imports use. Each figure is the least CPU time (process time) of `--rounds` loads, refusals included.
Goal: no file costs more than 0.3 s of CPU on the query path.
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

setup()

from django.conf import settings  # noqa: E402
from PIL import Image  # noqa: E402

from matching.errors import ImageError  # noqa: E402
from matching.safety.budget import ImageBudget  # noqa: E402
from matching.safety.imaging import load_image  # noqa: E402
from tests.hostile import costly_canvases, odd_but_valid, refused  # noqa: E402

GOAL_SECONDS = 0.3


def encoded(width: int, height: int, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height)).save(out, fmt, **options)
    return out.getvalue()


def hostile_set() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    query_side = int(settings.LIKENESS["MAX_QUERY_PIXELS"] ** 0.5)
    general_side = int(settings.LIKENESS["MAX_PIXELS"] ** 0.5)
    for side in (query_side, general_side):
        tag = f"{side}x{side - 1}"
        for name, data in costly_canvases(side, side - 1).items():
            files[f"{name} {tag}"] = data
        files[f"webp lossless {tag}"] = encoded(side, side - 1, "WEBP", lossless=True)
        files[f"jpeg progressive {tag}"] = encoded(side, side - 1, "JPEG", progressive=True)
        files[f"jpeg baseline {tag}"] = encoded(side, side - 1, "JPEG", quality=20)
    files.update({f"refused: {name}": data for name, data in refused().items()})
    files.update({f"odd: {name}": data for name, data in odd_but_valid().items()})
    return files


def cpu(load, data: bytes, rounds: int) -> tuple[float, str]:
    best, outcome = float("inf"), ""
    for _ in range(rounds):
        started = time.process_time()
        try:
            loaded = load(data)
            outcome = f"{loaded.image.width}x{loaded.image.height}"
        except ImageError as exc:
            outcome = f"refused ({type(exc).__name__})"
        best = min(best, time.process_time() - started)
    return best, outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    files = hostile_set()
    print("| file | bytes | query path CPU s | query outcome | staff path CPU s | staff outcome |")
    print("|---|---:|---:|---|---:|---|")
    worst = 0.0
    for name, data in files.items():
        query, query_outcome = cpu(lambda d: ImageBudget().load(d), data, args.rounds)
        staff, staff_outcome = cpu(load_image, data, args.rounds)
        worst = max(worst, query)
        print(f"| {name} | {len(data):,} | {query:.3f} | {query_outcome} | {staff:.3f} | {staff_outcome} |")
    verdict = "met" if worst <= GOAL_SECONDS else "NOT met"
    print(f"\nWorst query-path CPU over {len(files)} files: {worst:.3f} s (goal {GOAL_SECONDS} s: {verdict}).")


if __name__ == "__main__":
    main()
