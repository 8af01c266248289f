"""Take the README's screenshots: the home page, an image search's results and an item page, on a laptop
(1,366 px wide) and a phone (390 px), as docs/screenshots/{home,results,item}-{1366,390}.png.

Needs a running site with the demo catalog (`make run`) and Debian's Chromium:

    .venv/bin/python docs/screenshots/take.py [--url http://127.0.0.1:8000]

The results are those of a detail cut from "Harbour at Dawn" (the demo's first painting), as a visitor might
have found it on the web: its original comes first, outlined, then its other versions and look-alikes.
"""

from __future__ import annotations

import argparse
import base64
import io
import re
from pathlib import Path

import requests
from PIL import Image
from playwright.sync_api import Page, sync_playwright

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update"]  # fmt: skip
WIDTHS = {1366: 900, 390: 844}  # width: height of the window
DROP = """({data}) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], "found-online.jpg", {type: "image/jpeg"}));
  document.body.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
}"""


def found_online(url: str) -> bytes:
    """A part of the item's watermarked preview, recompressed: what a visitor might bring to the search."""
    image = Image.open(io.BytesIO(requests.get(url, timeout=30).content)).convert("RGB")
    width, height = image.size
    image = image.crop((width // 4, height // 5, width * 9 // 10, height * 9 // 10))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=72)
    return out.getvalue()


def settle(page: Page) -> None:
    """Wait until every image in the window has loaded (thumbnails are made on first request)."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function("Array.from(document.images).filter((img) => img.getBoundingClientRect().top < innerHeight)"
                           ".every((img) => img.complete)", timeout=120_000)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--title", default="Harbour at Dawn", help="the item the results and item page show")
    parser.add_argument("--output", default=str(Path(__file__).parent))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    output = Path(args.output)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=FLAGS, headless=True)
        for width, height in WIDTHS.items():
            context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=width < 600,
                                          device_scale_factor=1)  # fmt: skip
            page = context.new_page()
            page.goto(f"{args.url}/")
            settle(page)
            page.screenshot(path=output / f"home-{width}.png")

            page.goto(f"{args.url}/?q={args.title}")
            item_url = page.locator("#hits .card a").first.get_attribute("href")
            item_id = re.search(r"/items/(\d+)/", item_url).group(1)
            data = found_online(f"{args.url}/items/{item_id}/thumbnail/preview/")
            page.goto(f"{args.url}/")
            with page.expect_navigation(url=re.compile(r"image=")):
                page.evaluate(DROP, {"data": base64.b64encode(data).decode()})
            settle(page)
            if width < 600:  # on a phone the results come after the picture and its parts: show them
                page.locator("#results-heading").scroll_into_view_if_needed()
            page.screenshot(path=output / f"results-{width}.png")

            page.goto(f"{args.url}{item_url}")
            settle(page)
            page.screenshot(path=output / f"item-{width}.png")
            context.close()
        browser.close()
    print(f"wrote {len(WIDTHS) * 3} screenshots to {output}")


if __name__ == "__main__":
    main()
