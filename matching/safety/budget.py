"""What one request may decode: a few query images and a bounded number of pixels in all of them.

Each image is checked against what is left of the budget from its header, before it is decoded,
and kept only at the size matching needs, so several large images in one request cost neither
gigabytes nor seconds.
"""

from __future__ import annotations

from django.conf import settings

from matching.errors import ImageTooLarge, InvalidQuery
from matching.safety.imaging import LoadedImage, load_image


class ImageBudget:
    """Loads a request's query images one by one while they fit in its count and pixel limits."""

    def __init__(self, images: int | None = None, pixels: int | None = None) -> None:
        self.images = images if images is not None else settings.LIKENESS["MAX_QUERY_IMAGES"]
        self.pixels = pixels if pixels is not None else settings.LIKENESS["MAX_REQUEST_PIXELS"]
        self.loaded = 0

    def check_count(self, count: int) -> None:
        """Refuse a request that brings more images than the budget allows, before reading any."""
        if count > self.images:
            raise InvalidQuery(f"At most {self.images} images (files and URLs together) per request; got {count}.")

    def load(self, source) -> LoadedImage:
        """Decode one query image (upload, bytes or URL) within what is left of the budget."""
        self.check_count(self.loaded + 1)
        if self.pixels <= 0:
            raise ImageTooLarge(self.spent())
        try:
            loaded = load_image(source, max_pixels=self.pixels, max_whole_pixels=settings.LIKENESS["MAX_QUERY_PIXELS"])
        except ImageTooLarge as exc:
            raise ImageTooLarge(self.spent()) if self.loaded else exc from None
        self.loaded += 1
        self.pixels -= loaded.width * loaded.height
        return loaded

    def spent(self) -> str:
        limit = settings.LIKENESS["MAX_REQUEST_PIXELS"] / 1e6
        return f"The images of this request have too many pixels together; the limit is {limit:g} megapixels."

    def load_all(self, sources: list) -> list[LoadedImage]:
        self.check_count(len(sources))
        return [self.load(source) for source in sources]
