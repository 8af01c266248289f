"""Files no row references: the safety net command, and the paths that must not leave any."""

import io
import os
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command

from catalog import ingest, renditions
from catalog.models import CatalogImage
from catalog.storage import originals
from matching.safety import imaging
from tests.hostile import media_files
from tests.images import image_bytes

pytestmark = pytest.mark.django_db


def stray(name: str, age_minutes: float) -> Path:
    root = settings.ORIGINALS_ROOT if name.startswith("catalog/") else settings.MEDIA_ROOT
    path = Path(root) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"left behind")
    old = time.time() - age_minutes * 60
    os.utime(path, (old, old))
    return path


def run(*args) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("collect_orphan_files", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def test_orphans_are_listed_then_removed_and_everything_referenced_stays(make_item):
    item = make_item(seed=1)
    renditions.ensure_all(item)
    orphan = stray("catalog/zz/crashed-ingest.jpg", 120)
    orphan_thumb = stray(f"renditions/preview/00/{'0' * 64}-12345678.jpg", 120)
    fresh = stray("catalog/zz/in-flight.jpg", 1)  # its transaction may still commit
    listed = run("--dry-run")
    assert "crashed-ingest.jpg" in listed and "0" * 64 in listed and "in-flight" not in listed
    assert orphan.exists() and orphan_thumb.exists()
    assert "Removed 2 files" in run()
    assert not orphan.exists() and not orphan_thumb.exists() and fresh.exists()
    assert originals().exists(item.image.name)
    assert all(default_storage.exists(renditions.rendition_name(item, kind)) for kind in renditions.KINDS)


def test_racing_first_requests_for_a_thumbnail_keep_one_file(make_item, monkeypatch):
    item = make_item(seed=2)
    default_storage.delete(renditions.rendition_name(item, "medium"))  # made at ingest: as before renditions were
    render, barrier = renditions.render, threading.Barrier(3)

    def render_together(*args):
        barrier.wait(timeout=10)  # every request has seen "no thumbnail yet" before any writes one
        return render(*args)

    monkeypatch.setattr(renditions, "render", render_together)
    urls, copies = [], [CatalogImage.objects.get(pk=item.pk) for _ in range(3)]  # one instance per request
    threads = [threading.Thread(target=lambda copy: urls.append(renditions.ensure(copy, "medium")), args=(c,))
               for c in copies]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(urls) == 3 and len(set(urls)) == 1  # every request answered, with the one thumbnail
    folder = (Path(settings.MEDIA_ROOT) / renditions.rendition_name(item, "medium")).parent
    assert [path.name for path in folder.iterdir() if path.name.startswith(item.sha256)] == [f"{item.sha256}.jpg"]


def test_a_replacement_that_cannot_be_saved_leaves_no_new_file(make_item, monkeypatch):
    item = make_item(seed=3)
    before, sha256 = media_files(), item.sha256

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ingest, "save_fingerprint", broken)
    with pytest.raises(RuntimeError):
        ingest.replace_image(item, imaging.load_image(image_bytes("PNG", 100, 80, 4)), "new.png")
    assert media_files() == before
    assert CatalogImage.objects.get(pk=item.pk).sha256 == sha256
