"""Index snapshots shared by the processes of a host: written by the first, mapped by the others.

Two provider (or look-alike index) instances share nothing but the database and the snapshot folder,
as two gunicorn workers on one host do.
"""

import json
import shutil

import numpy as np
import pytest

from matching.index import snapshot, store
from matching.index.lookalike_memory import LookalikeIndex
from matching.models import IndexEvent
from matching.providers.local import LocalHashProvider
from tests.images import encode, picture
from tests.matching.test_local_provider import query

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def index_dir(settings, tmp_path):
    settings.LIKENESS = {**settings.LIKENESS, "INDEX_DIR": str(tmp_path / "index")}
    return tmp_path / "index"


@pytest.fixture
def catalog(make_item, index_dir):
    items = [
        make_item(seed=seed, width=640, height=480, data=encode(picture(640, 480, seed), "PNG")) for seed in range(5)
    ]
    # Ingest's duplicate check loads this process's indexes, which writes their snapshots: each test
    # starts as a host that has none yet.
    shutil.rmtree(index_dir, ignore_errors=True)
    return items


def found(provider, seed: int) -> list[int]:
    return [match.image_id for match in provider.match(query(picture(640, 480, seed)))]


def edit_meta(index_dir, name: str, **changes) -> None:
    folder = index_dir / name / (index_dir / name / "current").read_text()
    meta = json.loads((folder / "meta.json").read_text())
    (folder / "meta.json").write_text(json.dumps({**meta, **changes}))


def test_the_first_process_builds_and_the_next_maps_its_snapshot(catalog):
    first = LocalHashProvider()
    assert first.count() == 5 and first.loaded_from == "database"
    second = LocalHashProvider()
    assert second.count() == 5 and second.loaded_from == "snapshot"
    assert isinstance(second.source.index.keys, np.memmap) and isinstance(second.source.index.hashes, np.memmap)
    assert found(second, 3) == found(first, 3) == [catalog[3].pk]
    assert found(second, 99) == []


def test_changes_after_the_snapshot_are_replayed_on_the_mapped_index(catalog, make_item, committed):
    LocalHashProvider().count()  # writes the snapshot
    added = make_item(seed=42, width=640, height=480, data=encode(picture(640, 480, 42), "PNG"))
    with committed():
        catalog[1].delete()
    later = LocalHashProvider()
    assert later.count() == 5 and later.loaded_from == "snapshot"
    assert found(later, 42) == [added.pk]
    assert found(later, 1) == []
    with committed():  # and it keeps following the log, mapped arrays and all
        catalog[2].delete()
    assert found(later, 2) == [] and later.count() == 4


def test_a_reload_asked_by_update_index_is_not_answered_from_an_older_snapshot(catalog):
    LocalHashProvider().count()
    store.record_reload()
    after = LocalHashProvider()
    assert after.count() == 5 and after.loaded_from == "database"
    assert LocalHashProvider().count() == 5 and snapshot.read("hashes").last_event == store.latest_change()


@pytest.mark.parametrize(
    "damage",
    [
        {"written_at": 0},  # too old: events logged since may have been pruned
        {"event_time": "2001-01-01T00:00:00+00:00"},  # written from another database
        {"fingerprint_version": 1},  # fingerprints of another version
        {"format": 99},
    ],
)
def test_a_snapshot_that_is_not_certainly_current_is_not_used(catalog, index_dir, damage):
    LocalHashProvider().count()
    edit_meta(index_dir, "hashes", **damage)
    again = LocalHashProvider()
    assert again.count() == 5 and again.loaded_from == "database"
    assert found(again, 4) == [catalog[4].pk]


def test_a_damaged_snapshot_is_ignored_and_replaced(catalog, index_dir):
    LocalHashProvider().count()
    folder = index_dir / "hashes" / (index_dir / "hashes" / "current").read_text()
    (folder / "offsets.npy").write_bytes(b"not an array")
    again = LocalHashProvider()
    assert again.count() == 5 and again.loaded_from == "database"
    assert found(again, 0) == [catalog[0].pk]
    third = LocalHashProvider()  # the damaged snapshot was replaced by a good one
    assert third.count() == 5 and third.loaded_from == "snapshot"


def test_a_reload_event_reloads_each_process_once_not_on_every_answer(catalog):
    provider = LocalHashProvider()
    provider.count()
    loads = []
    source = provider.source  # the hash table that follows the change log
    original = source.reload
    source.reload = lambda: loads.append(1) or original()
    store.record_reload()
    for _ in range(3):
        assert provider.count() == 5
    assert len(loads) == 1


def test_an_empty_change_log_is_marked_so_that_the_snapshot_can_be_checked(catalog):
    IndexEvent.objects.all().delete()  # a catalog nobody changed for longer than the log is kept
    first = LocalHashProvider()
    assert first.count() == 5 and first.loaded_from == "database"
    assert IndexEvent.objects.filter(operation=IndexEvent.RELOAD).count() == 1
    second = LocalHashProvider()
    assert second.count() == 5 and second.loaded_from == "snapshot"


def test_without_a_snapshot_folder_every_process_builds_its_own(catalog, settings):
    settings.LIKENESS = {**settings.LIKENESS, "INDEX_DIR": ""}
    assert LocalHashProvider().count() == 5
    second = LocalHashProvider()
    assert second.count() == 5 and second.loaded_from == "database"


# --- the look-alike index ---------------------------------------------------------------------------


@pytest.fixture
def embedded(embedded_catalog, index_dir):
    return embedded_catalog


@pytest.mark.parametrize("inverted", [False, True])
def test_the_lookalike_index_maps_its_snapshot_and_follows_changes_on_top(embedded, monkeypatch, inverted):
    import matching.index.lookalike_memory as lookalike

    if inverted:
        monkeypatch.setattr(lookalike, "IVF_FROM", 100)  # 160 images count as large here
        monkeypatch.setattr(lookalike, "TRAIN_PER_LIST", 4)
    ids, vectors = embedded
    first = LookalikeIndex()
    assert first.count() == len(ids) and first.loaded_from == "database"
    second = LookalikeIndex()
    assert second.count() == len(ids) and second.loaded_from == "snapshot"
    for row in range(0, len(ids), 20):
        assert second.nearest(vectors[row], limit=5) == first.nearest(vectors[row], limit=5)
    # Changes go beside the mapped codes (faiss would abort the process on writing to them).
    store.save_embedding(int(ids[0]), vectors[1], ())  # the first image now looks like the second
    second.load_ids([int(ids[0])])
    assert second.count() == len(ids)
    assert {pk for pk, _ in second.nearest(vectors[1], limit=2, floor=0.99)} == {int(ids[0]), int(ids[1])}
    assert int(ids[0]) not in [pk for pk, _ in second.nearest(vectors[0], floor=0.99)]
    second.drop_id(int(ids[5]))
    assert second.count() == len(ids) - 1
    assert int(ids[5]) not in [pk for pk, _ in second.nearest(vectors[5], limit=20, floor=-1)]
    both = second.nearest_many(vectors[1:3], limit=3)
    assert both == [second.nearest(vectors[1], limit=3), second.nearest(vectors[2], limit=3)]


def test_the_lookalike_snapshot_is_refused_when_its_parts_do_not_fit(embedded, index_dir):
    ids, _vectors = embedded
    LookalikeIndex().count()
    folder = index_dir / "lookalike" / (index_dir / "lookalike" / "current").read_text()
    np.save(folder / "ids.npy", np.arange(3, dtype=np.int64))
    again = LookalikeIndex()
    assert again.count() == len(ids) and again.loaded_from == "database"


# --- gunicorn with the production settings ----------------------------------------------------------


def test_gunicorn_workers_map_the_snapshot_the_master_left_and_see_each_others_changes(tmp_path):
    from tests.matching.remote import rest
    from tests.servers import LikenessInstance

    (tmp_path / "likeness").mkdir()
    instance = LikenessInstance(tmp_path / "likeness", workers=2).start()
    try:
        for seed in range(3):  # each add lands on one worker or the other
            upload = {"image": (f"p{seed}.png", encode(picture(640, 480, seed), "PNG"))}
            assert rest(instance, "add", "post", files=upload, data={"filepath": f"p{seed}.png"})["status"] == "ok"
        snapshots = tmp_path / "likeness/index"
        for name in ("hashes", "lookalike"):  # written by the master before any worker started
            assert (snapshots / name / (snapshots / name / "current").read_text() / "meta.json").exists()
        for _ in range(6):  # whichever worker answers knows all three
            found = rest(instance, "search", "post", files={"image": ("q.png", encode(picture(640, 480, 1), "PNG"))})
            assert [row["filepath"] for row in found["result"]] == ["p1.png"]
        instance.stop()
        instance.start()  # a restart maps the snapshot and replays the three adds
        found = rest(instance, "search", "post", files={"image": ("q.png", encode(picture(640, 480, 2), "PNG"))})
        assert [row["filepath"] for row in found["result"]] == ["p2.png"]
        assert rest(instance, "count")["result"] == [3]
    finally:
        instance.stop()
    assert b"Traceback" not in (tmp_path / "likeness/server.log").read_bytes()


def test_load_indexes_builds_the_snapshots_once_and_then_maps_them(catalog):
    from io import StringIO

    from django.core.management import call_command

    first, second, rebuilt = StringIO(), StringIO(), StringIO()
    call_command("load_indexes", stdout=first)
    call_command("load_indexes", stdout=second)
    call_command("load_indexes", "--rebuild", stdout=rebuilt)
    assert "match index: 5 images from the database" in first.getvalue()
    assert "match index: 5 images from the snapshot" in second.getvalue()
    assert "look-alike index: 5 images from the snapshot" in second.getvalue()
    assert "match index: 5 images from the database" in rebuilt.getvalue()


def test_update_index_leaves_current_snapshots_for_the_workers(catalog):
    from django.core.management import call_command

    LocalHashProvider().count()
    LookalikeIndex().count()  # snapshots from before ...
    call_command("update_index", "--skip-matching", verbosity=0)
    call_command("update_index", verbosity=0)  # ... and the reload update_index asks for
    worker, lookalike = LocalHashProvider(), LookalikeIndex()
    assert worker.count() == 5 and worker.loaded_from == "snapshot"
    assert lookalike.count() == 5 and lookalike.loaded_from == "snapshot"


@pytest.mark.django_db(transaction=True)  # the background thread has its own connection: it must see the rows
def test_the_periodic_reload_builds_the_next_snapshot_in_the_background_while_answering(make_item, index_dir):
    from matching.index import follower

    items = [
        make_item(seed=seed, width=640, height=480, data=encode(picture(640, 480, seed), "PNG")) for seed in (1, 2)
    ]
    LocalHashProvider().count()
    edit_meta(index_dir, "hashes", written_at=0)  # the host's snapshot is past the reload period ...
    worker = LocalHashProvider()
    assert worker.count() == 2 and worker.loaded_from == "database"  # (at start, nothing else to answer from)
    old = (index_dir / "hashes/current").read_text()
    edit_meta(index_dir, "hashes", written_at=0)
    worker.source._loaded_at -= follower.RELOAD_AFTER + 1  # ... and so is this process's load
    assert found(worker, 2) == [items[1].pk]  # answered at once from what it holds
    worker.source._refreshing.join(timeout=120)
    assert (index_dir / "hashes/current").read_text() != old  # a new snapshot, built beside it
    assert found(worker, 1) == [items[0].pk] and worker.loaded_from == "snapshot"  # and mapped on the next answer


@pytest.mark.django_db(transaction=True)  # the background thread has its own connection: it must see the rows
def test_many_changes_over_a_mapped_index_make_a_new_snapshot_not_a_private_copy(make_item, index_dir, monkeypatch):
    import matching.index.hashes as hashes

    monkeypatch.setattr(hashes, "MERGE_AT", 6)  # two images' windows
    first = make_item(seed=1, width=640, height=480, data=encode(picture(640, 480, 1), "PNG"))
    LocalHashProvider().count()
    worker = LocalHashProvider()
    assert worker.count() == 1 and worker.loaded_from == "snapshot"
    added = [make_item(seed=n, width=640, height=480, data=encode(picture(640, 480, n), "PNG")) for n in (2, 3)]
    assert found(worker, 3) == [added[1].pk]  # replayed into the delta, beside the mapped tables ...
    assert isinstance(worker.source.index.keys, np.memmap)  # ... which were not merged into a private copy
    assert worker.count() == 3  # the next answer starts a new snapshot instead
    worker.source._refreshing.join(timeout=120)
    assert found(worker, 2) == [added[0].pk] and found(worker, 1) == [first.pk]
    assert worker.loaded_from == "snapshot" and worker.count() == 3
    assert len(worker.source.index.ids) == 3 and isinstance(
        worker.source.index.keys, np.memmap
    )  # all three in the new one
