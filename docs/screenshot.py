"""Take docs/screenshot.png: the search page after dropping an edited copy of a demo artwork.

Needs a running site with the demo catalog (`make run`) and Debian's Chromium:

    .venv/bin/python docs/screenshot.py [--url http://127.0.0.1:8000] [--item 5] [--output docs/screenshot.png]
"""

from __future__ import annotations

import argparse
import base64
import io
import re
from pathlib import Path

import requests
from PIL import Image, ImageDraw
from playwright.sync_api import sync_playwright

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update"]  # fmt: skip
DROP = """async ({data}) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], "found-online.jpg", {type: "image/jpeg"}));
  document.body.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true, cancelable: true}));
}"""


def edited_copy(url: str) -> bytes:
    """A demo artwork as someone might have posted it: cropped, captioned, recompressed."""
    image = Image.open(io.BytesIO(requests.get(url, timeout=30).content)).convert("RGB")
    width, height = image.size
    image = image.crop((width // 12, height // 12, width - width // 12, height - height // 12))
    ImageDraw.Draw(image).text((12, image.height - 24), "seen on a blog", fill="white")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--item", type=int, default=5, help="catalog item whose edited copy is dropped")
    parser.add_argument("--output", default=str(Path(__file__).with_name("screenshot.png")))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    data = edited_copy(f"{args.url}/items/{args.item}/thumbnail/large/")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(f"{args.url}/?q=")
        with page.expect_navigation(url=re.compile(r"image=")):
            page.evaluate(DROP, {"data": base64.b64encode(data).decode()})
        page.wait_for_load_state("networkidle")
        page.screenshot(path=args.output)
        browser.close()
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
