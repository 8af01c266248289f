"""The site's logo and favicon."""

from django.urls import path

from webapp.identity import views

app_name = "identity"

urlpatterns = [
    path("logo/", views.picture, {"kind": "logo"}, name="logo"),
    path("favicon/", views.picture, {"kind": "favicon"}, name="favicon"),
]
