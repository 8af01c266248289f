"""Fingerprinting speed on 12-megapixel JPEGs: ours (draft decode) against a plain pHash, in one run.

    .venv/bin/python bench/fingerprint_speed.py [--images 8]

Ours: matching.safety.imaging.load_image (the draft decode) + matching.algorithms.fingerprint (window hashes in
every query variant, ORB features, palette, and for catalog images the look-alike embedding; the row without
it shows what the embedding costs). Plain: imagehash.phash(Image.open(path)), one 64-bit hash from a
full decode. Also: our fingerprint from a full decode, to show what the draft decode saves.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

import imagehash  # noqa: E402
from PIL import Image  # noqa: E402

from catalog import ingest  # noqa: E402
from matching.algorithms import fingerprint  # noqa: E402
from matching.safety import imaging  # noqa: E402
from tests.images import picture  # noqa: E402


def per_second(function, files: list[bytes]) -> float:
    started = time.perf_counter()
    for data in files:
        function(data)
    return len(files) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=8)
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "fingerprint_speed.json"))
    args = parser.parse_args()
    files = []
    for seed in range(args.images):
        out = io.BytesIO()
        picture(1000, 750, seed).resize((4000, 3000), Image.Resampling.BICUBIC).save(out, "JPEG", quality=90)
        files.append(out.getvalue())
    ingest.describe(imaging.load_image(files[0]))  # load the model once, outside the timing
    results = {
        "megapixels": 12,
        "ours_catalog": per_second(lambda d: ingest.describe(imaging.load_image(d)), files),
        "ours_catalog_without_embedding": per_second(lambda d: fingerprint.fingerprint(imaging.load_image(d)), files),
        "ours_query": per_second(lambda d: fingerprint.fingerprint(imaging.load_image(d), for_query=True), files),
        "ours_catalog_full_decode": per_second(lambda d: fingerprint.fingerprint(imaging.load(d)), files),
        "plain_phash": per_second(lambda d: imagehash.phash(Image.open(io.BytesIO(d))), files),
    }
    for name, value in results.items():
        print(f"{name:28s} {value:8.2f}" + (" images/s" if name != "megapixels" else ""))
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
