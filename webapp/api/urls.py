"""URLs of the partner API (mounted at /api/)."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from webapp.api import views as partner
from webapp.api.imports import ImportJobViewSet
from webapp.api.licence_requests import LicenceRequestViewSet

app_name = "api"

router = SimpleRouter()
router.register("v1/items", partner.ItemViewSet, basename="item")
router.register("v1/licence-requests", LicenceRequestViewSet, basename="licence-request")
router.register("v1/imports", ImportJobViewSet, basename="import")

urlpatterns = [
    path("v1/search/", partner.SearchView.as_view(), name="search"),
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    *router.urls,
]
