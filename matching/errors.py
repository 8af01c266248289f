"""The small error hierarchy of Likeness; each error says the HTTP status it is answered with (`status_code`).

It lives at the bottom layer so that every layer above raises and catches the same errors.
"""

from __future__ import annotations

from django.template.defaultfilters import filesizeformat


class LikenessError(Exception):
    """Base of every error Likeness raises on purpose; the message is meant for the user."""

    status_code = 400


class InvalidQuery(LikenessError):
    """A search parameter is missing or has a value we cannot use."""


class NotFound(LikenessError):
    """What the request names (an image, a filepath) does not exist."""

    status_code = 404


class ImageError(LikenessError):
    """The image given cannot be used; the message says why and what to do."""


class ImageTooLarge(ImageError):
    status_code = 413

    @classmethod
    def over(cls, max_bytes: int) -> ImageTooLarge:
        """The error for a file over `max_bytes`, saying the limit in words."""
        return cls(f"The image is too large: files up to {filesizeformat(max_bytes)} are accepted.")


class UnsupportedImage(ImageError):
    status_code = 415


class CorruptImage(ImageError):
    status_code = 400


class ImageFetchError(ImageError):
    """An image URL could not be fetched (refused address, 404, timeout, not an image)."""

    status_code = 400


class ImageUnreachable(ImageFetchError):
    """The picture at a URL could not be had (no such host, no connection, an error status, not an image, no
    data), as opposed to a URL refused by policy or cut off by a limit: /rest/ reports it as MatchEngine does."""


class ProviderError(LikenessError):
    """The match provider failed; permanent=False means trying again later may work."""

    status_code = 503

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class BackendError(LikenessError):
    """The search backend (e.g. Elasticsearch) failed."""

    status_code = 503
