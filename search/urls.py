"""The search page and its query-image endpoints."""

from django.urls import path

from search import views

app_name = "search"

urlpatterns = [
    path("", views.search_page, name="page"),
    path("search/image/", views.upload_query_image, name="upload"),
    path("search/image/<str:token>/", views.query_image, name="query-image"),
]
