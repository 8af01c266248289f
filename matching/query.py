"""A query picture as every matcher sees it: decoded once; its fingerprint and embedding made at most once.

The search service makes one `QueryImage` per query image (a region of it included) and hands it down:
the provider reads `fingerprint` for its hashes and features, and `embedding` when no hash leads to a
copy; the look-alike search reads the same `embedding`. Each is computed on first use and kept on the
object, so one search embeds its query once, and nothing below finds it again through a global.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from PIL import Image

from matching.algorithms.fingerprint import Fingerprint, fingerprint
from matching.algorithms.picture import LoadedImage
from matching.embeddings.model import embed

Region = tuple[float, float, float, float]  # x, y, width, height as fractions of the picture


@dataclass(frozen=True, eq=False)
class QueryImage:
    """One query picture and what matching derives from it, each part made when first asked."""

    loaded: LoadedImage

    @property
    def image(self) -> Image.Image:
        return self.loaded.image

    @cached_property
    def fingerprint(self) -> Fingerprint:
        """Hashes in every variant, upright and mirrored features, the grey copy they were found on."""
        return fingerprint(self.loaded, for_query=True)

    @cached_property
    def embedding(self) -> np.ndarray:
        """The unit look-alike embedding (matching.embeddings)."""
        return embed(self.loaded.image).vector

    def cropped(self, region: Region | None) -> QueryImage:
        """The part of the picture inside `region`, as a query of its own (itself when `region` is None)."""
        if region is None:
            return self
        x, y, w, h = region
        image = self.loaded.image
        left, top = min(round(x * image.width), image.width - 1), min(round(y * image.height), image.height - 1)
        right = max(left + 1, round((x + w) * image.width))  # at least one pixel, however small the region
        bottom = max(top + 1, round((y + h) * image.height))
        part = image.crop((left, top, right, bottom))
        width, height = max(1, round(w * self.loaded.width)), max(1, round(h * self.loaded.height))
        return QueryImage(replace(self.loaded, image=part, width=width, height=height))
