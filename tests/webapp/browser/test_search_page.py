"""The search page in a real Chromium: drop, paste, pick, words, swatches, regions, item pages, errors."""

from __future__ import annotations

import base64
import re

import pytest
from PIL import Image

from tests.images import encode, picture
from tests.servers import LoopbackServer

pytestmark = pytest.mark.browser

DROP = """async ({data, name, type, target}) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type}));
  const element = document.querySelector(target);
  element.dispatchEvent(new DragEvent("dragenter", {dataTransfer: transfer, bubbles: true}));
  element.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true, cancelable: true}));
  const lit = document.getElementById("bar").classList.contains("dragging");
  element.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
  return lit;
}"""
PASTE = """async ({data, type}) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], "clipboard.png", {type}));
  document.dispatchEvent(new ClipboardEvent("paste", {clipboardData: transfer, bubbles: true, cancelable: true}));
}"""

PASTE_TEXT = """(text) => {
  const transfer = new DataTransfer();
  transfer.setData("text/plain", text);
  const event = new ClipboardEvent("paste", {clipboardData: transfer, bubbles: true, cancelable: true});
  document.activeElement.dispatchEvent(event);
}"""


@pytest.fixture
def gallery(make_item):
    """Six pictures with distinct looks; the 'Harbour' pair are two versions of one picture."""
    specs = [(21, "Harbour at Dawn", "harbour, boats"), (22, "Mill in Winter", "mill, snow"),
             (23, "Orchard Path", "orchard"), (24, "Quiet Lake", "lake"), (25, "Red Barn", "barn")]  # fmt: skip
    items = {seed: make_item(seed=seed, title=title, tags=tags, data=encode(picture(640, 480, seed), "PNG"))
             for seed, title, tags in specs}  # fmt: skip
    items["version"] = make_item(seed=21, title="Harbour Study (print)", tags="study",
                                 data=encode(picture(640, 480, 21).resize((480, 360)), "JPEG", quality=85))  # fmt: skip
    return items


def titles(page, group: str = "copies") -> list[str]:
    """Titles of one group of an image search ("copies", shown first, or "similar"); all hits of a words search."""
    return page.locator(f"#hits-{group} .card .title" if group else "#hits .card .title").all_inner_texts()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_dropping_a_file_lights_the_bar_and_finds_the_original_first(page, gallery):
    page.goto("/")
    copy = encode(picture(640, 480, 24).crop((30, 20, 610, 460)).resize((420, 320)), "JPEG", quality=80)
    with page.expect_navigation(url=re.compile(r"image=")):
        lit = page.evaluate(DROP, {"data": b64(copy), "name": "copy.jpg", "type": "image/jpeg", "target": "main"})
    assert lit, "the search bar did not light up as a drop zone"
    assert titles(page)[0] == "Quiet Lake"
    assert page.locator(".query-chip img").is_visible()
    assert page.locator("#hits .card").first.locator(".badge").inner_text() in ("Edited copy", "Similar")


def test_pasting_an_image_searches_by_it(page, gallery):
    page.goto("/")
    with page.expect_navigation(url=re.compile(r"image=")):
        page.evaluate(PASTE, {"data": b64(encode(picture(640, 480, 23), "PNG")), "type": "image/png"})
    assert titles(page) == ["Orchard Path"]
    assert page.locator("#hits .badge").first.inner_text() == "Identical"


def test_pasting_an_image_address_searches_by_that_image(page, gallery):
    with LoopbackServer() as server:
        url = server.serve("/art/lake.jpg", encode(picture(640, 480, 24), "JPEG", quality=90))
        page.goto("/")
        page.focus("#q")
        with page.expect_navigation(url=re.compile(r"image=")):
            page.evaluate(PASTE_TEXT, url)
    assert titles(page)[0] == "Quiet Lake"


def test_words_and_an_image_from_the_keyboard_picker_combine(page, gallery, tmp_path):
    query = tmp_path / "harbour.jpg"
    query.write_bytes(encode(picture(640, 480, 21), "JPEG", quality=90))
    choosers = []  # listening before the page loads: Playwright then intercepts the native picker
    page.on("filechooser", lambda chooser: choosers.append(chooser))
    page.goto("/")
    page.fill("#q", "study")
    page.focus("#pick")
    page.keyboard.press("Enter")
    for _ in range(50):
        if choosers:
            break
        page.wait_for_timeout(100)
    assert choosers, "Enter on the camera button did not open the file picker"
    with page.expect_navigation(url=re.compile(r"image=")):
        choosers[0].set_files(str(query))
    assert "q=study" in page.url
    found = titles(page)
    assert found[0] == "Harbour Study (print)" and set(found) <= {"Harbour Study (print)", "Harbour at Dawn"}
    page.click(".query-chip .chip-remove")
    page.wait_for_url(re.compile(r"^(?!.*image=)"))
    assert titles(page, group="") == ["Harbour Study (print)"]  # words only: one plain list


def test_a_colour_swatch_narrows_results_and_counts(page, gallery):
    page.goto("/")
    total = int(page.locator("#results-heading").inner_text().split()[0])
    counts = {
        label.get_attribute("title"): int(label.locator(".count").inner_text())
        for label in page.locator(".colors label.swatch").all()
    }
    colour, count = next((c, n) for c, n in sorted(counts.items(), key=lambda kv: kv[1]) if 0 < n < total)
    with page.expect_navigation(url=re.compile(rf"color={colour.lower()}")):
        page.locator(f'.colors label[title="{colour}"]').click()
    assert page.locator("#results-heading").inner_text().startswith(f"{count} result")
    assert len(titles(page, group="")) == count
    assert int(page.locator(f'.colors label[title="{colour}"] .count').inner_text()) == count
    assert page.locator(".chips .chip").first.inner_text().startswith(f"Colour: {colour.lower()}")
    page.go_back()
    assert len(titles(page, group="")) == total


def test_dragging_a_box_searches_that_region(page, gallery):
    collage = Image.new("RGB", (1280, 480))
    collage.paste(picture(640, 480, 22), (0, 0))
    collage.paste(picture(640, 480, 25), (640, 0))
    page.goto("/")
    with page.expect_navigation(url=re.compile(r"image=")):
        page.evaluate(DROP, {"data": b64(encode(collage, "JPEG", quality=92)), "name": "collage.jpg",
                             "type": "image/jpeg", "target": "#bar"})  # fmt: skip
    frame = page.locator(".region-frame").bounding_box()
    page.mouse.move(frame["x"] + frame["width"] * 0.51, frame["y"] + 2)
    page.mouse.down()
    page.mouse.move(frame["x"] + frame["width"] * 0.8, frame["y"] + frame["height"] * 0.6)
    with page.expect_navigation(url=re.compile(r"region=")):
        page.mouse.move(frame["x"] + frame["width"] - 2, frame["y"] + frame["height"] - 2)
        page.mouse.up()
    assert titles(page)[0] == "Red Barn"
    assert page.locator("#region-box").is_visible()


def test_the_item_page_shows_versions_and_finds_similar(page, gallery):
    page.goto(gallery[21].get_absolute_url())
    assert "Harbour Study (print)" in page.locator(".versions").inner_text()
    assert page.locator(".palette li").count() >= 1
    page.click("#find-similar")
    page.wait_for_url(re.compile(r"similar_to="))
    assert titles(page) == ["Harbour Study (print)"]


def test_a_file_that_is_not_an_image_shows_an_error_in_the_bar(page, gallery):
    page.goto("/?q=harbour")
    page.evaluate(DROP, {"data": b64(b"%!PS-Adobe not really"), "name": "notes.txt", "type": "text/plain",
                         "target": "main"})  # fmt: skip
    error = page.locator("#bar-error")
    error.wait_for(state="visible")
    assert "not an image" in error.inner_text()
    assert "image=" not in page.url and page.locator("#bar.invalid").count() == 1


def test_the_page_fits_a_phone(chromium, live_server, transactional_db, gallery):
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        phone = context.new_page()
        phone.goto("/")
        assert phone.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
        assert phone.locator("#q").is_visible() and phone.locator("#hits .card").count() == 6
    finally:
        context.close()


def test_dropping_a_picture_not_in_the_catalog_shows_similar_pictures(page, make_item):
    from tests.lookalike_photos import cat_detail, jpeg, photo

    for name, title in (("chelsea", "Tabby on the Sill"), ("coffee", "Morning Cup"), ("rocket", "Launch Pad")):
        make_item(title=title, data=jpeg(photo(name)))
    page.goto("/")
    with page.expect_navigation(url=re.compile(r"image=")):
        page.evaluate(
            DROP, {"data": b64(jpeg(cat_detail())), "name": "cat.jpg", "type": "image/jpeg", "target": "main"}
        )
    assert page.locator("#hits-copies").count() == 0
    assert page.locator("#heading-similar").inner_text() == "Similar pictures"
    assert titles(page, group="similar")[0] == "Tabby on the Sill"
    assert "Morning Cup" not in titles(page, group="similar")


@pytest.mark.parametrize("width", [1366, 390])  # a laptop and a phone
def test_a_detail_is_outlined_over_the_thumbnail_where_it_lies(page, make_item, width):
    make_item(seed=31, title="Whole Picture", data=encode(picture(800, 600, 31), "PNG"))
    detail = encode(picture(800, 600, 31).crop((400, 300, 800, 600)), "JPEG", quality=90)  # the bottom right quarter
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/")
    with page.expect_navigation(url=re.compile(r"image=")):
        page.evaluate(DROP, {"data": b64(detail), "name": "detail.jpg", "type": "image/jpeg", "target": "main"})
    assert titles(page) == ["Whole Picture"]
    thumb = page.locator("#hits-copies .card img").bounding_box()
    rect = page.locator("#hits-copies .card svg.outline rect").bounding_box()
    frame = page.locator("#hits-copies .card svg.outline").bounding_box()
    assert frame == thumb  # the outline's frame is the thumbnail's, on a phone as on a laptop
    # The thumbnail covers its box with the 800x600 picture (cropping what overflows, centred): the
    # outline is the picture's bottom right quarter laid out the same way.
    scale = max(thumb["width"] / 800, thumb["height"] / 600)
    left = thumb["x"] + (thumb["width"] - 800 * scale) / 2 + 400 * scale
    top = thumb["y"] + (thumb["height"] - 600 * scale) / 2 + 300 * scale
    tolerance = 0.06 * 800 * scale
    assert abs(rect["x"] - left) < tolerance and abs(rect["y"] - top) < tolerance
    assert abs(rect["width"] - 400 * scale) < tolerance and abs(rect["height"] - 300 * scale) < tolerance
    page.locator("#hits-copies .card a").first.click()
    page.wait_for_selector("#region-note")
    # The large thumbnail is made on first request: measure once it has loaded and been laid out.
    page.wait_for_function(
        "() => { const img = document.querySelector('.preview'); "
        "return img.complete && img.naturalWidth > 0 && img.getBoundingClientRect().width > 0; }"
    )
    preview = page.locator(".preview").bounding_box()
    outlined = page.locator(".preview-frame svg.outline rect").bounding_box()
    assert abs(outlined["x"] - (preview["x"] + preview["width"] / 2)) < preview["width"] * 0.06
    assert abs(outlined["width"] - preview["width"] / 2) < preview["width"] * 0.06
    assert abs(outlined["height"] - preview["height"] / 2) < preview["height"] * 0.06
