"""How facet counts are labelled and ordered: one rule for every backend."""

from __future__ import annotations

import re
from collections.abc import Iterable

from catalog.models import LicenseType
from search.query import SIZE_BUCKETS, UNKNOWN_YEAR, FacetValue, century_label

SIZE_ORDER = [value for value, *_ in SIZE_BUCKETS]
SIZE_LABELS = {value: label for value, label, *_ in SIZE_BUCKETS}


def label(facet: str, value: str) -> str:
    """What a facet value is called on the page and in the API."""
    if facet == "license":
        return dict(LicenseType.choices).get(value, value)
    if facet == "size":
        return SIZE_LABELS.get(value, value)
    if facet == "century":
        return "Unknown year" if value == UNKNOWN_YEAR else century_label(bucket_start(value))[1]
    return value


def bucket_start(value: str) -> int:
    """The first year of an age bucket such as "1900-1999" or "-400--301" (before Christ)."""
    start = re.match(r"-?\d+", value)
    assert start is not None  # every age bucket starts with its first year
    return int(start.group())


def order(facet: str, value: str, count: int) -> tuple:
    """Sizes small to huge, ages oldest first with the unknown last, anything else by count then name."""
    if facet == "size":
        return (SIZE_ORDER.index(value) if value in SIZE_ORDER else len(SIZE_ORDER),)
    if facet == "century":
        return (value == UNKNOWN_YEAR, bucket_start(value) if value != UNKNOWN_YEAR else 0)
    return (-count, value)


def facet_values(facet: str, counts: Iterable[tuple[str, int]]) -> list[FacetValue]:
    """(value, count) pairs of one facet as labelled FacetValues in the facet's order; zero counts left out."""
    found = sorted(((str(value), count) for value, count in counts if count), key=lambda vc: order(facet, *vc))
    return [FacetValue(value, count, label(facet, value)) for value, count in found]
