"""The search page's colour picker in a real Chromium: a picked colour goes into the URL and ranks the results,
shares move together when one is dragged, colours come out by keyboard, the results' colours narrow the search,
the item page's swatches search by their colour, and all of it works as a plain form without a script."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.colour_pictures import NAVY, OCHRE, colored_catalog  # noqa: F401 (the "colored" fixture)

pytestmark = pytest.mark.browser

PAIR = f"/?colors={NAVY}&colors={OCHRE}&color_weights=50&color_weights=50"


def titles(page) -> list[str]:
    return page.locator("#hits .card .title").all_inner_texts()


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def distance(a: str, b: str) -> float:
    return sum((int(a[i : i + 2], 16) - int(b[i : i + 2], 16)) ** 2 for i in (0, 2, 4)) ** 0.5


def test_picking_a_colour_puts_it_in_the_url_and_ranks_navy_before_royal_blue(page, colored):
    page.goto("/")
    with page.expect_navigation(url=re.compile(f"colors={NAVY}")):
        page.fill("#add-color-value", f"#{NAVY}")  # what choosing it in the native picker does
    assert query(page.url) == {"colors": [NAVY]}
    found = titles(page)
    assert found[0] in ("Night Harbour", "Harbour at Dusk")
    assert "Royal Harbour" not in found or found.index("Night Harbour") < found.index("Royal Harbour")
    assert page.locator("#pick-1").input_value() == f"#{NAVY}"
    # Adding a second colour keeps the first, with equal shares.
    with page.expect_navigation(url=re.compile(f"colors={OCHRE}")):
        page.fill("#add-color-value", f"#{OCHRE}")
    assert query(page.url) == {"colors": [NAVY, OCHRE], "color_weights": ["50", "50"]}
    assert titles(page)[0] == "Harbour at Dusk"


def test_an_ochre_field_ranks_above_an_ochre_speck(page, colored):
    page.goto(f"/?colors={OCHRE}")
    found = titles(page)
    assert found[0] in ("Ochre Field", "Harbour at Dusk")
    assert "Green Field" not in found or found.index("Ochre Field") < found.index("Green Field")
    assert page.locator("#pick-1").input_value() == f"#{OCHRE}"
    share = page.locator(".card", has_text="Ochre Field").locator(".color-share").inner_text()
    assert int(share.split("%")[0]) >= 30


def test_dragging_a_share_moves_the_other_so_that_they_add_up_to_100(page, colored):
    page.goto(PAIR)
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if request.resource_type == "document" else None)
    slider = page.locator("#share-1").bounding_box()
    assert slider is not None
    page.mouse.move(slider["x"] + slider["width"] / 2, slider["y"] + slider["height"] / 2)
    page.mouse.down()
    page.mouse.move(slider["x"] + slider["width"] * 0.85, slider["y"] + slider["height"] / 2, steps=8)
    first, second = int(page.locator("#share-1").input_value()), int(page.locator("#share-2").input_value())
    assert first >= 70 and first + second == 100
    assert page.locator("#share-2-value").inner_text() == f"{second}%"
    with page.expect_navigation(url=re.compile("color_weights=")):
        page.mouse.up()
    assert query(page.url)["color_weights"] == [str(first), str(second)]
    assert sum(int(w) for w in query(sent[0])["color_weights"]) == 100  # sent as shown: no rescaling redirect
    found = titles(page)
    assert found[0] in ("Night Harbour", "Harbour at Dusk")
    assert "Ochre Field" not in found or found.index("Night Harbour") < found.index("Ochre Field")


def test_a_colour_is_removed_by_keyboard(page, colored):
    page.goto(PAIR)
    page.locator(".picked-color .remove").first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert query(page.url) == {"colors": [OCHRE]}
    assert page.locator(".picked-color").count() == 1
    assert titles(page)[0] in ("Ochre Field", "Harbour at Dusk")


def test_a_swatch_of_the_results_colours_narrows_the_search(page, colored):
    page.goto("/?q=field")
    assert page.locator("#results-heading").inner_text() == "2 results"
    swatches = page.locator("#strip a[data-hex]")
    hexes = [swatches.nth(i).get_attribute("data-hex") or "" for i in range(swatches.count())]
    ochre_like = min(hexes, key=lambda hex_: distance(hex_, OCHRE))
    with page.expect_navigation(url=re.compile(f"colors={ochre_like}")):
        page.click(f'#strip a[data-hex="{ochre_like}"]')
    assert query(page.url) == {"q": ["field"], "colors": [ochre_like]}
    assert titles(page)[0] == "Ochre Field"
    assert page.locator(".chips").inner_text().count(f"#{ochre_like}") == 1


def test_the_results_colours_are_one_tab_stop_and_arrow_keys_move_between_them(page, colored):
    page.goto("/?q=harbour")
    swatches = page.locator("#strip a[data-hex]")
    assert swatches.count() > 1 and page.locator("#strip-swatches").get_attribute("role") == "toolbar"
    page.locator("#sort").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.hex") == swatches.nth(0).get_attribute("data-hex")
    page.keyboard.press("ArrowRight")
    second = swatches.nth(1).get_attribute("data-hex")
    assert page.evaluate("document.activeElement.dataset.hex") == second
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # back to the toolbar: the swatch last chosen
    assert page.evaluate("document.activeElement.dataset.hex") == second
    with page.expect_navigation(url=re.compile(f"colors={second}")):
        page.keyboard.press("Enter")


def test_an_item_pages_swatch_searches_by_its_colour(page, colored):
    page.goto(colored["navy"].get_absolute_url())
    with page.expect_navigation(url=re.compile("colors=")):
        page.locator(".palette-swatch").first.click()
    picked = query(page.url)["colors"]
    assert len(picked) == 1 and distance(picked[0], NAVY) < 30
    assert titles(page)[0] in ("Night Harbour", "Harbour at Dusk")


def test_a_bad_colour_in_the_url_is_a_form_error_on_the_page(page, colored):
    response = page.goto("/?colors=navy")
    assert response is not None and response.status == 400
    assert "is not a colour" in page.locator(".form-errors").inner_text()
    with page.expect_navigation():
        page.click('a.chip[href*="colors"], a.chip:has-text("Colour navy")')
    assert page.url.rstrip("?").endswith("/")


@pytest.fixture
def plain_page(chromium, live_server, transactional_db):
    """A tab with JavaScript off: the page as a plain form."""
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_without_a_script_colours_are_added_and_shares_rescaled_as_a_plain_form(plain_page, colored):
    plain_page.goto("/")
    plain_page.fill("#add-color-value", f"#{NAVY}")
    with plain_page.expect_navigation():
        plain_page.click("#add-color .add")
    assert query(plain_page.url) == {"colors": [NAVY]}
    plain_page.fill("#add-color-value", f"#{OCHRE}")
    with plain_page.expect_navigation():
        plain_page.click("#add-color .add")
    assert query(plain_page.url) == {"colors": [NAVY, OCHRE], "color_weights": ["50", "50"]}
    plain_page.fill("#share-1", "80")  # the other stays at 50 without a script: the server rescales
    with plain_page.expect_navigation():
        plain_page.click("button.apply")
    assert query(plain_page.url)["color_weights"] == ["62", "38"]
    found = titles(plain_page)
    assert found.index("Night Harbour") < found.index("Ochre Field")
