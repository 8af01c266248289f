"""The logo and favicon staff uploaded, or the built-in ones; served by a view as every stored file is."""

from __future__ import annotations

import mimetypes

from django.contrib.sites.models import Site
from django.http import FileResponse, HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.templatetags.static import static
from django.views.decorators.http import require_GET

from webapp.identity.models import SiteIdentity

BUILT_IN = {"logo": "img/logo.svg", "favicon": "img/favicon.svg"}


@require_GET
def picture(request: HttpRequest, kind: str) -> HttpResponseBase:
    """The site's logo or favicon: the uploaded file, else a redirect to the built-in one."""
    row = SiteIdentity.objects.filter(site_id=Site.objects.get_current(request).pk).first()
    field = getattr(row, kind) if row is not None else None
    if not field:
        return HttpResponseRedirect(static(BUILT_IN[kind]))
    try:
        local = field.storage.path(field.name)
    except NotImplementedError:  # S3 and other remote storages
        local = None
    response: HttpResponseBase
    if local is None:
        response = HttpResponseRedirect(field.storage.url(field.name))
    else:
        kind_of_file = mimetypes.guess_type(field.name)[0] or "application/octet-stream"
        response = FileResponse(field.storage.open(field.name, "rb"), content_type=kind_of_file)
    response["Cache-Control"] = "public, max-age=300"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
