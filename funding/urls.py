from django.urls import path

from . import views

app_name = "funding"
urlpatterns = [
    path("", views.funding_list, name="list"),
    path("berakhir/", views.ending_soon, name="ending_soon"),
    path("<str:code>/", views.funding_detail, name="detail"),
    path("<str:code>/tagihan/", views.bill_list, name="bills"),
    path("<str:code>/tagihan/buat/", views.bill_create, name="bill_create"),
    path("<str:code>/tagihan/<int:pk>/", views.bill_detail, name="bill"),
    path("<str:code>/tagihan/<int:pk>/excel/", views.bill_export, name="bill_export"),
    path("<str:code>/tagihan/<int:pk>/bandingkan/", views.bill_compare, name="bill_compare"),
    path("<str:code>/tagihan/<int:pk>/bandingkan/<int:comparison_pk>/", views.bill_comparison, name="bill_comparison"),
    path("<str:code>/tagihan/<int:pk>/batalkan/", views.bill_cancel, name="bill_cancel"),
    path("<str:code>/pembayaran/", views.payment_list, name="payments"),
    path("<str:code>/pembayaran/catat/", views.payment_create, name="payment_create"),
    path("<str:code>/pembayaran/<int:pk>/bukti/", views.payment_proof, name="payment_proof"),
    path("<str:code>/nonaktif/", views.lapsed_list, name="lapsed"),
    path("<str:code>/perpanjang/", views.renew, name="renew"),
    path("<str:code>/daftar-tunggu/", views.waiting, name="waiting"),
    path("<str:code>/daftar-tunggu/<int:pk>/daftarkan/", views.waiting_enroll, name="waiting_enroll"),
    path("<str:code>/daftar-tunggu/<int:pk>/pindahkan/", views.waiting_move, name="waiting_move"),
]
