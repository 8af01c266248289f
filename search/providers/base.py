"""The match provider interface: reverse-image matching behind one small API."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from search.fingerprint import Fingerprint


@dataclass(frozen=True)
class Match:
    """One catalog image that the provider considers a copy of the query."""

    image_id: int
    score: float  # 0-100: 100 for an identical image, lower the more the copy was changed
    query_overlap: float = 100.0  # percent of the query image that shows the catalog image
    target_overlap: float = 100.0  # percent of the catalog image that the query shows
    details: dict[str, Any] = field(default_factory=dict)  # how the provider decided (method, distances)


class MatchProvider(ABC):
    """Reverse-image matching: what looks like the query, with a match decision of its own."""

    def __init__(self, **options: Any) -> None:
        self.options = options

    @abstractmethod
    def add(self, image_id: int, fingerprint: Fingerprint, image: Image.Image | None = None) -> None:
        """Index (or re-index) a catalog image."""

    @abstractmethod
    def remove(self, image_id: int) -> None:
        """Forget a catalog image; unknown ids are ignored."""

    @abstractmethod
    def match(
        self, fingerprint: Fingerprint, image: Image.Image | None = None, *, limit: int = 10, min_score: float = 0
    ) -> list[Match]:
        """Catalog images that match the query, best first."""

    @abstractmethod
    def compare(
        self, first: Fingerprint, second: Fingerprint, images: tuple[Image.Image, Image.Image] | None = None
    ) -> Match | None:
        """Whether two images match (image_id 0), and how well; None when they do not."""

    @abstractmethod
    def count(self) -> int:
        """How many catalog images are indexed."""

    def ping(self) -> bool:
        """Whether the provider can answer now."""
        return True

    def rebuild(self, progress=None, *, reconcile: bool = False) -> int:
        """Make the index hold exactly the catalog; returns how many are indexed.

        `progress(done, total)` is called as work advances; `reconcile` asks to send only what is
        missing or changed, for providers where sending is costly.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot rebuild its index.")
