from django.urls import path

from . import views

app_name = "funding"
urlpatterns = [
    path("", views.funding_list, name="list"),
    path("<str:code>/", views.funding_detail, name="detail"),
]
