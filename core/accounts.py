"""Signing in (issue 10): two-factor codes for the roles that move money, lockout auditing, and
password reset only when mail is configured.

- Lockout: django-axes counts failures and locks (settings ``AXES_*``); its own AccessAttempt and
  AccessFailureLog rows keep the attempts, and ``record_lockout`` writes one AuditEvent per lockout
  in our audit trail (*Sistem → Jejak audit*), like every other change. Unlocking goes through
  ``unlock`` (the ``unlock_account`` command), audited too.
- Two-factor: ``RequireTwoFactorMiddleware`` sends a user who needs it (core.roles.needs_two_factor)
  and has not confirmed a TOTP code in this session to the code page, or to enrolment (QR code)
  when they have no device yet. ``settings.OTP_REQUIRED`` switches it (off with DEBUG).
"""

import logging

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import record
from .models import AuditEvent
from .roles import needs_two_factor

log = logging.getLogger(__name__)

# Paths a user who still owes a code may open: the code pages, signing out, static files, the
# language switch, the public verification page and the health probe.
_OPEN_PREFIXES = ("/akun/2fa/", "/accounts/logout/", "/admin/logout/", "/static/", "/i18n/", "/verify/", "/healthz")


def account_settings(request):
    """Template context: whether the password-reset link may be shown (mail configured)."""
    return {"password_reset_enabled": settings.MAIL_CONFIGURED}


def mail_required(view):
    """Password reset needs mail: without it the pages do not exist (404), rather than promising
    a mail that never leaves (issue 10: a 302 to "sent" and an SMTP error in the log)."""

    def wrapped(request, *args, **kwargs):
        if not settings.MAIL_CONFIGURED:
            raise Http404(_("Atur ulang kata sandi lewat surel tidak tersedia; hubungi administrator."))
        return view(request, *args, **kwargs)

    return wrapped


def owes_code(user) -> bool:
    return bool(settings.OTP_REQUIRED and needs_two_factor(user) and not user.is_verified())


class RequireTwoFactorMiddleware:
    """The one gate for two-factor sign-in: every page (app and admin) checks it, after OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(_OPEN_PREFIXES) and owes_code(user):
            target = "otp_verify" if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists() else "otp_setup"
            return HttpResponseRedirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)


class TokenForm(forms.Form):
    token = forms.CharField(label=gettext_lazy("Kode 6 angka dari aplikasi autentikator"), max_length=6, min_length=6,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}))

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not (token.isascii() and token.isdigit()):
            raise forms.ValidationError(_("Kode terdiri dari 6 angka."))
        return token


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = reverse("home")
    return target


@never_cache
@login_required
def otp_setup(request):
    """Enrol an authenticator: a QR code of a new TOTP secret, confirmed by one valid code."""
    user = request.user
    if TOTPDevice.objects.devices_for_user(user, confirmed=True).exists() and not user.is_verified():
        return HttpResponseRedirect(f"{reverse('otp_verify')}?next={_next(request)}")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=_("Autentikator"), confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            record(actor=user, obj=user, action=AuditEvent.Action.UPDATE, changes={"two_factor": [None, "TOTP"]},
                   note=_("Autentikator dua langkah didaftarkan."))
            messages.success(request, _("Autentikator terdaftar; kode diminta setiap kali masuk."))
            return HttpResponseRedirect(_next(request))
        form.add_error("token", _("Kode salah atau kedaluwarsa; periksa jam ponsel lalu coba kode berikutnya."))
    qr = segno.make(device.config_url, micro=False).svg_inline(scale=4, title=_("Kode QR autentikator"))
    return render(request, "registration/otp_setup.html", {
        "form": form, "qr": mark_safe(qr), "secret": _base32(device), "next": _next(request),
    }, status=400 if form.errors else 200)


def _base32(device) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode().rstrip("=")


@never_cache
@login_required
def otp_verify(request):
    """The second step of signing in: a code from the user's confirmed authenticator."""
    devices = list(TOTPDevice.objects.devices_for_user(request.user, confirmed=True))
    if not devices:
        return HttpResponseRedirect(f"{reverse('otp_setup')}?next={_next(request)}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices:
            if device.verify_token(form.cleaned_data["token"]):  # throttled by django-otp after failures
                otp_login(request, device)
                return HttpResponseRedirect(_next(request))
        form.add_error("token", _("Kode salah atau kedaluwarsa."))
    return render(request, "registration/otp_verify.html", {"form": form, "next": _next(request)},
                  status=400 if form.errors else 200)


# --- Lockout (django-axes) ---------------------------------------------------------------------


def record_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    """axes' user_locked_out signal: one AuditEvent on the account (or on axes' attempt row when
    the name matches no account), so the lockout shows in our audit trail with who and where."""
    from axes.models import AccessAttempt

    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    user = get_user_model().objects.filter(username=username).first() if username else None
    obj = user or AccessAttempt.objects.filter(ip_address=ip_address).order_by("-attempt_time").first()
    if obj is None:
        log.warning("Lockout of %r from %s without an account or attempt row", username, ip_address)
        return
    # axes signals again at every attempt while locked: one row per lockout is enough.
    if AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk),
        at__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
        **({"changes__locked_out__1__username": username} if username else {"changes__locked_out__1__ip_address": ip_address}),
    ).exists():
        return
    record(actor=None, obj=obj, action=AuditEvent.Action.UPDATE,
           changes={"locked_out": [None, {"username": username or "", "ip_address": ip_address or ""}]},
           note=_("Dikunci setelah %(count)d kali gagal masuk.") % {"count": settings.AXES_FAILURE_LIMIT})


def unlock(*, username: str | None = None, ip_address: str | None = None, by=None) -> int:
    """Lift a lockout (an account, an address, or both) before its cool-off ends; audited."""
    from axes.utils import reset

    removed = 0
    if username:
        removed += reset(username=username)
    if ip_address:
        removed += reset(ip=ip_address)
    user = get_user_model().objects.filter(username=username).first() if username else None
    if user is not None:
        record(actor=by, obj=user, action=AuditEvent.Action.UPDATE,
               changes={"locked_out": [{"username": username, "ip_address": ip_address or ""}, None]},
               note=_("Kunci akun dibuka oleh administrator."))
    return removed
