from django.urls import path

from . import views as certificate_views

app_name = "certificates"
urlpatterns = [
    path("<int:pk>/unduh/", certificate_views.certificate_download, name="download"),
    path("batch/<int:pk>/unduh.<str:fmt>", certificate_views.batch_download, name="batch_download"),
]
