"""URL map of the whole site."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView

urlpatterns: list[URLPattern | URLResolver] = [
    path("admin/", admin.site.urls),
    # Pages staff write in the admin (django.contrib.flatpages): a flat page at "/terms/" is served at /pages/terms/.
    path("pages/", include("django.contrib.flatpages.urls")),
    path("site/", include("webapp.identity.urls")),
    path("favicon.ico", RedirectView.as_view(pattern_name="identity:favicon", permanent=False)),
    path("rest/", include("webapp.rest.urls")),
    path("api/", include("webapp.api.urls")),
    path("", include("webapp.page.urls")),
]
# No URL maps to a folder of stored files: renditions and originals are served by views that check
# who asks (webapp/media.py), so a draft's files or an original cannot be fetched by guessing a path.
