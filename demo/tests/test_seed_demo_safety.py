import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from enrollment.models import Worker


def test_seed_demo_refuses_a_production_configuration(db, settings):
    settings.DEBUG = False
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="produksi"):
        call_command("seed_demo")
    assert not Worker.objects.exists()


def test_a_random_password_is_printed_when_none_is_given(db, settings, capsys):
    settings.DEMO_DATA_ALLOWED = True
    call_command("seed_demo")
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.strip().startswith("operator"))
    password = line.split("/")[1].split()[0]
    # django-axes counts sign-ins per request (client address), so authenticate is given one.
    assert authenticate(RequestFactory().post("/accounts/login/"), username="operator", password=password)
