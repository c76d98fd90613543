"""Kepesertaan → Tambah in the admin: single enrolment works and its page never answers 500 (issue 10)."""

import datetime

import pytest
from django.urls import reverse

from demo.builders import make_funding, make_worker
from enrollment.models import Coverage


@pytest.mark.django_db
def test_an_unsaved_coverage_without_an_end_date_has_a_name():
    worker = make_worker()
    coverage = Coverage(worker=worker, funding_source=make_funding(name="DBH Sawit Uji"), start_date=None, end_date=None)
    assert str(coverage) == f"{worker} · DBH Sawit Uji (?–?)"
    assert str(Coverage()) == "? · ? (?–?)"


@pytest.mark.django_db
def test_the_official_enrols_one_worker_through_the_admin_add_page(client, official):
    funding = make_funding(code="DBH-SAWIT-2025")
    worker = make_worker()
    client.force_login(official)
    url = reverse("admin:enrollment_coverage_add")
    assert client.get(url).status_code == 200

    response = client.post(url, {"worker": worker.pk, "funding_source": funding.pk, "start_date": "2025-02-01",
                                 "jkk": "on", "jkm": "on"})

    assert response.status_code == 302, response.content.decode()[-3000:]
    coverage = Coverage.objects.get()
    assert (coverage.worker, coverage.start_date, coverage.end_date) == (worker, datetime.date(2025, 2, 1), funding.period_end)
    page = client.get(response["Location"], follow=True).content.decode()
    assert "Traceback" not in page


@pytest.mark.django_db
def test_an_invalid_enrolment_shows_the_form_again(client, official):
    funding = make_funding(code="DBH-SAWIT-2025")
    client.force_login(official)
    response = client.post(reverse("admin:enrollment_coverage_add"), {
        "worker": make_worker().pk, "funding_source": funding.pk, "start_date": "2031-02-01", "jkk": "on"})
    assert response.status_code == 200 and not Coverage.objects.exists()
