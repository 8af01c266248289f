"""URL map of the whole site."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    path("rest/", include("webapp.rest.urls")),
    path("api/", include("webapp.api.urls")),
    path("", include("webapp.page.urls")),
]
# No URL maps to a folder of stored files: renditions and originals are served by views that check
# who asks (webapp/media.py), so a draft's files or an original cannot be fetched by guessing a path.
