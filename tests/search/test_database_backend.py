"""The behaviour suite on the database backend (SQLite FTS5 or PostgreSQL full text, by DATABASE_URL)."""

from datetime import UTC, datetime, timedelta

import pytest

from search.backends import get_search_backend
from search.backends.database import filtered
from search.query import Filters
from tests.search.backend_behaviour import BackendBehaviour

pytestmark = pytest.mark.django_db


class TestDatabaseBackend(BackendBehaviour):
    @pytest.fixture
    def backend(self, settings):
        settings.LIKENESS_SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.database"}}
        return get_search_backend()


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


FILTER_CASES = [
    Filters(), Filters(colors=("red",)), Filters(colors=("red", "blue")), Filters(min_width=1000),
    Filters(min_height=850), Filters(min_megapixels=1.0), Filters(orientation="portrait"), Filters(formats=("PNG",)),
    Filters(formats=("WEBP", "JPEG")), Filters(year_to=1899), Filters(year_from=1900),
    Filters(year_from=1600, year_to=1700), Filters(licenses=("editorial", "rights-managed")),
    Filters(include_drafts=True), Filters(include_drafts=True, year_from=2000),
    Filters(added_since=datetime.now(UTC) - timedelta(days=1)),
    Filters(added_since=datetime.now(UTC) + timedelta(days=1)),
]  # fmt: skip


@pytest.mark.parametrize("filters", FILTER_CASES)
def test_image_candidates_are_filtered_in_python_exactly_as_in_sql(catalog, filters):
    """Image searches filter their few candidates in Python (`row_filter`); it must agree with `filtered`."""
    from catalog.models import CatalogImage
    from search.backends.database import FACET_COLUMNS, filtered, row_filter

    rows = CatalogImage.objects.values_list("pk", *FACET_COLUMNS, "status", "created_at")
    passes = row_filter(filters)
    in_python = {row[0] for row in rows if passes(*row[1:])}
    assert in_python == set(filtered(filters).values_list("pk", flat=True))


def test_the_plain_fallback_also_matches_suggested_tags_as_whole_words(catalog):
    """SQLite without FTS5 falls back to TextSearch; suggestions still match as whole words or their singular."""
    from catalog.models import SuggestedTag
    from search.backends.dbtext import TextSearch

    SuggestedTag.objects.create(image=catalog["quay"], term="narwhal", confidence=0.8)
    SuggestedTag.objects.create(image=catalog["holm"], term="narwhalhouse", confidence=0.8)
    found = lambda text: set(TextSearch().filter(filtered(Filters()), text).values_list("pk", flat=True))  # noqa: E731
    assert found("narwhals") == found("narwhal") == {catalog["quay"].pk}
