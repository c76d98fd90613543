"""The public verification page under abuse (issue 10, "The public verification page"; issue 11).

The limit is per client: behind our TLS proxy the client is the rightmost X-Forwarded-For entry
(the one the proxy appended), so one client over the limit never locks out the others behind the
same proxy address, and nobody can choose a key by sending the header themselves.
"""

import pytest
from django.urls import reverse

from certificates.rendering import certificate_for, render_certificate_document

from demo.builders import make_active_coverage

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.254"  # REMOTE_ADDR of every request that came through the TLS proxy


@pytest.fixture
def rendered(funding):
    coverage = make_active_coverage(funding, full_name="RATNA SIREGAR")
    return render_certificate_document(certificate_for("participation", coverage).pk)


@pytest.fixture
def limit(settings):
    settings.VERIFY_RATE_LIMIT = 3
    settings.VERIFY_RATE_WINDOW = 60
    return 3


def _get(client, code, **meta):
    return client.get(reverse("verify", args=[code]), **meta).status_code


def test_behind_the_proxy_a_throttled_client_does_not_lock_out_another(client, rendered, settings, limit):
    settings.BEHIND_TLS_PROXY = True
    greedy = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    other = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "198.51.100.20"}
    assert [_get(client, rendered.code, **greedy) for _ in range(limit + 2)] == [200] * limit + [429, 429]
    assert _get(client, rendered.code, **other) == 200
    assert _get(client, rendered.code, **other) == 200


def test_behind_the_proxy_only_the_rightmost_forwarded_address_counts(client, rendered, settings, limit):
    """Entries left of the proxy's own are whatever the client sent: changing them changes nothing."""
    settings.BEHIND_TLS_PROXY = True
    statuses = [
        _get(client, rendered.code, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.7")
        for n in range(limit + 1)
    ]
    assert statuses == [200] * limit + [429]


def test_without_the_proxy_the_forwarded_header_is_ignored(client, rendered, settings, limit):
    settings.BEHIND_TLS_PROXY = False
    statuses = [
        _get(client, rendered.code, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        for n in range(limit + 1)
    ]
    assert statuses == [200] * limit + [429]
    assert _get(client, rendered.code, REMOTE_ADDR="203.0.113.10") == 200


def test_a_garbage_forwarded_header_falls_back_to_the_remote_address(client, rendered, settings, limit):
    settings.BEHIND_TLS_PROXY = True
    statuses = [_get(client, rendered.code, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="bukan-alamat")
                for _ in range(limit + 1)]
    assert statuses == [200] * limit + [429]


@pytest.mark.parametrize("path", ["/verify/%00/", "/verify/abc%00def/", "/verify/%C2%B2%C2%B2/", "/verify/" + "A" * 300 + "/",
                                  "/verify/'%20OR%201=1/"])
def test_a_code_that_cannot_exist_is_not_found_never_a_server_error(client, path):
    response = client.get(path, REMOTE_ADDR="203.0.113.11")
    # NUL bytes and non-ASCII digits are refused by the input gate (400, core.middleware) before
    # the view; the others reach the view and are not found.
    assert response.status_code == (400 if "%00" in path or "%C2%B2" in path else 404)
