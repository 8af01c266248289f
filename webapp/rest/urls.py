"""URLs of the MatchEngine-compatible API (mounted at /rest/)."""

from django.urls import path

from webapp.rest import metadata_views, multicolor
from webapp.rest import views as matchengine

app_name = "rest"

urlpatterns = [
    path("add/", matchengine.AddView.as_view(), name="add"),
    path("delete/", matchengine.DeleteView.as_view(), name="delete"),
    path("list/", matchengine.ListView.as_view(), name="list"),
    path("count/", matchengine.CountView.as_view(), name="count"),
    path("ping/", matchengine.PingView.as_view(), name="ping"),
    path("search/", matchengine.SearchView.as_view(), name="search"),
    path("compare/", matchengine.CompareView.as_view(), name="compare"),
    path("color_search/", multicolor.ColorSearchView.as_view(), name="color_search"),
    path("extract_image_colors/", multicolor.ExtractImageColorsView.as_view(), name="extract_image_colors"),
    path("count_image_colors/", multicolor.CountImageColorsView.as_view(), name="count_image_colors"),
    path(
        "extract_collection_colors/", multicolor.ExtractCollectionColorsView.as_view(), name="extract_collection_colors"
    ),
    path("count_collection_colors/", multicolor.CountCollectionColorsView.as_view(), name="count_collection_colors"),
    path("count_metadata/", multicolor.CountMetadataView.as_view(), name="count_metadata"),
    path("update_metadata/", metadata_views.UpdateMetadataView.as_view(), name="update_metadata"),
    path("get_metadata/", metadata_views.GetMetadataView.as_view(), name="get_metadata"),
    path("get_search_metadata/", metadata_views.GetSearchMetadataView.as_view(), name="get_search_metadata"),
    path("get_return_metadata/", metadata_views.GetReturnMetadataView.as_view(), name="get_return_metadata"),
]
