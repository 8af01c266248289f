"""The pHash floor of a bulk import: what reading and hashing the files costs with nothing else to do.

    .venv/bin/python bench/phash_floor.py FOLDER [--workers 2]

Every file under FOLDER is read, decoded as the issue that set the goal measured it (a JPEG at the scale
that keeps its short side at least 512 pixels, Pillow's `draft`: a quarter for 12 MP) and given an
`imagehash.phash`, in worker processes. No Django, no database: a process that starts in half a second
(bench/staff_tools.py runs it beside `import_catalog`). Likeness now decodes a 12 MP JPEG at an eighth
(fingerprint version 4); the floor keeps the decode it was defined with, so the goal does not move.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import imagehash
from PIL import Image

DRAFT_SIDE = 512  # the decode the floor was defined with (issue #34), kept fixed


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
