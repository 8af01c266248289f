"""URLs of the MatchEngine-compatible API (mounted at /rest/)."""

from django.urls import path

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
]
