from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/thumbnail/<str:size>/", views.thumbnail, name="thumbnail"),
]
