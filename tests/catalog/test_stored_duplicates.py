"""Duplicates are kept, not computed on demand: found as pictures are indexed (near copies at once, edited ones
by the background task), kept in step on delete and replace, read by the admin page and `find_duplicates`, and
recomputed in full by `find_duplicates --rebuild`, which resumes when interrupted and says what it could not check.

Real pictures made in code, the real database (run on SQLite and on PostgreSQL), the real indexes.
"""

from __future__ import annotations

import io
import zipfile

import cv2
import pytest
from django.core.management import call_command
from django.urls import reverse
from PIL import ImageEnhance

from catalog import duplicate_checks, ingest
from catalog.admin_duplicates import group_url
from catalog.duplicates import find_groups
from catalog.models import CatalogImage, DismissedDuplicate, DuplicateCheck, DuplicatePair, ImportJob
from matching.algorithms import verify
from matching.safety import imaging
from tests.conftest import upload
from tests.images import encode, picture
from tests.jobs import run_queued_jobs

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

HARBOUR = picture(1200, 900, 1)


def resized() -> bytes:
    """A near copy: smaller, recompressed (accepted on its window hashes)."""
    return encode(HARBOUR.resize((600, 450)), "JPEG", quality=70)


def trimmed() -> bytes:
    """An edited copy: an eighth cut off each side, between the hash windows (settled by local features)."""
    return encode(ImageEnhance.Color(HARBOUR.crop((150, 112, 1050, 788))).enhance(1.2), "JPEG", quality=85)


def pairs() -> set[tuple[int, int, str]]:
    return set(DuplicatePair.objects.values_list("first_id", "second_id", "method"))


def grouped() -> list[set[int]]:
    return [{member.pk for member in group.members} for group in find_groups()]


@pytest.fixture
def queued(settings):
    """Tasks go to the database queue, as with a `db_worker`; `run(path)` runs what is queued there, as it would."""
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.JOBS = {**settings.JOBS, "BACKEND": "default"}  # one queue for both, as with TASKS_BACKEND=database

    def run(path: str) -> int:
        ready = list(DBTaskResult.objects.filter(task_path=path, status="READY"))
        for result in ready:
            result.task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
            result.delete()
        return len(ready)

    return run


@pytest.fixture
def work(monkeypatch):
    """Counts what settling pairs costs, by counting calls into the real functions (each still runs): feature
    fits (RANSAC, whoever asks) and file decodes."""
    counts = {"fits": 0, "decodes": 0}

    def counted(name: str, function):
        def call(*args, **kwargs):
            counts[name] += 1
            return function(*args, **kwargs)

        return call

    monkeypatch.setattr(cv2, "estimateAffine2D", counted("fits", cv2.estimateAffine2D))
    monkeypatch.setattr(verify, "ratio_pairs", counted("fits", verify.ratio_pairs))
    monkeypatch.setattr(imaging, "load_image", counted("decodes", imaging.load_image))
    return counts


def test_near_copies_are_stored_at_ingest_and_edited_copies_by_the_background_task(make_item, queued):
    original = make_item(seed=1, title="Harbour", data=encode(HARBOUR, "PNG"))
    near = make_item(seed=1, title="Harbour (web)", data=resized())
    edited = make_item(seed=1, title="Harbour (trimmed)", data=trimmed())
    make_item(seed=2, title="Mill", data=encode(picture(800, 600, 2), "JPEG"))
    assert queued("search.tasks.index_image") == 4  # the indexing worker's turn
    assert pairs() == {(original.pk, near.pk, "hash")}  # at once, from the hash index alone
    assert DuplicateCheck.objects.filter(near_at__isnull=False, full_at__isnull=True).count() == 4
    assert duplicate_checks.unchecked().count() == 4

    assert queued("catalog.tasks.check_duplicates") >= 1  # then the background check
    assert (original.pk, edited.pk, "features") in pairs() and (near.pk, edited.pk) in {p[:2] for p in pairs()}
    assert grouped() == [{original.pk, near.pk, edited.pk}]
    assert duplicate_checks.unchecked().count() == 0


def test_a_metadata_edit_checks_nothing_again(make_item, committed, work):
    make_item(seed=1, data=encode(HARBOUR, "PNG"))
    copy = make_item(seed=1, data=resized())
    work.update(fits=0, decodes=0)
    copy.title = "Harbour, retitled"
    with committed():
        copy.save()  # indexed again: its file is the one checked
    assert work == {"fits": 0, "decodes": 0} and len(pairs()) == 1


def test_deleting_a_picture_takes_its_pairs_and_its_group_follows(make_item, committed):
    original = make_item(seed=1, data=encode(HARBOUR, "PNG"))
    near = make_item(seed=1, data=resized())
    edited = make_item(seed=1, data=trimmed())
    assert grouped() == [{original.pk, near.pk, edited.pk}]
    with committed():
        edited.delete()
    assert grouped() == [{original.pk, near.pk}]
    assert not DuplicatePair.objects.filter(second=edited.pk).exists()
    with committed():
        original.delete()
    assert grouped() == [] and not DuplicatePair.objects.exists()


def test_replacing_a_file_drops_its_old_pairs_and_checks_the_new_one(make_item, committed):
    original = make_item(seed=1, data=encode(HARBOUR, "PNG"))
    mill = make_item(seed=2, data=encode(picture(800, 600, 2), "PNG"))
    copy = make_item(seed=1, title="Copy", data=resized())
    assert grouped() == [{original.pk, copy.pk}]
    with committed():
        ingest.replace_image(copy, imaging.load_image(encode(picture(800, 600, 2), "JPEG", quality=75)))
    assert grouped() == [{mill.pk, copy.pk}]
    with committed():
        ingest.replace_image(copy, imaging.load_image(encode(picture(640, 480, 3), "JPEG")))
    assert grouped() == [] and DuplicateCheck.objects.get(image=copy).sha256 == copy.sha256


def test_dismissed_pairs_stay_apart_and_cost_nothing(make_item, committed, work):
    original = make_item(seed=1, data=encode(HARBOUR, "PNG"))
    edited = make_item(seed=1, data=trimmed())
    DismissedDuplicate.objects.create(first=original, second=edited)
    assert grouped() == []
    work.update(fits=0, decodes=0)
    report = duplicate_checks.run_pass(restart=True)
    assert not report.doubtful and work["decodes"] == 0 and grouped() == []


def test_the_duplicates_page_reads_the_stored_groups_without_verifying_anything(make_item, staff_client, work):
    original = make_item(seed=1, title="Harbour", data=encode(HARBOUR, "PNG"))
    make_item(seed=1, title="Harbour (trimmed)", data=trimmed())
    assert work["fits"] > 0 and work["decodes"] > 0  # the counters count: checking the copy took both
    mill = make_item(seed=2, title="Mill", data=encode(picture(800, 600, 2), "JPEG"))
    lone = make_item(seed=3, title="Lighthouse", data=encode(picture(800, 600, 3), "JPEG"))
    DuplicatePair.objects.create(first=mill, second=lone, score=77, method="features")  # as a check stored it
    work.update(fits=0, decodes=0)
    html = staff_client.get(reverse("admin:catalog_catalogimage_duplicates")).content.decode()
    assert work == {"fits": 0, "decodes": 0}
    assert html.count('class="dup-group"') == 2 and "Harbour (trimmed)" in html and "Lighthouse" in html
    only = staff_client.get(group_url(original.pk)).content.decode()
    assert only.count('class="dup-group"') == 1 and "Lighthouse" not in only
    assert work == {"fits": 0, "decodes": 0}


def test_the_page_and_the_command_say_how_many_pictures_are_not_checked_yet(make_item, staff_client, capsys):
    make_item(seed=1, data=encode(HARBOUR, "PNG"))
    make_item(seed=1, data=resized())
    DuplicateCheck.objects.all().delete()  # as a catalog stored before duplicates were kept
    html = staff_client.get(reverse("admin:catalog_catalogimage_duplicates")).content.decode()
    assert "2 images are not checked for duplicates yet" in html
    call_command("find_duplicates", verbosity=0)
    assert "2 images are not checked for duplicates yet" in capsys.readouterr().err
    call_command("find_duplicates", "--unchecked", verbosity=0)
    err = capsys.readouterr().err
    assert "checked 2 images" in err and "not checked" not in err and "1 groups of duplicates" in err


def test_the_rebuild_checks_every_picture_and_replaces_what_was_stored(make_item, capsys):
    original = make_item(seed=1, data=encode(HARBOUR, "PNG"))
    near = make_item(seed=1, data=resized())
    edited = make_item(seed=1, data=trimmed())
    others = [make_item(seed=seed, data=encode(picture(640, 480, seed), "JPEG")) for seed in (2, 3, 4)]
    expected = pairs()
    DuplicatePair.objects.all().delete()
    DuplicatePair.objects.create(first=others[0], second=others[1], score=60, method="features")  # stale
    call_command("find_duplicates", "--rebuild", "--workers", "1", verbosity=0)
    err = capsys.readouterr().err
    assert "checked 6 images" in err and "1 groups of duplicates among 6 images; 2 could go." in err
    assert pairs() == expected and grouped() == [{original.pk, near.pk, edited.pk}]
    assert DuplicateCheck.objects.filter(full_at__isnull=False).count() == 6


def test_an_interrupted_rebuild_resumes_with_the_pictures_it_had_not_done(make_item):
    items = [make_item(seed=1, data=encode(HARBOUR, "PNG")), make_item(seed=1, data=trimmed())]
    items += [make_item(seed=seed, data=encode(picture(640, 480, seed), "JPEG")) for seed in (2, 3, 4, 5)]
    expected = pairs()
    DuplicatePair.objects.all().delete()

    def stop(done: int) -> None:
        raise KeyboardInterrupt  # the staff member's Ctrl-C, after the first chunk is recorded

    with pytest.raises(KeyboardInterrupt):
        duplicate_checks.run_pass(restart=True, chunk=2, progress=stop)
    resumed = duplicate_checks.run_pass(chunk=2)
    assert resumed.resumed and resumed.checked == 4
    assert pairs() == expected and duplicate_checks.unchecked().count() == 0
    again = duplicate_checks.run_pass(chunk=2)  # that one finished: the next starts anew
    assert not again.resumed and again.checked == 6


def test_the_rebuild_command_shows_its_progress_and_resumes_after_a_ctrl_c(make_item, capsys, monkeypatch):
    items = [make_item(seed=seed, data=encode(picture(640, 480, seed), "JPEG")) for seed in (2, 3, 4, 5, 6, 7)]
    plan, record = duplicate_checks.plan, duplicate_checks.record
    monkeypatch.setattr(duplicate_checks, "plan", lambda todo, limits, size: plan(todo, limits, 2))  # small chunks
    recorded = []

    def stop_after_two_chunks(settled, since, **options) -> None:
        if len(recorded) == 2:
            raise KeyboardInterrupt  # the staff member's Ctrl-C
        recorded.append(settled.pictures)
        record(settled, since, **options)

    monkeypatch.setattr(duplicate_checks, "record", stop_after_two_chunks)
    with pytest.raises(KeyboardInterrupt):
        call_command("find_duplicates", "--rebuild", "--workers", "1", verbosity=1)
    assert "4/6 " in capsys.readouterr().err  # the bar where it stopped: two chunks recorded
    monkeypatch.setattr(duplicate_checks, "record", record)
    call_command("find_duplicates", "--rebuild", "--workers", "1", verbosity=1)
    err = capsys.readouterr().err
    assert "checking: 100%" in err and "2/2 " in err  # the bar counts the pictures left, as they are done
    assert "Resumed the interrupted rebuild: checked 2 images" in err
    assert duplicate_checks.unchecked().count() == 0 and len(items) == 6


def test_a_picture_whose_file_cannot_be_read_is_named_and_stays_unchecked(make_item, capsys):
    original = make_item(seed=1, data=encode(HARBOUR, "PNG"))
    edited = make_item(seed=1, data=trimmed())
    for item in (original, edited):  # the pair needs a decode from one of them
        item.image.storage.delete(item.image.name)
    call_command("find_duplicates", "--rebuild", "--restart", "--workers", "1", verbosity=0)
    err = capsys.readouterr().err
    assert f"2 images could not be read, so their duplicates were not all checked: #{original.pk}, #{edited.pk}" in err
    assert set(duplicate_checks.unchecked().values_list("pk", flat=True)) == {original.pk, edited.pk}
    assert "2 images are not checked for duplicates yet" in err


@pytest.mark.django_db(transaction=True)  # the jobs worker commits, as a real one does
def test_the_import_report_flags_a_duplicate_with_a_link_to_its_group(make_item, staff_client, committed):
    original = make_item(seed=1, title="Harbour", data=encode(HARBOUR, "PNG"))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("harbour-trimmed.jpg", trimmed())
        zipped.writestr("lighthouse.jpg", encode(picture(800, 600, 3), "JPEG"))
    with committed():
        staff_client.post(reverse("admin:catalog_importjob_add"),
                          {"archive": upload("batch.zip", archive.getvalue(), "application/zip")})  # fmt: skip
    run_queued_jobs()  # the import runs in the background, as the worker beside the site runs it
    job = ImportJob.objects.get()
    copy = CatalogImage.objects.get(identifier="harbour-trimmed.jpg")
    html = staff_client.get(reverse("admin:catalog_importjob_change", args=[job.pk])).content.decode()
    row = next(line for line in html.split("<tr>") if "harbour-trimmed.jpg" in line)
    assert f'<a href="{group_url(copy.pk).replace("&", "&amp;")}">same picture as #{original.pk}</a>' in row
    assert "same picture as" not in next(line for line in html.split("<tr>") if "lighthouse.jpg" in line)


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_in_two_worker_processes_finds_what_one_process_finds(make_item, settings):
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        pytest.skip("the test database is in this process's memory: worker processes need a server (PostgreSQL)")
    original = make_item(seed=1, data=encode(HARBOUR, "PNG"))
    near = make_item(seed=1, data=resized())
    edited = make_item(seed=1, data=trimmed())
    for seed in (2, 3, 4, 5):
        make_item(seed=seed, data=encode(picture(640, 480, seed), "JPEG"))
    expected = pairs()
    DuplicatePair.objects.all().delete()
    report = duplicate_checks.run_pass(workers=2, restart=True, chunk=2)
    assert report.checked == 7 and pairs() == expected
    assert grouped() == [{original.pk, near.pk, edited.pk}]
