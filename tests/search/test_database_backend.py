"""The behaviour suite on the database backend (SQLite FTS5 or PostgreSQL full text, by DATABASE_URL)."""

import pytest

from search.backends import get_search_backend
from tests.search.backend_behaviour import BackendBehaviour

pytestmark = pytest.mark.django_db


class TestDatabaseBackend(BackendBehaviour):
    @pytest.fixture
    def backend(self, settings):
        settings.LIKENESS_SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.database"}}
        return get_search_backend()


def test_after_a_bulk_change_image_candidates_are_looked_up_by_primary_key(db):
    """Without statistics SQLite scanned the facets index (growing with the catalog) for a few candidates."""
    from django.db import connection

    from catalog import statistics
    from catalog.models import CatalogImage, Status
    from search.backends.database import filtered
    from search.query import Filters

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's plans come from its own statistics (autovacuum); this is SQLite's planner")
    CatalogImage.objects.bulk_create(
        CatalogImage(title=f"row {n}", identifier=f"row-{n}", image=f"x{n}.png", status=Status.PUBLISHED,
                     format="JPEG", width=2000, height=1500) for n in range(3000)
    )  # fmt: skip
    ids = list(CatalogImage.objects.values_list("pk", flat=True)[:50])
    query = filtered(Filters(formats=("JPEG", "PNG"), min_width=1000)).filter(pk__in=ids).values_list("pk")
    sql, params = query.query.sql_with_params()

    def plan() -> str:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return " ".join(str(row[-1]) for row in cursor.fetchall())

    statistics.refresh()
    assert "PRIMARY KEY" in plan(), plan()
    assert len(query) == 50


def test_facets_counted_in_python_for_image_candidates_equal_the_facet_query(catalog, make_item):
    from catalog.models import CatalogImage
    from search.backends.database import FACET_COLUMNS, DatabaseSearchBackend, count_facets

    make_item(seed=9, title="Ancient", year=-350, width=300, height=200)  # before Christ: SQL truncates
    make_item(seed=10, title="Thirties", year=1934, fmt="PNG")
    make_item(seed=11, title="Big", width=3000, height=2500, year=1929)
    rows = CatalogImage.objects.values_list(*FACET_COLUMNS)
    in_sql, total = DatabaseSearchBackend().facets(CatalogImage.objects.all())
    assert count_facets(rows) == in_sql
    assert total == len(rows)


def test_a_year_before_christ_gets_a_century_facet_not_an_error(catalog, make_item):
    from search.query import SearchQuery

    make_item(seed=9, title="Amphora", year=-350)
    results = get_search_backend().search(SearchQuery(text="amphora"))
    assert [(v.value, v.label, v.count) for v in results.facets["century"]] == [("-400--301", "4th century BC", 1)]
