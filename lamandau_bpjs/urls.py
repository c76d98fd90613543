from django.contrib import admin
from django.urls import include, path

from core import views as core_views
from enrollment import certificate_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("program/", include("funding.urls")),
    path("admin/", admin.site.urls),
    path("verify/<str:code>/", certificate_views.verify, name="verify"),
    path("sertifikat/", include("enrollment.certificate_urls")),
    path("klaim/", include("claims.urls")),
    path("dashboard/", include("dashboard.urls")),
]

