from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard, name="index"),
    path("export.xlsx", views.export, name="export"),
    path("api/summary", views.api_summary, name="api-summary"),
    path("api/regions", views.api_regions, name="api-regions"),
    path("api/groups", views.api_groups, name="api-groups"),
    path("api/monthly", views.api_monthly, name="api-monthly"),
    path("api/month", views.api_month, name="api-month"),
    path("laporan/buat", views.report_create, name="report-create"),
    path("laporan/<str:name>", views.report_download, name="report-download"),
]
