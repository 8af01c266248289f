"""Bulk import (folder or zip, metadata, workers, resume, reports) and export that round-trips."""

import csv
import io
import json
import zipfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from catalog.models import CatalogImage, Creator, ImportJob, Status
from tests.conftest import upload
from tests.images import image_bytes
from tests.jobs import queue_jobs

pytestmark = pytest.mark.django_db

METADATA = """file,title,creator,year,description,tags,license,price,currency,collection
harbour.jpg,Harbour at Dawn,Ada Holm,c. 1890,Boats at dawn.,"harbour, boats",Editorial use only,120,usd,Holm Estate
portraits/lady.png,Lady in Blue,Ada Holm,1950s,,,royalty-free,,,
"""


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "photos"
    (root / "portraits" / "second").mkdir(parents=True)
    (root / "harbour.jpg").write_bytes(image_bytes("JPEG", 800, 600, 41))
    (root / "portraits" / "lady.png").write_bytes(image_bytes("PNG", 480, 640, 42))
    (root / "portraits" / "second" / "lady.png").write_bytes(image_bytes("PNG", 480, 640, 42))  # the same file twice
    (root / "broken.jpg").write_bytes(image_bytes("JPEG", 800, 600, 43)[:400])
    (root / "readme.txt").write_text("not an image")
    (root / ".DS_Store").write_bytes(b"\0")
    return root


def run_import(*args, **options):
    out = io.StringIO()
    call_command("import_catalog", *map(str, args), stdout=out, verbosity=0, **options)
    return out.getvalue()


def test_a_folder_imports_with_metadata_and_reports_each_file(folder, tmp_path, committed):
    meta = tmp_path / "meta.csv"
    meta.write_text(METADATA)
    report = tmp_path / "report.csv"
    with committed():
        out = run_import(folder, "--metadata", meta, "--workers", "1", "--report", report)
    assert "Imported 2, skipped 1 as duplicate, skipped 0 as already present, 2 failed." in out
    harbour = CatalogImage.objects.get(identifier="harbour.jpg")
    assert (harbour.title, harbour.creator.name, harbour.year, harbour.year_approximate) == (
        "Harbour at Dawn", "Ada Holm", 1890, True)  # fmt: skip
    assert (harbour.license_type, harbour.price, harbour.currency) == ("editorial", Decimal("120.00"), "USD")
    assert harbour.collection.name == "Holm Estate" and harbour.status == Status.DRAFT
    lady = CatalogImage.objects.get(identifier="portraits/lady.png")
    assert (lady.year, lady.year_approximate, lady.width, lady.height) == (1950, True, 480, 640)
    rows = {row["file"]: row for row in csv.DictReader(report.open())}
    assert rows["portraits/second/lady.png"]["outcome"] == "duplicate"
    assert rows["broken.jpg"]["outcome"] == "failed" and "corrupt" in rows["broken.jpg"]["reason"]
    assert rows["readme.txt"]["outcome"] == "failed" and ".DS_Store" not in rows
    assert Creator.objects.filter(name="Ada Holm").count() == 1
    assert harbour.fingerprint is not None  # fingerprinted, so it is searchable by image


def test_an_imports_renditions_and_edited_copy_checks_wait_for_the_jobs_worker(tmp_path, settings, committed):
    """Indexing runs in the import (TASKS_BACKEND=immediate), but the slow parts are the worker's, not the import's."""
    from django.core.files.storage import default_storage
    from django_tasks_db.models import DBTaskResult

    from catalog.renditions import KINDS, rendition_name

    queue_jobs(settings)
    for seed in (901, 902):  # pictures no other test makes: renditions are named by the file's content
        (tmp_path / f"{seed}.png").write_bytes(image_bytes("PNG", 400, 300, seed))
    with committed():
        run_import(tmp_path, "--workers", "1")
    items = list(CatalogImage.objects.all())
    assert len(items) == 2 and all(item.fingerprint is not None for item in items)  # indexed at once
    names = [rendition_name(item, kind) for item in items for kind in KINDS]
    assert not any(default_storage.exists(name) for name in names)
    queued = list(DBTaskResult.objects.filter(task_path="search.tasks.render_images", status="READY"))
    assert sorted(pk for result in queued for pk in result.args_kwargs["args"][0]) == sorted(i.pk for i in items)
    for result in queued:  # as the worker would
        result.task.call(*result.args_kwargs["args"])
    assert all(default_storage.exists(name) for name in names)


def test_a_second_run_resumes_by_skipping_what_is_already_there(folder):
    run_import(folder, "--workers", "1")
    out = run_import(folder, "--workers", "1")
    assert "Imported 0, skipped 1 as duplicate, skipped 2 as already present, 2 failed." in out
    assert CatalogImage.objects.count() == 2


def test_worker_processes_give_the_same_result(folder):
    import hashlib

    from matching.index import store

    out = run_import(folder, "--workers", "2", "--publish")
    assert "Imported 2" in out and "2 failed" in out
    assert set(CatalogImage.objects.values_list("status", flat=True)) == {Status.PUBLISHED}
    # The workers send back no file and no pixels: what is stored is the file itself, with its facts.
    for item in CatalogImage.objects.all():
        source = (folder / item.identifier).read_bytes()
        with item.image.open("rb") as stored:
            assert stored.read() == source
        assert (item.sha256, item.file_size) == (hashlib.sha256(source).hexdigest(), len(source))
        assert (item.width, item.height) in {(800, 600), (480, 640)}
        assert store.load_current(item.pk, item.sha256) is not None and store.has_embedding(item.pk)


def test_workers_store_the_fingerprints_and_embeddings_ingest_makes_one_by_one(folder):
    """Workers prepare a few files at a time (the model run once for them, a corrupt file among them): each
    item's stored fingerprint and embedding are, bit for bit, those ingest makes of its file alone."""
    import numpy as np

    from catalog import ingest
    from matching.index import store
    from matching.safety.imaging import load_image

    for n in range(5):
        (folder / f"more-{n}.jpg").write_bytes(image_bytes("JPEG", 700, 500, 60 + n))
    assert "Imported 7" in run_import(folder, "--workers", "2")
    for item in CatalogImage.objects.all():
        alone = ingest.describe(load_image((folder / item.identifier).read_bytes()))
        stored = store.load_current(item.pk, item.sha256)
        assert stored is not None, item.identifier
        assert np.array_equal(stored.hashes, alone.hashes) and np.array_equal(stored.keys, alone.keys)
        assert stored.features == alone.features and stored.fine == alone.fine
        kept = alone.embedding.astype("<f2").astype(np.float32)  # the store keeps float16
        assert np.array_equal(store.load_embedding(item.pk), kept), item.identifier
        assert item.color_mask == alone.color_mask


def test_a_zip_imports_with_json_metadata(tmp_path):
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("scans/a.jpg", image_bytes("JPEG", 640, 480, 44))
        zipped.writestr("__MACOSX/scans/._a.jpg", b"resource fork")
    meta = tmp_path / "meta.json"
    meta.write_text(json.dumps({"a.jpg": {"title": "Scan A", "year": 1901, "tags": "scan"}}))
    assert "Imported 1," in run_import(archive, "--metadata", meta)
    item = CatalogImage.objects.get()
    assert (item.identifier, item.title, item.year, item.tags) == ("scans/a.jpg", "Scan A", 1901, "scan")


def test_bad_metadata_fails_only_its_file(folder, tmp_path):
    meta = tmp_path / "meta.csv"
    meta.write_text("file,title,year,price,license\nharbour.jpg,H,around then,12,editorial\n"
                    "portraits/lady.png,L,1900,ten,nonsense\n")  # fmt: skip
    out = run_import(folder, "--metadata", meta, "--workers", "1")
    assert "harbour.jpg" in out and "is not a year" in out
    assert "is not a price" in out and "is not a licence" in out
    assert CatalogImage.objects.count() == 0  # no half-imported items


def test_a_dry_run_checks_everything_and_saves_nothing(folder, tmp_path):
    meta = tmp_path / "meta.csv"
    meta.write_text(METADATA)
    out = run_import(folder, "--metadata", meta, "--dry-run", "--workers", "1")
    assert "Would import 2" in out
    assert CatalogImage.objects.count() == 0 and Creator.objects.count() == 0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing", "does not exist"),
        (lambda tmp: (tmp / "file.txt").write_text("x") and tmp / "file.txt", "neither a folder nor a zip"),
    ],
)
def test_an_unusable_source_is_a_clear_error(tmp_path, make, message):
    with pytest.raises(CommandError, match=message):
        run_import(make(tmp_path))


def test_unreadable_metadata_is_a_clear_error(folder, tmp_path):
    meta = tmp_path / "meta.json"
    meta.write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        run_import(folder, "--metadata", meta)
    meta = tmp_path / "meta.csv"
    meta.write_text("title\nNo file column\n")
    with pytest.raises(CommandError, match="no 'file' column"):
        run_import(folder, "--metadata", meta)


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_an_export_imports_back_to_the_same_metadata(folder, tmp_path, fmt):
    meta = tmp_path / "meta.csv"
    meta.write_text(METADATA)
    run_import(folder, "--metadata", meta, "--workers", "1", "--publish")
    exported = tmp_path / f"export.{fmt}"
    call_command("export_catalog", "--format", fmt, "--output", str(exported), verbosity=0)
    before = {item.identifier: export_fields(item) for item in CatalogImage.objects.all()}
    CatalogImage.objects.all().delete()
    run_import(folder, "--metadata", exported, "--workers", "1")
    after = {item.identifier: export_fields(item) for item in CatalogImage.objects.all()}
    assert after == before and len(after) == 2


def export_fields(item):
    from catalog.metadata import export_row

    return export_row(item)


def test_export_to_standard_output(make_item):
    make_item(title="Évora, at night", year=1901)
    out = io.StringIO()
    call_command("export_catalog", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["title"] == "Évora, at night" and rows[0]["year"] == "1901"


def test_the_admin_imports_a_zip_in_the_background_with_a_report(staff_client, committed):
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("a.jpg", image_bytes("JPEG", 640, 480, 45))
        zipped.writestr("b.jpg", b"not really a jpeg")
    meta = b"file,title\na.jpg,From the admin\n"
    with committed():
        response = staff_client.post(reverse("admin:catalog_importjob_add"), {
            "archive": upload("batch.zip", archive.getvalue(), "application/zip"),
            "metadata": upload("meta.csv", meta, "text/csv"), "publish": "on",
        })  # fmt: skip
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.DONE and (job.done, job.total) == (2, 2)
    assert "Imported 1," in job.summary and "1 failed" in job.summary
    assert CatalogImage.objects.get().title == "From the admin"
    page = staff_client.get(reverse("admin:catalog_importjob_change", args=[job.pk])).content.decode()
    assert "b.jpg" in page and "not an image" in page and "imported" in page


def test_a_damaged_zip_fails_the_job_with_a_reason(staff_client, committed):
    with committed():
        staff_client.post(reverse("admin:catalog_importjob_add"),
                          {"archive": upload("broken.zip", b"PK\x03\x04 broken", "application/zip")})  # fmt: skip
    job = ImportJob.objects.get()
    assert job.state == ImportJob.State.FAILED and "not a zip file" in job.summary


def test_a_large_import_saves_in_batches_and_every_item_is_complete_and_searchable(
    tmp_path, committed, django_assert_max_num_queries
):
    from catalog.importer import BATCH_SIZE
    from catalog.models import SuggestedTag
    from matching.index import store
    from matching.models import ImageColor, IndexEvent
    from matching.safety.imaging import load_image
    from search import service
    from search.query import SearchQuery
    from tests.images import encode, picture

    count = BATCH_SIZE + 3  # a full batch and a partial one
    root = tmp_path / "scenes"
    root.mkdir()
    for n in range(count):
        (root / f"scene-{n:02d}.png").write_bytes(encode(picture(320, 240, 300 + n), "PNG"))
    # One by one, saving an item took about thirty statements; in batches it takes a few per item.
    with committed(), django_assert_max_num_queries(6 * count):
        out = run_import(root, "--workers", "1", "--publish")
    assert f"Imported {count}," in out
    items = list(CatalogImage.objects.order_by("identifier"))
    assert [item.identifier for item in items] == [f"scene-{n:02d}.png" for n in range(count)]
    ids = {item.pk for item in items}
    assert set(IndexEvent.objects.filter(operation=IndexEvent.ADD).values_list("image_id", flat=True)) == ids
    for item in items:
        fingerprint = store.load_current(item.pk, item.sha256)
        assert fingerprint is not None and item.color_mask == fingerprint.color_mask > 0
        assert set(ImageColor.objects.filter(image_id=item.pk).values_list("name", flat=True)) == set(
            fingerprint.color_classes
        )
        assert store.has_embedding(item.pk)
    assert SuggestedTag.objects.filter(image_id__in=ids).values("image_id").distinct().count() == count
    # Indexed once the batch committed: by its words, and by its picture in the match index.
    assert service.search(SearchQuery(text="scene")).total == count
    seventh = load_image(encode(picture(320, 240, 307).resize((240, 180)), "JPEG"))
    hits = service.search(SearchQuery(images=(seventh,), kind="copy")).hits
    assert hits[0].item.identifier == "scene-07.png"


def test_a_name_taken_while_its_batch_waits_fails_only_that_file_and_leaves_no_file(tmp_path):
    """Another import (here: a row written while the batch fills) takes a name the batch holds: the database
    refuses the batch, which is saved again one by one, so only that file fails."""
    from catalog.importer import DUPLICATE, FAILED, IMPORTED, Importer, list_sources
    from tests.hostile import media_files

    root = tmp_path / "batch"
    root.mkdir()
    (root / "a.png").write_bytes(image_bytes("PNG", 320, 240, 61))
    (root / "b.png").write_bytes(image_bytes("PNG", 320, 240, 62))
    (root / "c.png").write_bytes(image_bytes("PNG", 320, 240, 61))  # a's file again: settled while a and b wait

    def meanwhile(outcome):
        if outcome.outcome == DUPLICATE:
            CatalogImage.objects.create(identifier="a.png", title="Taken elsewhere", image="catalog/elsewhere.png")

    before = media_files()
    outcomes = {o.file: o for o in Importer(on_outcome=meanwhile).run(*list_sources(root))}
    assert outcomes["a.png"].outcome == FAILED and "identifier already exists" in outcomes["a.png"].reason.lower()
    assert outcomes["b.png"].outcome == IMPORTED
    b = CatalogImage.objects.get(pk=outcomes["b.png"].item)
    assert b.fingerprint is not None
    assert media_files() - before == {b.image.name.removeprefix("catalog/")}  # a's file, written for the batch, went
