"""From October the program page puts the running program's renewal first: renewed, waiting, and
the others by the renewal's own skip reasons (funding.renewal.plan_renewal)."""

import datetime

import pytest
from django.urls import reverse

from demo.builders import make_funding, on_day
from enrollment.models import ExternalCoverage
from funding.renewal import next_program, renew_funding, renewal_progress

from .conftest import covered_workers

DECEMBER = datetime.date(2025, 12, 10)


@pytest.fixture
def running(db):
    return make_funding(code="DBH-SAWIT-2025")  # 1 Jan – 31 Dec 2025


@pytest.fixture
def next_year(db):
    return make_funding(code="DBH-SAWIT-2026", fiscal_year=2026, period_start=datetime.date(2026, 1, 1),
                        period_end=datetime.date(2026, 12, 31))


def test_progress_counts_renewed_waiting_and_each_skip_reason(running, next_year, official):
    coverages = covered_workers(running, 6)
    dead, old, elsewhere = (c.worker for c in coverages[:3])
    dead.died_on = datetime.date(2025, 11, 2)
    dead.save(update_fields=["died_on"])
    old.birth_date = datetime.date(1960, 12, 31)  # 65 on 1 January 2026 (R-AGE-1)
    old.save(update_fields=["birth_date"])
    ExternalCoverage.objects.create(nik=elsewhere.nik, payer="PT Lain", start_date=datetime.date(2026, 1, 1),
                                    end_date=datetime.date(2026, 12, 31))
    renew_funding(source=running, target_values={"code": next_year.code}, by=official,
                  exclude=[c.worker.pk for c in coverages[4:]])  # the official renews one of three

    progress = renewal_progress(source=running, target=next_year)

    assert next_program(running) == next_year
    assert (progress.renewed, progress.waiting) == (1, 2)
    assert progress.skipped == {"died": 1, "age": 1, "covered": 1}
    assert [(code, n) for code, _label, n in progress.skipped_rows()] == [("died", 1), ("age", 1), ("covered", 1), ("period", 0)]


def test_the_program_page_shows_the_renewal_from_october_only(client, leader, running, next_year):
    covered_workers(running, 3)
    client.force_login(leader)
    url = reverse("funding:detail", args=[running.code])

    with on_day(DECEMBER):
        client.force_login(leader)
        html = client.get(url).content.decode()
    with on_day(datetime.date(2025, 9, 30)):
        client.force_login(leader)
        september = client.get(url).content.decode()

    assert 'id="renewal"' in html and 'id="renewal-waiting">3<' in html and 'id="renewal-renewed">0<' in html
    assert "berakhir dalam 21 hari" in html
    assert 'id="renewal"' not in september


def test_the_program_page_says_when_next_years_program_is_missing(client, leader, running):
    with on_day(DECEMBER):
        client.force_login(leader)
        html = client.get(reverse("funding:detail", args=[running.code])).content.decode()

    assert 'id="renewal-missing"' in html


@pytest.mark.django_db
def test_the_program_page_with_its_renewal_costs_the_same_queries_at_ten_times_the_workers(
        client, leader, running, next_year, django_assert_max_num_queries):
    url = reverse("funding:detail", args=[running.code])
    counts = []
    with on_day(DECEMBER):
        client.force_login(leader)
        for size in (3, 27):
            covered_workers(running, size)
            client.get(url)  # the first request also fills per-process caches
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            counts.append(len(captured))

    assert counts[0] == counts[1] <= 20 + 9  # the page (test_views.PAGE_QUERIES) + the renewal's
