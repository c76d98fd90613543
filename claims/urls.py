from django.urls import path

from . import views

app_name = "claims"
urlpatterns = [
    path("", views.claim_queue, name="queue"),
    path("ekspor.xlsx", views.claim_export, name="export"),
    path("baru/", views.claim_new, name="new"),
    path("beasiswa/baru/", views.scholarship_new, name="new_scholarship"),
    path("<int:pk>/", views.claim_detail, name="detail"),
    path("<int:pk>/dokumen/", views.document_upload, name="upload"),
    path("<int:pk>/dokumen/<int:document_pk>/", views.document_download, name="document"),
    path("<int:pk>/verifikasi/", views.claim_verify, name="verify"),
    path("<int:pk>/setujui/", views.claim_approve, name="approve"),
    path("<int:pk>/tolak/", views.claim_reject, name="reject"),
    path("<int:pk>/bayar/", views.claim_pay, name="pay"),
]
