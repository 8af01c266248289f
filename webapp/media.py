"""Stored files handed to a browser: renditions to whoever may see the item, originals through signed links.

Nothing is served from a folder by URL: every file goes through a view that has checked who asks.
On the local file system Django streams the file, or hands it to the web server in front
(ORIGINALS_SENDFILE: nginx's X-Accel-Redirect, Apache's X-Sendfile); on S3 the answer is a redirect
to a presigned, short-lived URL.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import Storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase

from catalog.models import EXTENSIONS, CatalogImage


def _local_path(storage: Storage, name: str) -> str | None:
    try:
        return storage.path(name)
    except NotImplementedError:  # S3 and other remote storages
        return None


def _guarded(response: HttpResponseBase) -> HttpResponseBase:
    # Whatever a stored file holds, a browser never runs it as a page.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def rendition_response(storage: Storage, name: str, *, public: bool) -> HttpResponseBase:
    """A rendition (JPEG): cacheable by anyone when the item is published, by the browser only otherwise."""
    if _local_path(storage, name) is None:
        response: HttpResponseBase = HttpResponseRedirect(storage.url(name))
    else:
        response = FileResponse(storage.open(name, "rb"), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return _guarded(response)


def original_response(item: CatalogImage) -> HttpResponseBase:
    """The item's original file, as an attachment named after its identifier."""
    storage, name = item.image.storage, item.image.name
    assert name is not None
    filename = f"{PurePosixPath(item.identifier).stem or item.pk}.{EXTENSIONS.get(item.format, 'bin')}"
    path = _local_path(storage, name)
    response: HttpResponseBase
    if path is None:
        response = HttpResponseRedirect(storage.url(name))  # presigned, expiring (querystring_auth)
    elif settings.ORIGINALS_SENDFILE == "nginx":
        response = HttpResponse(headers={"X-Accel-Redirect": settings.ORIGINALS_INTERNAL_URL.rstrip("/") + "/" + name})
    elif settings.ORIGINALS_SENDFILE == "apache":
        response = HttpResponse(headers={"X-Sendfile": path})
    else:
        response = FileResponse(storage.open(name, "rb"), as_attachment=True, filename=filename)
    if not isinstance(response, HttpResponseRedirect):
        response["Content-Disposition"] = response.get("Content-Disposition") or f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return _guarded(response)
