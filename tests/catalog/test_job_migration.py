"""Migration catalog 0012 makes one staff job of a kind the only one under way: of several, it keeps a running
one (a queued one may have no task left to run it) and cancels the others, saying why. Real migrations, on
SQLite and on PostgreSQL (whichever DATABASE_URL names)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
BEFORE = [("catalog", "0011_admin_search_trigrams")]
AFTER = [("catalog", "0012_one_active_staff_job")]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


def test_of_several_rebuilds_under_way_the_running_one_stays():
    try:
        old = migrate(BEFORE).loader.project_state(BEFORE).apps.get_model("catalog", "StaffJob")
        orphan = old.objects.create(kind="duplicates", task="catalog.tasks.run_duplicates_job", state="queued")
        old.objects.filter(pk=orphan.pk).update(created_at=timezone.now() - timedelta(days=3))
        running = old.objects.create(kind="duplicates", task="catalog.tasks.run_duplicates_job", state="running")
        other_kind = old.objects.create(kind="update_index", task="search.jobs.run_index_job", state="queued")
        jobs = migrate(AFTER).loader.project_state(AFTER).apps.get_model("catalog", "StaffJob")
        states = {job.pk: (job.state, job.finished_at is not None, job.summary) for job in jobs.objects.all()}
    finally:
        executor = MigrationExecutor(connection)
        migrate(executor.loader.graph.leaf_nodes())
    assert states[running.pk][:2] == ("running", False)
    assert states[other_kind.pk][:2] == ("queued", False)
    assert states[orphan.pk][:2] == ("cancelled", True) and "already under way" in states[orphan.pk][2]
