"""The search page's colour search without a browser: picked colours in the URL rank the results, the picker
and chips show them and remove them, weights and added colours come back as canonical URLs, the results'
colours are a strip of swatches, the item page's swatches search by their colour, and bad colours are form
errors."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import QueryDict

from tests.colour_pictures import NAVY, OCHRE, ROYAL, colored_catalog  # noqa: F401 (the "colored" fixture)
from webapp.page.palette import canonical_url, shares

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return re.findall(r'<span class="title">([^<]+)</span>', response.content.decode())


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(html.unescape(url)).query)


def strip_links(response) -> dict[str, str]:
    """The strip's swatches that add their colour: hex -> link."""
    section = re.search(r'<section class="strip".*?</section>', response.content.decode(), re.S)
    assert section, "no strip of the results' colours"
    return {hex_: href for href, hex_ in re.findall(r'<a href="([^"]+)" data-hex="([0-9a-f]{6})"', section.group(0))}


def test_a_picked_colour_in_the_url_ranks_navy_above_royal_blue(client, colored):
    response = client.get("/", {"colors": NAVY})
    assert response.status_code == 200
    found = titles(response)
    assert found[0] in ("Night Harbour", "Harbour at Dusk")
    assert "Royal Harbour" not in found or found.index("Night Harbour") < found.index("Royal Harbour")
    assert re.search(r"\d+% in your colours", response.content.decode())


def colour_shares(response) -> dict[str, int]:
    """Each card's "n% in your colours", by title."""
    cards = re.findall(r'<span class="title">([^<]+)</span>.*?(\d+)% in your colours', response.content.decode(), re.S)
    return {title: int(share) for title, share in cards}


def test_forty_percent_ochre_ranks_above_an_ochre_speck_and_says_how_much(client, colored):
    response = client.get("/", {"colors": "#" + OCHRE})
    found = titles(response)
    assert found[0] in ("Ochre Field", "Harbour at Dusk")
    assert "Green Field" not in found or found.index("Ochre Field") < found.index("Green Field")
    assert colour_shares(response)["Ochre Field"] >= 30 > colour_shares(response).get("Green Field", 0)


def test_weights_in_the_url_change_the_order(client, colored):
    navy_first = titles(client.get("/", {"colors": [NAVY, OCHRE], "color_weights": ["80", "20"]}))
    response = client.get("/", {"colors": [NAVY, OCHRE], "color_weights": ["20", "80"]})
    ochre_first = titles(response)
    assert navy_first.index("Night Harbour") < navy_first.index("Ochre Field")
    assert ochre_first.index("Ochre Field") < ochre_first.index("Night Harbour")
    assert re.search(r'id="share-1" name="color_weights"[^>]*\bvalue="20"', response.content.decode())


def test_the_picker_shows_each_picked_colour_with_its_share_and_a_removal_link(client, colored):
    page = client.get("/", {"colors": [NAVY, OCHRE], "color_weights": ["70", "30"]}).content.decode()
    assert f'<input type="color" id="pick-1" name="colors" value="#{NAVY}" form="search">' in page
    assert re.search(r'id="share-2" name="color_weights"[^>]*\bvalue="30"', page)
    removals = re.findall(r'<a class="remove" href="([^"]+)">', page)
    assert [query_of(url) for url in removals] == [{"colors": [OCHRE]}, {"colors": [NAVY]}]
    # The add-a-colour form carries the picked colours, so that adding keeps them.
    form = re.search(r'<form class="add-color".*?</form>', page, re.S).group(0)
    assert f'name="colors" value="{NAVY}"' in form and 'name="color_weights" value="70"' in form


def test_adding_a_colour_redirects_to_the_url_with_equal_shares(client, colored):
    response = client.get("/", {"q": "harbour", "colors": NAVY, "add_color": "#CC7722"})
    assert response.status_code == 302
    assert query_of(response["Location"]) == {"q": ["harbour"], "colors": [NAVY, OCHRE], "color_weights": ["50", "50"]}
    added = client.get("/", {"colors": [NAVY, OCHRE], "color_weights": ["60", "40"], "add_color": ROYAL})
    assert query_of(added["Location"])["color_weights"] == ["40", "27", "33"]  # the new one a third, the others 60:40
    assert client.get(added["Location"]).status_code == 200


def test_weights_not_adding_up_to_100_are_rescaled_by_a_redirect(client, colored):
    response = client.get("/", {"colors": [NAVY, OCHRE], "color_weights": ["80", "60"], "page": "2"})
    assert response.status_code == 302
    assert query_of(response["Location"]) == {"colors": [NAVY, OCHRE], "color_weights": ["57", "43"]}
    assert canonical_url(QueryDict(urlsplit(response["Location"]).query)) is None


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"colors": "navy"}, "is not a colour"),
        ({"colors": ["111111", "222222", "333333", "444444", "555555", "666666"]}, "At most 5 colors"),
        ({"colors": [NAVY, OCHRE], "color_weights": ["50"]}, "one weight per colour"),
        ({"colors": [NAVY, OCHRE], "color_weights": ["fifty", "50"]}, "must be numbers"),
        ({"colors": [NAVY, NAVY]}, "given once"),
        ({"color_weights": "100"}, "without colors"),
        ({"colors": [NAVY, "111111", "222222", "333333", "444444"], "add_color": OCHRE}, "At most 5 colors"),
        ({"colors": NAVY, "add_color": "ochre"}, "is not a colour"),
        ({"colors": ["ff0000"] * 102, "color_weights": ["1"] * 102}, "At most 5 colors"),  # once hung a worker
    ],
)
def test_bad_colours_are_a_form_error_with_a_way_out(client, colored, params, reason):
    response = client.get("/", params, follow=True)
    page = response.content.decode()
    assert response.status_code == 400
    assert 'class="form-errors"' in page and reason in html.unescape(page)
    chips = re.findall(r'class="chip" href="([^"]+)"', page)
    if "colors" in params:  # every colour given is a chip that takes it out
        assert len(chips) >= 1 and all(client.get(html.unescape(href)).status_code in (200, 400) for href in chips)
    assert "Clear all filters" in page


def test_a_bad_colour_is_a_chip_whose_removal_leaves_the_good_one(client, colored):
    page = client.get("/", {"colors": [NAVY, "zzz"], "color_weights": ["60", "40"]}).content.decode()
    chips = dict((html.unescape(label).strip(), href) for href, label in
                 re.findall(r'class="chip" href="([^"]+)"[^>]*>(?:<span[^>]*></span> )?([^<]+?) <', page))  # fmt: skip
    assert set(chips) == {f"Colour #{NAVY}, 60%", "Colour zzz"}
    assert query_of(chips["Colour zzz"]) == {"colors": [NAVY]}
    assert client.get(html.unescape(chips["Colour zzz"])).status_code == 200


def test_clear_all_filters_drops_the_picked_colours(client, colored):
    page = client.get("/", {"q": "harbour", "colors": [NAVY, OCHRE], "color_weights": ["50", "50"]}).content.decode()
    clear = re.search(r'<a class="clear" href="([^"]+)"', page).group(1)
    assert query_of(clear) == {"q": ["harbour"]}


def test_the_strip_shows_the_results_colours_with_counts_and_narrows(client, colored):
    response = client.get("/", {"q": "field"})
    links = strip_links(response)
    assert links, "no swatch to add"
    counts = [int(n) for n in re.findall(r'<span class="count">(\d+)</span><span class="visually-hidden"> picture',
                                         response.content.decode())]  # fmt: skip
    assert counts and all(1 <= n <= 2 for n in counts)  # of the two fields
    ochre_like = min(links, key=lambda hex_: distance(hex_, OCHRE))
    assert distance(ochre_like, OCHRE) < 60
    narrowed = client.get(html.unescape(links[ochre_like]))
    assert query_of(links[ochre_like]) == {"q": ["field"], "colors": [ochre_like]}
    assert titles(narrowed)[0] == "Ochre Field"


def test_the_strip_adds_to_the_picked_colours_and_marks_the_picked_one(client, colored):
    response = client.get("/", {"colors": NAVY})
    links = strip_links(response)
    assert all(query_of(url)["colors"][0] == NAVY and query_of(url)["color_weights"] == ["50", "50"]
               for url in links.values())  # fmt: skip
    assert "Colours in these results" in response.content.decode()


def test_the_home_page_offers_the_picker_but_no_strip(client, colored):
    page = client.get("/").content.decode()
    assert '<label for="add-color-value">Pick a colour</label>' in page
    assert '<section class="strip"' not in page


def test_picked_colours_stay_in_the_search_form_when_nothing_is_found(client, colored):
    page = client.get("/", {"q": "zzqxv", "colors": [NAVY, OCHRE], "color_weights": ["70", "30"]}).content.decode()
    form = re.search(r'<form id="search".*?</form>', page, re.S).group(0)
    assert f'name="colors" value="{NAVY}"' in form and 'name="color_weights" value="30"' in form


def test_the_item_page_swatches_search_by_their_colour(client, colored):
    page = client.get(colored["navy"].get_absolute_url()).content.decode()
    swatches = re.findall(r'<a class="palette-swatch" href="([^"]+)"', page)
    assert swatches
    first = query_of(swatches[0])
    assert list(first) == ["colors"] and distance(first["colors"][0], NAVY) < 30
    found = titles(client.get(html.unescape(swatches[0])))
    assert found[0] in ("Night Harbour", "Harbour at Dusk")
    together = query_of(re.search(r'id="search-palette" href="([^"]+)"', page).group(1))
    assert len(together["colors"]) == len(together["color_weights"]) <= 5
    assert sum(int(w) for w in together["color_weights"]) == 100


def test_shares_are_whole_positive_and_add_up_to_100():
    assert shares([1, 1, 1]) == [34, 33, 33]
    assert shares([0.001, 1000]) == [1, 99]
    assert shares([80, 60]) == [57, 43]
    assert sum(shares([5, 1, 1, 1, 1, 1])) == 100


def distance(a: str, b: str) -> float:
    return sum((int(a[i : i + 2], 16) - int(b[i : i + 2], 16)) ** 2 for i in (0, 2, 4)) ** 0.5
