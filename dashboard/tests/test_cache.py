"""Computed figures are served from the cache until an audited change (or the cache time) passes."""

import time

import pytest

from core.audit import record
from core.models import AuditEvent
from demo.builders import make_funding
from enrollment.models import Coverage

from demo.builders import cover, populate, worker_in


@pytest.fixture
def program_2025(db):
    funding = make_funding(code="RAMAI", quota=1_000)
    populate(funding, 30)
    return funding


def covered(client):
    return client.get("/dashboard/api/summary?funding=RAMAI").json()["covered"]


@pytest.mark.django_db
def test_a_second_look_is_served_from_the_cache(client, leader, program_2025, django_assert_max_num_queries):
    client.force_login(leader)
    client.get("/dashboard/?funding=RAMAI")

    # session, user, permissions (2), funding sources, kecamatan, newest audit event; the page
    # also lists the monthly reports asked for (dashboard.MonthlyReport rows)
    with django_assert_max_num_queries(8):
        html = client.get("/dashboard/?funding=RAMAI").content.decode()
    with django_assert_max_num_queries(7):
        assert client.get("/dashboard/api/summary?funding=RAMAI").json()["covered"] == 30

    assert '<span id="covered">30</span>' in html


@pytest.mark.django_db
def test_an_audited_change_shows_at_once(client, leader, program_2025):
    client.force_login(leader)
    assert covered(client) == 30

    coverage = cover(worker_in(), program_2025)
    record(actor=None, obj=coverage, action=AuditEvent.Action.CREATE, note="uji")

    assert covered(client) == 31


@pytest.mark.django_db
def test_any_other_change_shows_once_the_cache_time_has_passed(client, leader, program_2025, settings):
    settings.DASHBOARD_CACHE_SECONDS = 1
    client.force_login(leader)
    assert covered(client) == 30

    Coverage.objects.filter(funding_source=program_2025).order_by("pk")[:1].get().delete()  # no audit row

    assert covered(client) == 30
    time.sleep(1.2)
    assert covered(client) == 29
