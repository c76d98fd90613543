from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from core import accounts
from core import views as core_views
from certificates import views as certificate_views

register_converter(certificate_views.MovedAdminModel, "moved_certificate_model")
register_converter(certificate_views.AnyPath, "any_path")

# django.contrib.auth.urls, with the password-reset pages only when mail is configured
# (core.accounts.mail_required answers 404 otherwise).
account_urls = [
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password_reset/", accounts.mail_required(auth_views.PasswordResetView.as_view()), name="password_reset"),
    path("password_reset/done/", accounts.mail_required(auth_views.PasswordResetDoneView.as_view()),
         name="password_reset_done"),
    path("reset/<uidb64>/<token>/", accounts.mail_required(auth_views.PasswordResetConfirmView.as_view()),
         name="password_reset_confirm"),
    path("reset/done/", accounts.mail_required(auth_views.PasswordResetCompleteView.as_view()),
         name="password_reset_complete"),
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include(account_urls)),
    path("akun/2fa/", accounts.otp_verify, name="otp_verify"),
    path("akun/2fa/daftar/", accounts.otp_setup, name="otp_setup"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("program/", include("funding.urls")),
    # The certificates' admin pages moved with their app (issue 12): old bookmarks still land.
    path("admin/enrollment/<moved_certificate_model:model>/<any_path:rest>", certificate_views.moved_admin,
         name="moved_certificate_admin"),
    path("admin/", admin.site.urls),
    path("verify/<str:code>/", certificate_views.verify, name="verify"),
    path("sertifikat/", include("certificates.urls")),
    path("klaim/", include("claims.urls")),
    path("dashboard/", include("dashboard.urls")),
]
