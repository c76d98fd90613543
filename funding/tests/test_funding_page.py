import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from demo.builders import make_funding, make_worker
from enrollment.services import enroll_workers
from funding.services import committed_cost


@pytest.fixture
def enrolled(db, official):
    funding = make_funding(code="DBH-SAWIT-2025", quota=3200, budget=Decimal("645120000"))
    enroll_workers(funding=funding, workers=[make_worker() for _ in range(3)], start=datetime.date(2025, 1, 1), by=official)
    return funding


def test_the_page_shows_committed_cost_against_the_budget(client, leader, enrolled):
    client.force_login(leader)
    html = client.get(reverse("funding:detail", args=["DBH-SAWIT-2025"])).content.decode()
    assert "Rp604.800" in html  # 3 × Rp16.800 × 12
    assert "Rp645.120.000" in html
    assert "Rp644.515.200" in html  # what is left
    assert "Rp16.800" in html  # per worker per month (R-RATE-3)
    assert "3 / 3200" in html


def test_the_page_shows_no_personal_data(client, leader, enrolled):
    client.force_login(leader)
    html = client.get(reverse("funding:detail", args=["DBH-SAWIT-2025"])).content.decode()
    assert "BUDI SANTOSO" not in html and "6209" not in html


@pytest.mark.parametrize("workers", [3, 60])
def test_the_page_uses_a_constant_number_of_queries(client, leader, official, django_assert_max_num_queries, workers):
    funding = make_funding(code="DBH-SAWIT-2025", quota=3200, budget=Decimal("645120000"))
    enroll_workers(funding=funding, workers=[make_worker() for _ in range(workers)], start=datetime.date(2025, 1, 1), by=official)
    client.force_login(leader)
    # 12 for the summary, + 4 for the budget tracking (holidays, month-by-month commitment,
    # billed/paid totals, bill months), + 2 for the area shares and the waiting list (issue 14;
    # with shares and waiting rows, the gate's few more: enrollment/tests/test_waiting.py).
    with django_assert_max_num_queries(19):
        client.get(reverse("funding:detail", args=["DBH-SAWIT-2025"]))


def test_committed_cost_excludes_cancelled_coverage(enrolled, official):
    from enrollment.services import cancel_coverage

    cancel_coverage(coverage=enrolled.coverages.first(), by=official, reason="meninggal sebelum mulai")
    assert committed_cost(enrolled) == 2 * Decimal("201600")


def test_a_non_public_payer_gets_the_transport_discount_in_committed_cost(official, db):
    from enrollment.models import Occupation

    funding = make_funding(kind="other", period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31))
    ojek = Occupation.objects.get(code="ojek")
    enroll_workers(funding=funding, workers=[make_worker(occupations=[ojek])], start=datetime.date(2026, 1, 1), by=official)
    # Jan-Mar: transport discount only; Apr-Dec: everyone's discount; so 12 × Rp8.400.
    assert committed_cost(funding) == 12 * Decimal("8400")
