"""The home page, searches that find nothing, and the item page's links to searches."""

import html as entities
import re

import pytest
from django.urls import reverse

from catalog.models import Collection, Status
from tests.conftest import upload
from tests.images import encode, picture
from webapp.identity.models import SiteIdentity

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return re.findall(r'<span class="title">([^<]+)</span>', response.content.decode())


def hrefs(html: str, element_id: str) -> str:
    return entities.unescape(re.search(rf'id="{element_id}" href="([^"]+)"', html).group(1))


@pytest.fixture
def collections(make_item):
    sea = Collection.objects.create(name="Harbourview Museum of Art", rights_holder="Harbourview Trust")
    photos = Collection.objects.create(name="Northlight Photo Archive")
    empty = Collection.objects.create(name="Nothing Published Yet")
    make_item(seed=1, title="Harbour at Dawn", collection=sea, creator="Johanna Verhoeven", tags="harbour, boats")
    make_item(seed=2, title="Fishing Boats", collection=sea, creator="Johanna Verhoeven", tags="boats")
    make_item(seed=3, title="Station Clock", collection=photos, creator="Lars Holm", tags="clock")
    make_item(seed=4, title="Draft Harbour", collection=empty, status=Status.DRAFT)
    return {"sea": sea, "photos": photos, "empty": empty}


def test_the_home_page_introduces_the_catalog_and_its_collections(client, site_defaults, collections):
    html = client.get("/").content.decode()
    assert 'id="welcome-heading"' in html and "Search by picture:" in html
    featured = re.findall(r'<a href="\?collection=(\d+)">.*?<span class="collection-name">([^<]+)</span>\s*'
                          r'<span class="meta">([^<]+)</span>', html, re.S)  # fmt: skip
    assert [(int(pk), name, meta) for pk, name, meta in featured] == [
        (collections["sea"].pk, "Harbourview Museum of Art", "2 pictures · Harbourview Trust"),
        (collections["photos"].pk, "Northlight Photo Archive", "1 picture"),
    ]
    assert "3 pictures in the catalog, most recently added first" in html


def test_collections_staff_feature_come_instead_of_the_largest(client, site_defaults, collections):
    SiteIdentity.objects.get().featured_collections.set([collections["photos"]])
    html = client.get("/").content.decode()
    assert re.findall(r'class="collection-name">([^<]+)<', html) == ["Northlight Photo Archive"]


def test_a_search_is_not_the_home_page(client, site_defaults, collections):
    html = client.get("/", {"q": "harbour"}).content.decode()
    assert 'id="welcome-heading"' not in html and "collection-name" not in html


def test_a_collection_search_lists_its_pictures_with_a_chip_to_remove_it(client, collections):
    html = client.get("/", {"collection": collections["sea"].pk}).content.decode()
    assert sorted(re.findall(r'<span class="title">([^<]+)</span>', html)) == ["Fishing Boats", "Harbour at Dawn"]
    assert "Collection: Harbourview Museum of Art" in html


def test_the_item_page_links_creator_tags_and_collection_to_searches_that_find_it(client, collections):
    from catalog.models import CatalogImage

    item = CatalogImage.objects.get(title="Harbour at Dawn")
    html = client.get(item.get_absolute_url()).content.decode()
    creator = client.get(hrefs(html, "creator-link"))
    assert set(titles(creator)) == {"Harbour at Dawn", "Fishing Boats"}
    collection = client.get(hrefs(html, "collection-link"))
    assert set(titles(collection)) == {"Harbour at Dawn", "Fishing Boats"}
    listed = re.search(r'<ul class="tags"[^>]*>(.*?)</ul>', html, re.S).group(1)
    tags = {label: entities.unescape(href) for href, label in re.findall(r'<a href="([^"]+)">([^<]+)</a>', listed)}
    assert set(tags) == {"harbour", "boats"}
    assert set(titles(client.get(tags["boats"]))) == {"Harbour at Dawn", "Fishing Boats"}


def test_a_misspelt_search_suggests_the_catalog_words_it_meant(client, collections):
    response = client.get("/", {"q": "harbuor"})
    html = response.content.decode()
    assert "Nothing matches “harbuor”" in html
    suggestion = re.search(r'id="suggestion">Did you mean <a href="([^"]+)">([^<]+)</a>\? \((\d+) results?\)', html)
    assert suggestion.group(2) == "harbour" and suggestion.group(3) == "1"
    assert titles(client.get("/" + entities.unescape(suggestion.group(1)))) == ["Harbour at Dawn"]


def test_no_suggestion_that_would_find_nothing_either(client, collections):
    html = client.get("/", {"q": "harbuor", "collection": collections["photos"].pk}).content.decode()
    assert "Nothing matches" in html and 'id="suggestion"' not in html
    assert 'id="suggestion"' not in client.get("/", {"q": "zzqxv"}).content.decode()


def test_an_empty_words_search_hides_the_filters_and_offers_a_picture_search(client, collections):
    html = client.get("/", {"q": "zzqxv"}).content.decode()
    assert 'id="filters"' not in html and 'class="layout no-filters"' in html
    assert 'id="pick-instead"' in html and "Have the picture itself?" in html
    assert 'id="filters"' in client.get("/", {"q": "harbour"}).content.decode()


def test_filter_options_that_can_only_lead_to_zero_are_not_offered(client, collections):
    html = client.get("/", {"q": "boats"}).content.decode()
    offered = set(re.findall(r'name="license" value="([^"]+)"', html))
    assert offered == {"royalty-free"}  # both boats are royalty-free (the default licence)
    either = client.get("/", {"q": "boats", "license": "royalty-free"}).content.decode()
    assert set(re.findall(r'name="license" value="([^"]+)"', either)) == {"royalty-free", "rights-managed",
                                                                          "editorial"}  # fmt: skip


def test_an_image_search_that_finds_nothing_says_what_was_tried_and_what_to_try(client, collections):
    query = {"image": upload("q.jpg", encode(picture(640, 480, 77), "JPEG")), "q": "zzqxv"}
    answer = client.post(reverse("page:upload"), query, headers={"accept": "application/json"}).json()
    html = client.get(answer["search_url"]).content.decode()
    assert "No copy of your picture is in the catalog, and nothing looks like it" in html
    tried = re.search(r'<ul id="tried">(.*?)</ul>', html, re.S).group(1)
    assert "copies of the picture" in tried and "described by “zzqxv”" in tried
    to_try = re.search(r'<ul id="to-try">(.*?)</ul>', html, re.S).group(1)
    assert "without the words" in to_try and "larger or sharper copy" in to_try
