"""Match providers, built from LIKENESS_MATCH_PROVIDERS by one loader (see matching.registry).

LIKENESS_MATCH_PROVIDERS = {"default": {"BACKEND": "matching.providers.local", ...options}}
"""

from __future__ import annotations

from matching.providers.base import COPY, SIMILAR, Entry, Match, MatchProvider, box_json, is_box
from matching.query import QueryImage
from matching.registry import Registry

__all__ = [
    "COPY",
    "SIMILAR",
    "Entry",
    "Match",
    "MatchProvider",
    "box_json",
    "compare_images",
    "get_provider",
    "is_box",
    "match_image",
    "reset_providers",
]

_registry: Registry[MatchProvider] = Registry("LIKENESS_MATCH_PROVIDERS", "Provider", "match provider")
get_provider = _registry.get
reset_providers = _registry.reset


def match_image(
    query: QueryImage, *, limit: int = 10, min_score: float = 0, mirrored: bool = True, thorough: bool = False
) -> list[Match]:
    """Catalog images matching a query image, best first; `mirrored=False` leaves out mirror-image copies.

    `thorough`: look for details and framed copies even when a whole copy was found (staff checks).
    """
    matches = get_provider().match(query, limit=limit, min_score=min_score, thorough=thorough)
    if not mirrored:
        matches = [match for match in matches if not match.details.get("mirrored")]
    return matches


def compare_images(first: QueryImage, second: QueryImage, *, mirrored: bool = True) -> Match | None:
    """Whether two images are one picture, by the configured provider; `mirrored=False` refuses mirror images."""
    found = get_provider().compare(first, second)
    if found is not None and not mirrored and found.details.get("mirrored"):
        return None
    return found
