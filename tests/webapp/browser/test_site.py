"""The site as a first-time visitor meets it, in a real Chromium: the home page, a words search with a typo, an image
search's progress and its empty state, the drop target, and the keyboard from the skip link to an item."""

from __future__ import annotations

import base64
import re

import pytest

from catalog.models import Collection
from tests.images import encode, picture

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# A file dragged over the page, not (yet) dropped: what the page shows while it is held there.
DRAG_ENTER = """() => {
  const transfer = new DataTransfer();
  transfer.items.add(new File([new Uint8Array([1, 2, 3])], "picture.jpg", {type: "image/jpeg"}));
  document.querySelector("main").dispatchEvent(new DragEvent("dragenter", {dataTransfer: transfer, bubbles: true}));
}"""
DRAG_LEAVE = """() => document.querySelector("main").dispatchEvent(new DragEvent("dragleave", {bubbles: true}))"""
DROP = """({data, name, type}) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type}));
  const drop = new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true});
  document.querySelector("main").dispatchEvent(drop);
}"""


@pytest.fixture
def museum(make_item, site_defaults):
    """A small catalog of two collections."""
    sea = Collection.objects.create(name="Harbourview Museum of Art", rights_holder="Harbourview Trust")
    photos = Collection.objects.create(name="Northlight Photo Archive")
    specs = [(51, "Harbour at Dawn", sea, "Johanna Verhoeven", "harbour, boats"),
             (52, "Fishing Boats at Low Tide", sea, "Johanna Verhoeven", "boats, beach"),
             (53, "Station Clock", photos, "Lars Holm", "clock, station"),
             (54, "Poplars by the River", sea, "Élise Marchand", "trees, river")]  # fmt: skip
    return {title: make_item(seed=seed, title=title, collection=collection, creator=creator, tags=tags,
                             data=encode(picture(640, 480, seed), "JPEG", quality=90))
            for seed, title, collection, creator, tags in specs}  # fmt: skip


def titles(page) -> list[str]:
    return page.locator("#hits .card .title").all_inner_texts()


def test_the_home_page_invites_a_search_on_a_laptop(page, museum):
    page.goto("/")
    assert page.locator("#welcome-heading").is_visible()
    assert page.locator("#bar-hint").is_visible() and "drop one anywhere" in page.locator("#bar-hint").inner_text()
    collections = page.locator(".collection-list .collection-name").all_inner_texts()
    assert collections == ["Harbourview Museum of Art", "Northlight Photo Archive"]
    assert page.locator("footer a").all_inner_texts() == ["Contact", "Licensing FAQ", "Privacy", "Terms of licence"]
    page.locator(".collection-list a", has_text="Northlight Photo Archive").click()
    page.wait_for_url(re.compile(r"collection="))
    assert titles(page) == ["Station Clock"]
    assert page.locator(".chips .chip").first.inner_text().startswith("Collection: Northlight Photo Archive")


def test_the_home_page_says_how_to_search_by_picture_on_a_phone(chromium, live_server, transactional_db, museum):
    context = chromium.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        phone = context.new_page()
        phone.goto("/")
        hint = phone.locator("#bar-hint")
        assert hint.is_visible() and "tap the camera button" in hint.inner_text()
        assert phone.locator("#pick").is_visible() and phone.locator(".go").is_visible()
        # The whole placeholder fits its field: typed in, it would not scroll.
        assert phone.evaluate("""() => {
          const field = document.getElementById("q");
          field.value = field.placeholder;
          return field.scrollWidth <= field.clientWidth;
        }""")
        assert phone.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    finally:
        context.close()


def test_a_misspelt_words_search_suggests_the_catalog_word_and_offers_a_picture_search(page, museum):
    page.goto("/")
    page.fill("#q", "harbuor")
    with page.expect_navigation(url=re.compile(r"q=harbuor")):
        page.press("#q", "Enter")
    assert page.locator("#no-results h1").inner_text() == "Nothing matches “harbuor”"
    assert page.locator("#filters").count() == 0  # every filter would lead to zero
    assert page.locator("#pick-instead").is_visible()
    suggestion = page.locator("#suggestion a")
    assert suggestion.inner_text() == "harbour"
    with page.expect_navigation(url=re.compile(r"q=harbour\b")):
        suggestion.click()
    assert titles(page) == ["Harbour at Dawn"]


def test_dragging_a_file_over_the_page_shows_where_to_drop_it(page, museum):
    page.goto("/")
    overlay = page.locator("#drop-overlay")
    assert not overlay.is_visible()
    page.evaluate(DRAG_ENTER)
    assert overlay.is_visible() and "Drop the picture" in overlay.inner_text()
    box = overlay.bounding_box()
    assert box["width"] >= 1280 * 0.95 and box["height"] >= 900 * 0.95  # the whole window
    page.evaluate(DRAG_LEAVE)
    assert not overlay.is_visible()


def test_an_image_search_shows_its_progress_then_says_what_it_tried(page, museum):
    held = []  # the upload, held until the page has shown that it is working
    page.route("**/search/image/", lambda route: held.append(route))
    page.goto("/")
    page.fill("#q", "zzqxv")
    unrelated = encode(picture(500, 400, 999), "JPEG", quality=90)
    page.evaluate(DROP, {"data": base64.b64encode(unrelated).decode(), "name": "mine.jpg", "type": "image/jpeg"})
    progress = page.locator("#progress")
    progress.wait_for(state="visible")
    assert progress.get_attribute("role") == "status" and page.locator("#progress .spinner").is_visible()
    assert "Sending your picture" in progress.inner_text()
    page.wait_for_function("document.getElementById('progress-text').textContent.includes('Looking for copies')")
    assert page.locator("#search").get_attribute("aria-busy") == "true"
    with page.expect_navigation(url=re.compile(r"image=")):
        held[0].continue_()
    empty = page.locator("#no-results")
    assert empty.locator("h1").inner_text().startswith("No copy of your picture is in the catalog")
    assert "described by “zzqxv”" in empty.locator("#tried").inner_text()
    assert empty.locator("#to-try a", has_text="without the words").is_visible()
    assert not page.locator("#progress").is_visible()


def test_the_keyboard_skips_to_the_results_and_opens_an_item(page, museum):
    page.goto("/?q=boats")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert skip.is_visible() and skip.inner_text() == "Skip to the results"
    box = skip.bounding_box()
    assert box["y"] >= 0 and box["height"] > 0  # shown on screen once focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "results"
    reached = []
    for _ in range(6):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.closest('.card') ? 'card' : document.activeElement.id"))
        if reached[-1] == "card":
            break
    assert reached[-1] == "card", reached  # the first result within a few keys, the sort order on the way
    first = page.evaluate("document.activeElement.querySelector('.title').textContent")
    with page.expect_navigation(url=re.compile(r"/items/\d+/")):
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text() == first


def test_the_page_is_in_a_sensible_keyboard_order(page, museum):
    page.goto("/")
    order = []
    for _ in range(6):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.className"))
    assert order[:5] == ["skip-link", "brand", "q", "pick", "go"], order


def test_the_item_page_links_to_more_by_its_creator_and_from_its_collection(page, museum):
    page.goto(museum["Harbour at Dawn"].get_absolute_url())
    with page.expect_navigation():
        page.click("#creator-link")
    assert sorted(titles(page)) == ["Fishing Boats at Low Tide", "Harbour at Dawn"]
    page.go_back()
    with page.expect_navigation(url=re.compile(r"collection=")):
        page.click("#collection-link")
    assert sorted(titles(page)) == ["Fishing Boats at Low Tide", "Harbour at Dawn", "Poplars by the River"]
    page.go_back()
    with page.expect_navigation(url=re.compile(r"q=boats")):
        page.click(".tags a:has-text('boats')")
    assert sorted(titles(page)) == ["Fishing Boats at Low Tide", "Harbour at Dawn"]
