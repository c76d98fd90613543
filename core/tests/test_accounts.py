"""Accounts (issue 10): lockout per account and per address (django-axes), two-factor codes for the
roles that move money or approve claims (django-otp TOTP), and password reset only with mail."""

import os
import subprocess
import sys
import time

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD
from core.models import AuditEvent

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"


def sign_in(client, username, password=PASSWORD, ip="10.0.0.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def lockouts(user):
    return AuditEvent.objects.filter(object_id=str(user.pk), changes__has_key="locked_out")


# --- Lockout -----------------------------------------------------------------------------------


def test_an_account_is_locked_after_repeated_failures_even_with_the_right_password(client, settings, official):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "operator", "salah").status_code == 200
    assert sign_in(client, "operator", "salah").status_code == 429  # the last failure allowed locks
    response = sign_in(client, "operator")

    assert response.status_code == 429
    assert "Terlalu banyak percobaan masuk yang gagal" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # From another address too: the account itself is locked.
    assert sign_in(client, "operator", ip="10.9.9.9").status_code == 429
    assert lockouts(official).count() == 1  # audited once, not at every later attempt


def test_an_address_is_locked_after_failures_on_several_accounts(client, settings, official, bpjs_staff):
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"tebakan{n}", "salah", ip="10.0.0.66")

    assert sign_in(client, "operator", ip="10.0.0.66").status_code == 429
    assert sign_in(client, "operator", ip="10.0.0.8").status_code == 302  # elsewhere the account works


def test_the_administrator_unlocks_an_account_with_the_command_and_it_is_audited(client, settings, official):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "operator", "salah")
    assert sign_in(client, "operator").status_code == 429

    call_command("unlock_account", "operator", "--ip", "10.0.0.7")

    assert sign_in(client, "operator").status_code == 302
    notes = list(AuditEvent.objects.filter(object_id=str(official.pk)).values_list("note", flat=True))
    assert any("dibuka" in note for note in notes) and lockouts(official).count() == 2  # locked, then unlocked


def test_the_administrator_sees_and_can_delete_lockouts_in_the_admin(client, settings, superuser, official):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "operator", "salah")
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get(username="operator")
    client.force_login(superuser)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 200
    assert client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}).status_code == 302
    client.logout()
    assert sign_in(client, "operator").status_code == 302


# --- Two-factor sign-in --------------------------------------------------------------------------


def code(device, *, steps_ahead=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


@pytest.fixture
def otp_on(settings):
    settings.OTP_REQUIRED = True


def test_a_bpjs_officer_without_an_authenticator_cannot_reach_claims_until_enrolled(client, otp_on, bpjs_staff):
    assert sign_in(client, "bpjs").status_code == 302

    response = client.get("/klaim/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("otp_setup"))
    assert client.get("/admin/").status_code == 302  # the admin too
    assert client.get("/klaim/ekspor.xlsx").status_code == 302

    setup = client.get(response["Location"])
    assert setup.status_code == 200 and "<svg" in setup.content.decode()
    device = TOTPDevice.objects.get(user=bpjs_staff, confirmed=False)
    wrong = f"{(int(code(device)) + 1) % 10**6:06d}"
    assert client.post(reverse("otp_setup"), {"token": wrong, "next": "/klaim/"}).status_code == 400
    device.refresh_from_db()
    device.throttle_reset()  # the wrong code started django-otp's back-off

    confirmed = client.post(reverse("otp_setup"), {"token": code(device), "next": "/klaim/"})

    assert confirmed.status_code == 302 and confirmed["Location"] == "/klaim/"
    assert client.get("/klaim/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_at_each_sign_in_the_officer_gives_a_valid_code(client, otp_on, bpjs_staff):
    device = TOTPDevice.objects.create(user=bpjs_staff, name="ponsel", confirmed=True)
    sign_in(client, "bpjs")

    response = client.get("/klaim/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("otp_verify"))
    wrong = client.post(reverse("otp_verify"), {"token": f"{(int(code(device)) + 1) % 10**6:06d}", "next": "/klaim/"})
    assert wrong.status_code == 400 and client.get("/klaim/").status_code == 302

    device.refresh_from_db()
    device.throttle_reset()  # the wrong code above started django-otp's back-off
    right = client.post(reverse("otp_verify"), {"token": code(device, steps_ahead=1), "next": "/klaim/"})

    assert right.status_code == 302 and client.get("/klaim/").status_code == 200


@pytest.mark.parametrize("role, asked", [("official", False), ("leader", False), ("bpjs_staff", True),
                                         ("finance_officer", True), ("superuser", True)])
def test_two_factor_is_asked_of_the_roles_that_move_money_or_approve_claims(client, request, otp_on, role, asked):
    client.force_login(request.getfixturevalue(role))
    response = client.get("/")
    assert (response.status_code == 302 and "/akun/2fa/" in response["Location"]) == asked


def test_without_the_setting_the_officer_signs_in_with_the_password_alone(client, bpjs_staff):
    sign_in(client, "bpjs")
    assert client.get("/klaim/").status_code == 200


def _setting(name, **env):
    clean = {k: v for k, v in os.environ.items() if k not in ("OTP_REQUIRED", "EMAIL_URL", "EMAIL_HOST")}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; print(settings.{name})"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "lamandau_bpjs.settings", **env}, capture_output=True, text=True, check=True,
    )
    return result.stdout.strip()


def test_two_factor_is_required_when_debug_is_off_unless_switched_off():
    assert _setting("OTP_REQUIRED", DEBUG="false") == "True"
    assert _setting("OTP_REQUIRED", DEBUG="true") == "False"  # make run's demo accounts
    assert _setting("OTP_REQUIRED", DEBUG="false", OTP_REQUIRED="false") == "False"


# --- Mail and password reset ----------------------------------------------------------------------


def test_without_mail_no_reset_link_is_shown_and_the_reset_pages_do_not_exist(client, settings):
    settings.MAIL_CONFIGURED = False
    assert 'id="password-reset"' not in client.get(LOGIN).content.decode()
    for url in ("/accounts/password_reset/", "/accounts/password_reset/done/", "/accounts/reset/MQ/abc-def/",
                "/accounts/reset/done/"):
        assert client.get(url).status_code == 404, url
    assert client.post("/accounts/password_reset/", {"email": "a@b.id"}).status_code == 404


def test_with_mail_the_reset_link_is_shown_and_the_mail_is_sent(client, settings, official, mailoutbox):
    settings.MAIL_CONFIGURED = True
    official.email = "operator@lamandaukab.go.id"
    official.save()
    assert 'id="password-reset"' in client.get(LOGIN).content.decode()

    response = client.post("/accounts/password_reset/", {"email": official.email})

    assert response.status_code == 302 and len(mailoutbox) == 1


def test_mail_comes_from_email_url():
    assert _setting("MAIL_CONFIGURED") == "False"
    assert _setting("EMAIL_HOST", EMAIL_URL="smtp+tls://bpjs:rahasia@mail.lamandaukab.go.id:587") == "mail.lamandaukab.go.id"
    assert _setting("MAIL_CONFIGURED", EMAIL_URL="smtp+tls://bpjs:rahasia@mail.lamandaukab.go.id:587") == "True"
