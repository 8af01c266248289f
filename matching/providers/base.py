"""The match provider interface: reverse-image matching behind one small API.

Callers hand a provider what they have, query pictures (matching.query.QueryImage, whose fingerprint and
embedding are made once, when first asked) and `Entry`s describing catalog images; each provider reads
what it needs: the local provider the query's fingerprint and embedding, the remote one its pixels.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from PIL import Image

from matching.algorithms.fingerprint import Fingerprint
from matching.providers.thresholds import Thresholds
from matching.query import QueryImage

Progress = Callable[[int, int], None]  # (items just done, total to do)


COPY, SIMILAR = "copy", "similar"
WHOLE = (0.0, 0.0, 1.0, 1.0)


@dataclass(frozen=True)
class Match:
    """One catalog image that is a copy of the query (a provider's decision), or looks like it."""

    image_id: int
    score: float  # 0-100: 100 for an identical image, lower the more the copy was changed (or the less alike)
    query_overlap: float = 100.0  # percent of the query image that shows the catalog image
    target_overlap: float = 100.0  # percent of the catalog image that the query shows
    details: dict[str, Any] = field(default_factory=dict)  # how the provider decided (method, distances)
    kind: str = COPY  # COPY: the same picture, edited or not; SIMILAR: another picture that looks like it
    # Where the copy matched, as (left, top, right, bottom) fractions of each image's width and height,
    # upright: the part of the query that shows the catalog image, and the part of the catalog image
    # the query shows. The whole image, (0, 0, 1, 1), when the provider does not say.
    query_box: tuple[float, float, float, float] = WHOLE
    target_box: tuple[float, float, float, float] = WHOLE


BOX_SIDES = ("left", "top", "right", "bottom")


def box_json(box: tuple[float, float, float, float]) -> dict[str, float]:
    """A match box as the APIs show it: {"left", "top", "right", "bottom"}, fractions of width and height."""
    return dict(zip(BOX_SIDES, box, strict=True))


def is_box(box: tuple[float, ...]) -> TypeGuard[tuple[float, float, float, float]]:
    """Whether (left, top, right, bottom) is a non-empty box inside the picture (NaN and infinities are not)."""
    if len(box) != 4:
        return False
    left, top, right, bottom = box
    return 0 <= left < right <= 1 and 0 <= top < bottom <= 1


def box_from_json(value: Any) -> tuple[float, float, float, float]:
    """A box read back from an API answer; the whole image when it is missing or not a box."""
    try:
        box = tuple(float(value[side]) for side in BOX_SIDES)
    except (TypeError, KeyError, ValueError):
        return WHOLE
    return box if is_box(box) else WHOLE


@dataclass(frozen=True)
class Entry:
    """A catalog image as a provider indexes it; the costly parts are read only when a provider asks.

    `name` is the image's stable identifier (a remote provider's filepath), `sha256` the content
    hash of its file, `fingerprint()` its stored fingerprint, `pixels(short_side)` its picture
    decoded with at least that short side.
    """

    image_id: int
    name: str
    sha256: str
    fingerprint: Callable[[], Fingerprint]
    pixels: Callable[[int], Image.Image]


class MatchProvider(ABC):
    """Reverse-image matching: what looks like the query, with a match decision of its own."""

    def __init__(self, *, thresholds: Thresholds | None = None, **options: Any) -> None:
        self.options = options
        # The copy decision's thresholds, from options such as ACCEPT_DISTANCE=20 or given whole (a remote
        # decides by its own; duplicate finding over the stored fingerprints reads these).
        self.thresholds = thresholds or Thresholds.from_options(options)

    @abstractmethod
    def add(self, entry: Entry) -> None:
        """Index (or re-index) a catalog image."""

    @abstractmethod
    def remove(self, image_id: int) -> None:
        """Forget a catalog image; unknown ids are ignored."""

    @abstractmethod
    def match(self, query: QueryImage, *, limit: int = 10, min_score: float = 0, thorough: bool = False) -> list[Match]:
        """Catalog images that match the query picture, best first.

        `thorough` asks a provider to look for every kind of copy even once it found one (a staff
        check of a catalog image, which always finds itself), where it would otherwise stop early.
        """

    @abstractmethod
    def compare(self, first: QueryImage, second: QueryImage) -> Match | None:
        """Whether two pictures match (image_id 0), and how well; None when they do not."""

    @abstractmethod
    def count(self) -> int:
        """How many catalog images are indexed."""

    loaded_from = ""  # where this process's index came from ("database", "snapshot"); empty: none is held here

    def ping(self) -> bool:
        """Whether the provider can answer now."""
        return True

    def load(self, *, rebuild: bool = False) -> bool:
        """Load the index this process holds (`rebuild`: from the database, leaving a new snapshot); False
        when the provider holds none in any process (a remote's, Elasticsearch's)."""
        return False

    def rebuild(
        self, entries: Callable[[], Iterable[Entry]], progress: Progress | None = None, *, reconcile: bool = False
    ) -> int:
        """Make the index hold exactly the catalog (`entries()` lists it); returns how many are indexed.

        `progress(done, total)` is called as work advances; `reconcile` asks to send only what is
        missing or changed, for providers where sending is costly.
        """
        raise NotImplementedError(f"{type(self).__name__} cannot rebuild its index.")
