"""The search backend interface, and the filter and facet logic every backend shares the meaning of."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any

from catalog.models import CatalogImage
from matching.providers import Match
from search.query import SearchQuery, SearchResults


class BaseSearchBackend(ABC):
    """Keyword relevance, filters and facets over the catalog; image scores come from outside."""

    def __init__(self, **params: Any) -> None:
        self.params = params

    @abstractmethod
    def index(self, items: Iterable[CatalogImage]) -> None:
        """Add or update these items (with their creator and colours loaded or loadable)."""

    @abstractmethod
    def remove(self, ids: Iterable[int]) -> None:
        """Forget these item ids; unknown ids are ignored."""

    @abstractmethod
    def search(self, query: SearchQuery, image_scores: dict[int, Match] | None = None) -> SearchResults:
        """Results for the query. With `image_scores`, only those items can be hits, ranked by them."""

    def rebuild(self, items: Iterable[CatalogImage], total: int, progress: Callable[[int], object] | None = None,
                chunk_size: int = 500) -> int:  # fmt: skip
        """Re-index everything from `items` (in pk order), chunk by chunk; returns how many were indexed."""
        self.clear()
        done, chunk = 0, []
        for item in items:
            chunk.append(item)
            if len(chunk) >= chunk_size:
                done += self._index_chunk(chunk, progress)
                chunk = []
        if chunk:
            done += self._index_chunk(chunk, progress)
        self.finish_rebuild()
        return done

    def _index_chunk(self, chunk: list[CatalogImage], progress: Callable[[int], object] | None) -> int:
        self.index(chunk)
        if progress:
            progress(len(chunk))
        return len(chunk)

    def clear(self) -> None:  # noqa: B027 (optional hook, not abstract)
        """Start a rebuild from empty (a backend may build aside and swap in finish_rebuild)."""

    def finish_rebuild(self) -> None:  # noqa: B027 (optional hook, not abstract)
        """Make a rebuild visible."""

    def ping(self) -> bool:
        return True
