"""The small error hierarchy of search, and the one place that maps it to HTTP status."""

from __future__ import annotations


class SearchError(Exception):
    """Base of every error search raises on purpose; the message is meant for the user."""

    status_code = 400


class InvalidQuery(SearchError):
    """A search parameter is missing or has a value we cannot use."""


class NotFound(SearchError):
    """What the request names (an image, a filepath) does not exist."""

    status_code = 404


class ImageError(SearchError):
    """The image given cannot be used; the message says why and what to do."""


class ImageTooLarge(ImageError):
    status_code = 413


class UnsupportedImage(ImageError):
    status_code = 415


class CorruptImage(ImageError):
    status_code = 400


class ImageFetchError(ImageError):
    """An image URL could not be fetched (refused address, 404, timeout, not an image)."""

    status_code = 400


class ProviderError(SearchError):
    """The match provider failed; permanent=False means trying again later may work."""

    status_code = 503

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class BackendError(SearchError):
    """The search backend (e.g. Elasticsearch) failed."""

    status_code = 503


def http_status(error: SearchError) -> int:
    """The HTTP status an error is answered with."""
    return error.status_code
