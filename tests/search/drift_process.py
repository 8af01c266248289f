"""A separate catalog process for the index-drift tests (run as `python -m tests.search.drift_process ROLE`).

- `writer SEED`: saves an item from a generated picture and is killed (SIGKILL) right after the commit,
  before any indexing work of its own runs: a worker dying between commit and index.
- `silent SEED`: saves an item and then erases the change log, as a crash did before the log was
  written with the change: only `update_index` can bring the other processes up to date.
- `reader`: keeps a match index in memory and answers `count` and `match SEED` lines on stdin.
"""

from __future__ import annotations

import os
import signal
import sys

from matching.safety import imaging


def main(role: str, seed: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.db import transaction

    from catalog import ingest
    from matching.models import IndexEvent
    from matching.providers import get_provider, match_image
    from matching.query import QueryImage
    from matching.safety.imaging import load_image
    from tests.images import encode, picture

    if role == "reader":
        print("ready", get_provider().count(), flush=True)
        for line in sys.stdin:
            command, *args = line.split()
            if command == "count":
                print(get_provider().count(), flush=True)
            elif command == "match":
                query = load_image(encode(picture(480, 360, int(args[0])).resize((400, 300)), "JPEG"))
                print(" ".join(str(m.image_id) for m in match_image(QueryImage(query))) or "-", flush=True)
        return
    data = encode(picture(480, 360, seed), "PNG")
    with transaction.atomic():
        if role == "writer":  # registered first, so it runs before the item's own on-commit indexing
            transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))
        item = ingest.create_item(imaging.load_image(data), title=f"Drift {seed}", status="published")
    if role == "silent":
        IndexEvent.objects.filter(image_id=item.pk).delete()
    print(item.pk, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 0)
