"""The one entry point for searching: every caller (page, partner API, /rest/) goes through here."""

from __future__ import annotations

from search import fingerprint as fingerprints
from search import imaging
from search.imaging import LoadedImage
from search.providers import Match, get_provider

QUERY_DRAFT_SIZE = 512


def load_query_image(source) -> LoadedImage:
    """Decode an untrusted query image (upload, bytes or URL); raises ImageError."""
    return imaging.load(source, draft_size=QUERY_DRAFT_SIZE)


def query_fingerprint(loaded: LoadedImage) -> fingerprints.Fingerprint:
    return fingerprints.fingerprint(loaded, for_query=True)


def match_image(loaded: LoadedImage, *, limit: int = 10, min_score: float = 0, mirrored: bool = True) -> list[Match]:
    """Catalog images matching a query image, best first; `mirrored=False` leaves out mirror-image copies."""
    matches = get_provider().match(query_fingerprint(loaded), loaded.image, limit=limit, min_score=min_score)
    if not mirrored:
        matches = [match for match in matches if not match.details.get("mirrored")]
    return matches


def compare_images(first: LoadedImage, second: LoadedImage, *, mirrored: bool = True) -> Match | None:
    found = get_provider().compare(
        query_fingerprint(first), fingerprints.fingerprint(second), (first.image, second.image)
    )
    if found is not None and not mirrored and found.details.get("mirrored"):
        return None
    return found
