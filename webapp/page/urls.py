"""The public pages: the search page, its query-image endpoints, an item, its renditions and signed original links,
the licence request form and the download links of granted licences."""

from django.urls import path, register_converter

from webapp.page import items, licensing, search


class ItemId:
    """A catalog id: 1 to 18 digits, so that no id in a URL overflows the database's 64-bit integers."""

    regex = "[0-9]{1,18}"
    to_python = int
    to_url = str


register_converter(ItemId, "item")

app_name = "page"

urlpatterns = [
    path("", search.search_page, name="search"),
    path("search/image/", search.upload_query_image, name="upload"),
    path("search/image/<str:token>/", search.query_image, name="query-image"),
    path("items/<item:pk>/", items.item_detail, name="item"),
    path("items/<item:pk>/thumbnail/<str:size>/", items.thumbnail, name="thumbnail"),
    path("originals/<str:token>/", items.original, name="original"),
    path("items/<item:pk>/license/", licensing.request_licence, name="licence-request"),
    path("items/<item:pk>/license/thanks/", licensing.thanks, name="licence-thanks"),
    path("licences/<str:token>/download/", licensing.download, name="licence-download"),
]
