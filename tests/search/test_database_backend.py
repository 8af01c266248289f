"""The behaviour suite on the database backend (SQLite FTS5 or PostgreSQL full text, by DATABASE_URL)."""

from datetime import UTC, datetime, timedelta

import pytest

from search.backends import get_search_backend
from search.backends.database import filtered
from search.backends.dbtext import TextSearch
from search.query import Filters
from tests.search.backend_behaviour import BackendBehaviour

pytestmark = pytest.mark.django_db


class TestDatabaseBackend(BackendBehaviour):
    @pytest.fixture
    def backend(self, settings):
        settings.LIKENESS_SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.database"}}
        return get_search_backend()


class TestPlainFallback(BackendBehaviour):
    """The strategy of a SQLite built without FTS5, here on whichever database the tests use."""

    @pytest.fixture
    def backend(self, settings, monkeypatch):
        monkeypatch.setattr("search.backends.database.text_search_for_vendor", TextSearch)
        settings.LIKENESS_SEARCH_BACKENDS = {"default": {"BACKEND": "search.backends.database"}}
        backend = get_search_backend()
        assert type(backend.text) is TextSearch
        return backend


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
    """SQLite without FTS5 falls back to TextSearch; suggestions still match as whole words, by their stem."""
    from catalog.models import SuggestedTag

    SuggestedTag.objects.create(image=catalog["quay"], term="narwhal", confidence=0.8)
    SuggestedTag.objects.create(image=catalog["holm"], term="narwhalhouse", confidence=0.8)
    found = lambda text: set(TextSearch().filter(filtered(Filters()), text).values_list("pk", flat=True))  # noqa: E731
    assert found("narwhals") == found("narwhal") == {catalog["quay"].pk}


def test_the_stemmer_agrees_with_sqlites_porter_tokenizer():
    """dbtext.stem stems as FTS5's porter tokenizer does, so suggested words and the fallback match as FTS5 does."""
    import sqlite3

    from matching.embeddings import terms as model_terms
    from search.backends.dbtext import stem, words

    vocabulary = {word for row in model_terms.class_terms() for term in row for word in words(term)}
    vocabulary |= {"cats", "paintings", "harbours", "degas", "ponies", "as", "skies", "generously", "running"}
    with sqlite3.connect(":memory:") as db:
        db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'porter unicode61 remove_diacritics 2')")
        db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'row')")
        db.executemany("INSERT INTO t (x) VALUES (?)", [(word,) for word in sorted(vocabulary)])
        indexed = {row[0] for row in db.execute("SELECT term FROM v")}
    assert {stem(word) for word in vocabulary} == indexed


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_index_made_before_stemming_matches_stems_once_migrated(make_item):
    """search.0007 makes the FTS5 table again with the porter tokenizer, keeping its rows: no update_index needed."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from search.backends.dbtext import SQLiteFTS5, has_fts5_table
    from search.query import SearchQuery

    if connection.vendor != "sqlite" or not has_fts5_table():
        pytest.skip("The FTS5 table is SQLite's (with FTS5).")
    item = make_item(seed=1, title="Two cats")
    matched = lambda word: SQLiteFTS5().filter(filtered(Filters()), word).count()  # noqa: E731
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        MigrationExecutor(connection).migrate([("search", "0006_suggested_text")])
        assert (matched("cats"), matched("cat")) == (1, 0)  # the old table: words as written
    finally:
        MigrationExecutor(connection).migrate(latest)
    assert (matched("cats"), matched("cat")) == (1, 1)
    assert [hit.item.pk for hit in get_search_backend().search(SearchQuery(text="cat")).hits] == [item.pk]
