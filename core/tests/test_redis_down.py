"""Redis is down: pages compute without the cache and the rate limit counts per process (issue 11).

The cache points at a port where nothing listens (as a stopped Redis); every page must still
answer, and quickly (the cache's socket timeout and its short pause after a failure).
"""

import time

import pytest
from django.urls import reverse

from certificates.rendering import certificate_for, render_certificate_document
from demo.builders import make_active_coverage

from .faults import spare_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {"default": {
        "BACKEND": "core.cache.ForgivingRedisCache", "LOCATION": f"redis://127.0.0.1:{spare_port()}/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }}
    settings.DASHBOARD_CACHE_SECONDS = 60  # the cache is asked for, and fails


def test_dashboard_verify_and_claims_answer_200_while_redis_is_down(client, redis_down, funding, leader, bpjs_staff):
    certificate = render_certificate_document(certificate_for("participation", make_active_coverage(funding)).pk)
    started = time.monotonic()
    assert client.get(reverse("verify", args=[certificate.code]), REMOTE_ADDR="203.0.113.1").status_code == 200
    client.force_login(leader)
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200 and funding.code in response.content.decode()
    client.force_login(bpjs_staff)
    assert client.get(reverse("claims:queue")).status_code == 200
    assert time.monotonic() - started < 10


def test_the_rate_limit_still_holds_per_process_while_redis_is_down(client, redis_down, funding, settings):
    settings.VERIFY_RATE_LIMIT = 2
    certificate = render_certificate_document(certificate_for("participation", make_active_coverage(funding)).pk)
    url = reverse("verify", args=[certificate.code])
    assert [client.get(url, REMOTE_ADDR="203.0.113.2").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get(url, REMOTE_ADDR="203.0.113.3").status_code == 200  # others still verify


def test_the_configured_redis_cache_is_the_forgiving_one():
    """settings.py swaps Django's RedisCache for the wrapper, with a short socket timeout."""
    from django.conf import settings

    cache = settings.CACHES["default"]
    assert cache["BACKEND"] == "core.cache.ForgivingRedisCache"
    assert cache["OPTIONS"]["socket_timeout"] <= 1 and cache["OPTIONS"]["socket_connect_timeout"] <= 1
