"""URL map of the whole site."""

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path, re_path

from webapp.media import serve_media

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("rest/", include("webapp.rest.urls")),
    path("api/", include("webapp.api.urls")),
    path("", include("webapp.page.urls")),
]

if settings.SERVE_MEDIA:
    # Uploaded catalog files on the local file system; S3 deployments serve media themselves.
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns.append(re_path(rf"^{media_prefix}(?P<path>.*)$", serve_media))
