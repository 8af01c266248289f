"""axe-core's audit of every public page and the admin's item list, in a real Chromium, on a laptop and a phone:
no serious or critical violation of WCAG 2.1 A and AA (contrast, labels, names, alt text, landmarks)."""

from __future__ import annotations

import base64
import re

import pytest

from catalog.models import Collection
from tests.images import encode, picture

pytestmark = pytest.mark.browser

WIDTHS = {"laptop": 1366, "phone": 390}
SERIOUS = ("serious", "critical")
DROP = """({data}) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], "mine.jpg", {type: "image/jpeg"}));
  document.querySelector("main").dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true,
                                                                      cancelable: true}));
}"""
RUN = """async () => (await axe.run(document, {
  runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
  resultTypes: ["violations"],
})).violations"""


@pytest.fixture
def catalog_pages(make_item, site_defaults):
    """The public pages, by name, over a small catalog."""
    sea = Collection.objects.create(name="Harbourview Museum of Art", rights_holder="Harbourview Trust")
    specs = ((61, "Harbour at Dawn", "royalty-free"), (62, "Boats at Low Tide", "editorial"),
             (63, "The Quay at Night", "rights-managed"))  # fmt: skip
    items = [make_item(seed=seed, title=title, collection=sea, creator="Johanna Verhoeven", tags="harbour, boats",
                       license_type=licence, price="120.00", data=encode(picture(800, 600, seed), "JPEG", quality=88))
             for seed, title, licence in specs]  # fmt: skip
    first = items[0]
    return {
        "home": "/",
        "words results": "/?q=harbour",
        "results like an item": f"/?similar_to={first.pk}",
        "empty words search": "/?q=harbuor",
        "filtered to nothing": "/?q=harbour&year_from=2090",
        "collection": f"/?collection={sea.pk}",
        "item": first.get_absolute_url(),
        "licence request": f"/items/{first.pk}/license/",
        "terms of licence": "/pages/terms/",
        "licensing faq": "/pages/licensing-faq/",
    }


def serious_violations(page, axe_source: str) -> list[str]:
    page.add_script_tag(content=axe_source)
    found = page.evaluate(RUN)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[node['target'] for node in v['nodes']][:5]}"
            for v in found if v["impact"] in SERIOUS]  # fmt: skip


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_every_public_page_passes_axe(page, catalog_pages, axe_source, width):
    page.set_viewport_size({"width": width, "height": 900})
    failures = {}
    for name, url in catalog_pages.items():
        page.goto(url)
        page.wait_for_load_state("load")
        found = serious_violations(page, axe_source)
        if found:
            failures[name] = found
    assert not failures, failures


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_an_image_search_and_its_empty_state_pass_axe(page, catalog_pages, axe_source, width):
    page.set_viewport_size({"width": width, "height": 900})
    failures = {}
    for name, words in (("copies found", ""), ("nothing found", "zzqxv")):
        copy = encode(picture(800, 600, 61).crop((200, 150, 700, 550)), "JPEG", quality=80)
        page.goto(f"/?q={words}" if words else "/")
        with page.expect_navigation(url=re.compile(r"image=")):
            page.evaluate(DROP, {"data": base64.b64encode(copy).decode()})
        page.wait_for_load_state("load")
        found = serious_violations(page, axe_source)
        if found:
            failures[name] = found
    assert not failures, failures


def test_the_admins_item_list_passes_axe(page, catalog_pages, staff_user, axe_source):
    page.goto("/admin/login/?next=/admin/catalog/catalogimage/")
    assert not serious_violations(page, axe_source)
    page.fill("#id_username", staff_user.username)
    page.fill("#id_password", "pw")
    with page.expect_navigation(url="**/admin/catalog/catalogimage/"):
        page.click("input[type=submit]")
    assert page.locator("#site-name").inner_text().endswith("· staff admin")
    assert not serious_violations(page, axe_source)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_a_colour_search_with_colours_picked_passes_axe(page, catalog_pages, axe_source, width):
    """The picker with two colours and their shares, the strip of the results' colours and the colour chips."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(catalog_pages["words results"])
    hexes = [page.locator("#strip a[data-hex]").nth(i).get_attribute("data-hex") for i in range(2)]
    page.goto(f"/?q=harbour&colors={hexes[0]}&colors={hexes[1]}&color_weights=60&color_weights=40")
    page.wait_for_load_state("load")
    assert page.locator(".picked-color").count() == 2 and page.locator("#strip").is_visible()
    page.locator("#filters-panel").evaluate("(panel) => { panel.open = true; }")  # folded on a phone
    assert not serious_violations(page, axe_source)
