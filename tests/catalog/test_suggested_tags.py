"""Suggested tags: made at ingest from the picture, searchable below curated text, hidden or accepted by staff."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from catalog import suggestions
from catalog.models import CatalogImage, SuggestedTag, SuggestedTermStats
from matching.models import ImageEmbedding
from search import service
from search.query import SearchQuery
from tests.lookalike_photos import jpeg, photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def cat(make_item):
    """A packaged photo of a cat whose words say nothing of it."""
    return make_item(title="Untitled", tags="sill", data=jpeg(photo("chelsea")))


def found(text: str) -> list[int]:
    return [hit.item.pk for hit in service.search(SearchQuery(text=text)).hits]


def test_ingest_suggests_the_picture_s_words_with_broader_ones(cat):
    words = {row.term: row.confidence for row in cat.suggested_tags.all()}
    assert words["cat"] >= 0.5 and words["feline"] >= words["cat"] and "mammal" in words
    assert all(0 < confidence <= 1 for confidence in words.values())
    assert cat.tags == "sill"  # the curated tags are left alone


def test_a_word_nobody_typed_finds_the_picture_but_ranks_below_curated_text(cat, make_item):
    tagged = make_item(title="Still life", tags="cat", data=jpeg(photo("coffee")))
    assert found("cat")[:2] == [tagged.pk, cat.pk]
    assert found("feline") == [cat.pk]


def test_staff_hide_a_suggestion_in_the_admin_and_search_forgets_it(cat, staff_client, committed):
    row = cat.suggested_tags.get(term="feline")
    forms = suggestions.above_the_fold(cat)  # what the inline lists
    data = {"title": cat.title, "status": cat.status, "license_type": cat.license_type, "currency": cat.currency,
            "identifier": cat.identifier, "tags": cat.tags, "suggested_tags-TOTAL_FORMS": str(len(forms)),
            "suggested_tags-INITIAL_FORMS": str(len(forms))}  # fmt: skip
    for index, form in enumerate(forms):
        data[f"suggested_tags-{index}-id"] = str(form.pk)
        data[f"suggested_tags-{index}-image"] = str(cat.pk)
        if form.pk == row.pk:
            data[f"suggested_tags-{index}-hidden"] = "on"
    page = staff_client.get(reverse("admin:catalog_catalogimage_change", args=[cat.pk])).content.decode()
    assert "Suggested tags" in page and "feline" in page
    with committed():
        response = staff_client.post(reverse("admin:catalog_catalogimage_change", args=[cat.pk]), data)
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.hidden
    assert found("feline") == []
    assert found("cat") == [cat.pk]  # the others stay


def test_staff_see_the_top_few_words_and_the_rest_are_a_link_away(cat, staff_client):
    faint = SuggestedTag.objects.create(image=cat, term="teapot", confidence=0.005)
    shown = suggestions.above_the_fold(cat)
    page = staff_client.get(reverse("admin:catalog_catalogimage_change", args=[cat.pk])).content.decode()
    assert "feline" in page and "teapot" not in page  # the inline lists the likeliest words only
    assert faint not in shown and len(shown) >= suggestions.ABOVE_THE_FOLD
    assert len(re.findall(r'name="suggested_tags-\d+-id"', page)) == len(shown)
    count = cat.suggested_tags.count() - len(shown)
    link = re.search(r'<a href="([^"]+)">(\d+) less likely words?</a>', page)
    assert link is not None and int(link.group(2)) == count >= 1
    listed = staff_client.get(link.group(1).replace("&amp;", "&"))  # the suggestions list, of this image only
    assert listed.status_code == 200
    rows = listed.context["cl"].result_list
    assert faint in rows and {row.image_id for row in rows} == {cat.pk}


def test_a_word_the_whole_catalog_gets_stays_with_staff_however_sure_the_model_is(make_item, committed):
    items = [make_item(seed=seed, title=f"Landscape {seed}") for seed in range(12)]
    for item in items:  # the classifier's usual guess on these pictures: "device", most of the time
        suggestions.replace(item, [("device", 0.55)])
    suggestions.replace(items[0], [("device", 0.6), ("walrus", 0.4)])
    with committed():
        call_command("update_index", "--skip-matching", "--skip-renditions", verbosity=0)
    assert [term for term, _ in suggestions.public_terms(items[0])] == ["walrus"]
    assert found("device") == []
    assert found("walrus") == [items[0].pk]
    assert {row.term for row in suggestions.public_rows()} == {"walrus"}  # the rule as a query agrees
    ranked = [row.term for row in suggestions.above_the_fold(items[0])]
    assert ranked == ["walrus", "device"]  # for staff too, the distinctive word comes first


def test_the_totals_that_calibrate_words_follow_every_change(make_item, committed):
    first, second = make_item(seed=1), make_item(seed=2)
    suggestions.replace(first, [("walrus", 0.4), ("device", 0.3)])
    suggestions.replace(second, [("device", 0.2)])
    suggestions.replace(first, [("walrus", 0.1), ("seal", 0.5)])  # one word changes, one goes, one comes
    suggestions.accept([second.suggested_tags.get(term="device")])
    with committed():
        CatalogImage.objects.filter(pk=first.pk).delete()
    kept = {row.term: row.total for row in SuggestedTermStats.objects.all() if abs(row.total) > 1e-9}
    suggestions.recount()
    exact = {row.term: row.total for row in SuggestedTermStats.objects.all()}
    assert kept.keys() == exact.keys() and all(abs(kept[term] - exact[term]) < 1e-9 for term in exact)


def test_accepting_moves_the_word_into_the_curated_tags(cat, committed):
    with committed():
        moved, too_long = suggestions.accept([cat.suggested_tags.get(term="cat")])
    assert (moved, too_long) == (1, 0)
    cat.refresh_from_db()
    assert cat.tag_list == ["sill", "cat"]
    assert not cat.suggested_tags.filter(term="cat").exists()
    assert found("cat") == [cat.pk]


def test_an_accept_that_would_overflow_the_tags_keeps_the_suggestion(cat):
    CatalogImage.objects.filter(pk=cat.pk).update(tags="x" * 999)
    assert suggestions.accept([cat.suggested_tags.get(term="cat")]) == (0, 1)
    assert cat.suggested_tags.filter(term="cat").exists()


def test_the_admin_action_hides_a_word_across_the_catalog(cat, staff_client, committed):
    rows = SuggestedTag.objects.filter(term="cat")
    with committed():
        staff_client.post(reverse("admin:catalog_suggestedtag_changelist"),
                          {"action": "hide", "_selected_action": [str(r.pk) for r in rows]})  # fmt: skip
    assert found("cat") == []
    with committed():
        staff_client.post(reverse("admin:catalog_suggestedtag_changelist"),
                          {"action": "show", "_selected_action": [str(r.pk) for r in rows]})  # fmt: skip
    assert found("cat") == [cat.pk]


def test_a_new_picture_keeps_hidden_words_hidden_and_never_suggests_a_curated_one(cat):
    hidden = cat.suggested_tags.get(term="feline")
    suggestions.hide([hidden])
    suggestions.replace(cat, [("feline", 0.9), ("sill", 0.8), ("cat", 0.7)])
    rows = {row.term: row for row in cat.suggested_tags.all()}
    assert rows["feline"].hidden and rows["feline"].confidence == 0.9
    assert "sill" not in rows and not rows["cat"].hidden
    assert set(rows) == {"feline", "cat"}


def test_update_index_makes_suggestions_for_a_catalog_indexed_before_them(cat):
    SuggestedTag.objects.all().delete()
    ImageEmbedding.objects.update(version=1)  # as an older Likeness left it
    call_command("update_index", verbosity=0)
    assert cat.suggested_tags.filter(term="cat").exists()
    assert found("feline") == [cat.pk]
