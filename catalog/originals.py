"""Who may have a catalog original, and the short-lived signed links that hand one over.

An original leaves only through a link signed with the site's secret key (django.core.signing):
it names one item and the content hash of its current file, and works for
ORIGINAL_URL_SECONDS. Editing it (another item, another file) breaks the signature; replacing the
item's file makes old links void.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

from catalog.models import CatalogImage

SALT = "likeness.original"


class LinkRefused(Exception):
    """A link that cannot be honoured; `status` is 403 (forged or for another file) or 410 (expired)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def may_download(user) -> bool:
    """Staff, and accounts (partners) with the "Can download original files" permission."""
    return bool(user and user.is_active and (user.is_staff or user.has_perm("catalog.download_original")))


def signed_url(item: CatalogImage) -> str:
    """A link to the item's original that works for ORIGINAL_URL_SECONDS (a path; make it absolute to share)."""
    token = signing.dumps({"item": item.pk, "sha256": item.sha256}, salt=SALT, compress=True)
    return reverse("page:original", args=[token])


REPLACED = "This download link is for a file that has since been replaced or removed."


def unsign(token: str, salt: str, max_age: int | None = None) -> Any:
    """What a signed download link says, if it is genuine (and younger than `max_age` seconds); else LinkRefused."""
    try:
        return signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise LinkRefused("This download link has expired. Ask for a new one.", 410) from exc
    except signing.BadSignature as exc:
        raise LinkRefused("This download link is not valid.", 403) from exc


def item_for(token: str) -> CatalogImage:
    """The item a link names, if the link is genuine, unexpired and its file unchanged; else LinkRefused."""
    payload = unsign(token, SALT, settings.ORIGINAL_URL_SECONDS)
    item = CatalogImage.objects.filter(pk=payload.get("item"), sha256=payload.get("sha256")).first()
    if item is None:
        raise LinkRefused(REPLACED, 410)
    return item
