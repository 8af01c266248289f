import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from matching.models import ImageFingerprint
from matching.providers import get_provider
from search.query import SearchQuery
from search.service import search

pytestmark = pytest.mark.django_db


def test_it_repairs_lost_fingerprints_text_index_and_match_index(make_item):
    from search.backends import get_search_backend

    items = [make_item(seed=n, title=f"Harbour {n}") for n in range(3)]
    ImageFingerprint.objects.filter(pk=items[0].pk).delete()
    get_search_backend().clear()
    assert search(SearchQuery(text="harbour")).total == 0
    out = io.StringIO()
    call_command("update_index", verbosity=0, stdout=out)
    assert "Indexed 3 items in default; match index holds 3." in out.getvalue()
    assert ImageFingerprint.objects.count() == 3
    assert search(SearchQuery(text="harbour")).total == 3
    assert get_provider().count() == 3


def test_a_broken_file_is_reported_not_fatal(make_item):
    item = make_item(seed=1)
    ImageFingerprint.objects.all().delete()
    with item.image.storage.open(item.image.name, "wb") as handle:
        handle.write(b"not an image any more")
    out = io.StringIO()
    call_command("update_index", verbosity=0, stdout=out)
    assert "1 fingerprint failures" in out.getvalue() and f"item {item.pk}" in out.getvalue()


def test_unknown_backend_and_bad_chunk_size_are_errors():
    with pytest.raises(CommandError, match="No search backend"):
        call_command("update_index", backend="solr", verbosity=0)
    with pytest.raises(CommandError, match="chunk-size"):
        call_command("update_index", chunk_size=0, verbosity=0)


def test_it_adds_the_look_alike_embedding_to_items_fingerprinted_before_it_existed(make_item):
    from matching.models import ImageEmbedding

    items = [make_item(seed=n) for n in range(2)]
    assert ImageEmbedding.objects.count() == 2  # made at ingest, from the same decode
    ImageEmbedding.objects.filter(pk=items[1].pk).delete()
    call_command("update_index", verbosity=0, stdout=io.StringIO())
    assert ImageEmbedding.objects.count() == 2
    assert len(bytes(ImageEmbedding.objects.get(pk=items[1].pk).vector)) == 1280 * 2
