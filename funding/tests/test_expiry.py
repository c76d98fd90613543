"""Coverages end by themselves after their end date (Celery beat), once, even when run twice."""

import datetime

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType

from core.models import AuditEvent
from demo.builders import make_funding, make_heir
from enrollment.models import Coverage
from enrollment.services import enroll_workers
from funding.expiry import coverages_ending_soon, end_expired_coverages
from funding.tasks import end_expired_coverages_task

from .conftest import covered_workers

TODAY = datetime.date(2025, 6, 1)


def ending_events():
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Coverage), action=AuditEvent.Action.TRANSITION,
        changes__status=["active", "ended"],
    )


def expired_and_running():
    """Two coverages that ended on 31 May 2025 and one running until the end of the year."""
    short = make_funding(period_start=datetime.date(2025, 1, 1), period_end=datetime.date(2025, 5, 31), coverage_months=5)
    expired = covered_workers(short, 2)
    running = covered_workers(make_funding(), 1)
    return expired, running


def test_the_beat_schedule_runs_the_task_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["end-expired-coverages"]
    assert entry["task"] == end_expired_coverages_task.name
    assert entry["schedule"].hour == {0}


@pytest.mark.django_db(transaction=True)
def test_the_task_ends_expired_coverages_once_even_when_run_twice(celery_worker):
    expired, running = expired_and_running()

    first = end_expired_coverages_task.delay(TODAY.isoformat()).get(timeout=60)
    second = end_expired_coverages_task.delay(TODAY.isoformat()).get(timeout=60)

    assert (first, second) == (2, 0)
    statuses = dict(Coverage.objects.values_list("pk", "status"))
    assert [statuses[c.pk] for c in expired] == ["ended", "ended"]
    assert statuses[running[0].pk] == "active"
    assert ending_events().count() == 2
    assert set(ending_events().values_list("actor", flat=True)) == {None}  # the system


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_the_same_time_end_each_coverage_once(celery_worker):
    expired, _running = expired_and_running()

    results = [end_expired_coverages_task.delay(TODAY.isoformat()) for _ in range(2)]

    assert sorted(r.get(timeout=60) for r in results) in ([0, 2], [1, 1])
    assert Coverage.objects.filter(status="ended").count() == 2
    assert ending_events().count() == 2


@pytest.mark.django_db
def test_a_coverage_is_still_active_on_its_last_day(funding):
    (coverage,) = covered_workers(funding, 1)  # ends 31 Dec 2025

    assert end_expired_coverages(today=datetime.date(2025, 12, 31)) == 0
    assert end_expired_coverages(today=datetime.date(2026, 1, 1)) == 1
    coverage.refresh_from_db()
    assert coverage.status == "ended" and coverage.ended_at is not None


@pytest.mark.django_db
def test_workers_and_heirs_ending_within_30_days_are_listed_for_follow_up(funding, django_assert_max_num_queries):
    soon = covered_workers(funding, 3)  # end 31 Dec 2025
    for coverage in soon:
        make_heir(coverage.worker)
    later = covered_workers(make_funding(period_end=datetime.date(2026, 3, 31), coverage_months=15), 1)
    next_year = make_funding(period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31), fiscal_year=2026)
    enroll_workers(funding=next_year, workers=[soon[0].worker], start=datetime.date(2026, 1, 1), by=None)  # renewed

    with django_assert_max_num_queries(3):
        rows = list(coverages_ending_soon(today=datetime.date(2025, 12, 1)))
        heirs = [h.full_name for c in rows for h in c.worker.heirs.all()]

    assert [c.pk for c in rows] == sorted(c.pk for c in soon)  # same day, desa and name: by id
    assert later[0].pk not in {c.pk for c in rows}
    assert heirs == ["SITI AMINAH"] * 3
    assert {c.worker_id: c.renewed for c in rows} == {soon[0].worker_id: True, soon[1].worker_id: False, soon[2].worker_id: False}
    assert list(coverages_ending_soon(today=datetime.date(2025, 11, 30))) == []  # 31 days ahead
