"""The public pages: the search page, its query-image endpoints, an item and its thumbnails."""

from django.urls import path

from web.page import items, search

app_name = "page"

urlpatterns = [
    path("", search.search_page, name="search"),
    path("search/image/", search.upload_query_image, name="upload"),
    path("search/image/<str:token>/", search.query_image, name="query-image"),
    path("items/<int:pk>/", items.item_detail, name="item"),
    path("items/<int:pk>/thumbnail/<str:size>/", items.thumbnail, name="thumbnail"),
]
