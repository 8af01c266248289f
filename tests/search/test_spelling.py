"""Did you mean: the closest words of the catalog's own vocabulary, on SQLite (difflib) and PostgreSQL (pg_trgm)."""

import pytest

from search.spelling import Thresholds, suggestion

pytestmark = pytest.mark.django_db


def test_a_misspelt_word_is_replaced_by_the_closest_catalog_word(catalog):
    assert suggestion("harbuor lights") == "harbour lights"
    assert suggestion("Evening Harbor") == "evening harbour"


def test_creators_and_tags_are_words_of_the_catalog(catalog):
    assert suggestion("pieter rosi") == "pieter rossi"
    assert suggestion("boatts") == "boats"


def test_known_words_and_words_like_nothing_give_no_suggestion(catalog):
    assert suggestion("harbour lights") == ""
    assert suggestion("xqzvw") == ""
    assert suggestion("") == ""


def test_short_words_are_left_alone(catalog):
    assert suggestion("of harbuor") == "of harbour"


def test_words_only_drafts_use_are_not_suggested(catalog):
    assert suggestion("drafd") == ""


def test_the_vocabulary_follows_the_catalog(catalog, make_item):
    assert suggestion("cathedrel") == ""
    make_item(seed=9, title="Cathedral in Fog")
    assert suggestion("cathedrel") == "cathedral"


def test_how_alike_is_a_threshold_callers_pass(catalog):
    assert suggestion("hrbr", Thresholds(ratio=0.99, trigrams=0.99)) == ""
