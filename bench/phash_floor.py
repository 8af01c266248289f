"""The pHash floor of a bulk import: what reading and hashing the files costs with nothing else to do.

    .venv/bin/python bench/phash_floor.py FOLDER [--workers 2]

Every file under FOLDER is read, decoded as Likeness decodes (a JPEG at the scale that keeps its short
side at least 512 pixels, Pillow's `draft`) and given an `imagehash.phash`, in worker processes. No
Django, no database: a process that starts in half a second, so an import's ratio to it says what
Likeness adds beyond the decode both share (bench/staff_tools.py runs it beside `import_catalog`).
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import imagehash
from PIL import Image

DRAFT_SIDE = 512  # matching.algorithms.fingerprint.DECODE_SIZE, not imported: no Django here


def phash(path: Path) -> str:
    with Image.open(path) as image:
        image.draft("RGB", (DRAFT_SIDE, DRAFT_SIDE))
        return str(imagehash.phash(image))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    files = sorted(path for path in args.folder.rglob("*") if path.is_file())
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        hashes = list(pool.map(phash, files, chunksize=4))
    print(f"{len(hashes)} files hashed")


if __name__ == "__main__":
    main()
