"""The models that moved from `search` to `matching` kept their tables and every row in them.

A database at the layout before the move (search 0004, no matching app), holding items,
fingerprints, colour classes, index events and what a remote holds, migrates to the new layout
with nothing copied or dropped, and is searchable afterwards. Runs on SQLite and on PostgreSQL
(whichever DATABASE_URL names), with real migrations.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from matching.models import ImageColor, ImageFingerprint, IndexEvent, RemoteImage
from matching.providers import match_image, reset_providers
from matching.query import QueryImage
from matching.safety.imaging import load_image
from search import service
from search.query import SearchQuery
from tests.images import encode, picture

pytestmark = pytest.mark.slow

BEFORE = [("catalog", "0004_duplicates_and_imports"), ("search", "0004_remote_images"), ("matching", None)]
MOVED = ("imagefingerprint", "imagecolor", "indexevent", "remoteimage")


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


def latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_rows_made_before_the_move_are_all_there_and_searchable_after_it(make_item):
    items = [
        make_item(seed=seed, title=f"Harbour {seed}", data=encode(picture(480, 360, seed), "PNG")) for seed in (1, 2)
    ]
    try:
        old = migrate(BEFORE).loader.project_state(BEFORE[:2]).apps
        # The old layout reads the same rows through the old models, and old code keeps writing to them.
        assert old.get_model("search", "ImageFingerprint").objects.count() == 2
        assert {c._meta.db_table for c in map(lambda name: old.get_model("search", name), MOVED)} == {
            f"search_{name}" for name in MOVED
        }
        old.get_model("search", "RemoteImage").objects.create(image_id=items[0].pk, filepath="a.png", sha256="0" * 64)
        old.get_model("search", "IndexEvent").objects.create(image_id=items[1].pk, operation="add")
        counts = {name: old.get_model("search", name).objects.count() for name in MOVED}
        colors = sorted(old.get_model("search", "ImageColor").objects.values_list("image_id", "name"))
    finally:
        migrate(latest())
    assert {
        "imagefingerprint": ImageFingerprint.objects.count(),
        "imagecolor": ImageColor.objects.count(),
        "indexevent": IndexEvent.objects.count(),
        "remoteimage": RemoteImage.objects.count(),
    } == counts
    assert counts["imagefingerprint"] == 2 and counts["imagecolor"] > 0
    assert sorted(ImageColor.objects.values_list("image_id", "name")) == colors
    assert RemoteImage.objects.get(image_id=items[0].pk).filepath == "a.png"

    reset_providers()  # a process started after the upgrade: its index loads from the moved rows
    query = load_image(encode(picture(480, 360, 2).resize((400, 300)), "JPEG"))
    assert [m.image_id for m in match_image(QueryImage(query))] == [items[1].pk]
    assert [hit.item.pk for hit in service.search(SearchQuery(text="harbour", images=(query,))).hits] == [items[1].pk]
    assert service.search(SearchQuery(text="harbour")).total == 2
