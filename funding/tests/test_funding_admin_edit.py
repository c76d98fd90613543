"""A funding source edited in the admin keeps holding what it already pays for (R-ENR-2, R-ENR-4),
and its income basis comes from the income table (R-RATE-1)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from demo.builders import make_funding, make_worker
from enrollment.services import enroll_workers
from funding.contributions import RateError, RateTable, income_basis_error
from funding.models import IncomeBasis


def post_data(funding, **changes):
    data = {
        "code": funding.code, "name": funding.name, "kind": funding.kind, "fiscal_year": funding.fiscal_year,
        "period_start": funding.period_start.strftime("%d-%m-%Y"), "period_end": funding.period_end.strftime("%d-%m-%Y"),
        "coverage_months": funding.coverage_months, "covers_jkk": "on", "covers_jkm": "on",
        "income_basis": str(funding.income_basis), "budget": str(funding.budget), "quota": funding.quota,
        "targets-TOTAL_FORMS": "0", "targets-INITIAL_FORMS": "0", "targets-MIN_NUM_FORMS": "0", "targets-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def enrolled(db, official):
    funding = make_funding(quota=10, budget=Decimal("2016000"))
    enroll_workers(funding=funding, workers=[make_worker() for _ in range(3)], start=datetime.date(2025, 1, 1), by=official)
    return funding


def save(client, superuser, funding, **changes):
    client.force_login(superuser)
    return client.post(reverse("admin:funding_fundingsource_change", args=[funding.pk]), post_data(funding, **changes))


def test_quota_cannot_drop_below_the_enrolled_workers(client, superuser, enrolled):
    response = save(client, superuser, enrolled, quota=2)
    assert response.status_code == 200
    assert "Kuota 2 lebih kecil dari 3 pekerja" in response.content.decode()


def test_budget_cannot_drop_below_the_committed_cost(client, superuser, enrolled):
    response = save(client, superuser, enrolled, budget="600000")
    assert "lebih kecil dari iuran yang sudah terpakai Rp604.800" in response.content.decode()


def test_the_period_cannot_leave_coverage_outside(client, superuser, enrolled):
    response = save(client, superuser, enrolled, period_end="30-06-2025")
    assert "3 kepesertaan akan berada di luar periode baru" in response.content.decode()


def test_a_program_with_coverage_cannot_be_switched_off(client, superuser, enrolled):
    response = save(client, superuser, enrolled, covers_jkm=None)
    assert "Masih ada kepesertaan program JKM" in response.content.decode()


def test_a_change_that_still_holds_is_saved(client, superuser, enrolled):
    response = save(client, superuser, enrolled, quota=3, budget="604800")
    assert response.status_code == 302
    enrolled.refresh_from_db()
    assert (enrolled.quota, enrolled.budget) == (3, Decimal("604800"))


def test_the_income_basis_must_be_a_row_of_the_income_table_r_rate_1(client, superuser, enrolled):
    response = save(client, superuser, enrolled, income_basis="1234567")
    assert "tidak ada di tabel dasar penghasilan" in response.content.decode()
    IncomeBasis.objects.create(amount=Decimal("1234567"))
    assert save(client, superuser, enrolled, income_basis="1234567").status_code == 302


def test_the_confirmed_basis_is_in_the_table(db):
    assert list(IncomeBasis.objects.values_list("amount", flat=True)) == [Decimal("1000000")]


def test_a_basis_below_the_minimum_is_refused_r_rate_1(db):
    assert income_basis_error(Decimal("999999")) and "R-RATE-1" in income_basis_error(Decimal("500000"))
    assert income_basis_error(Decimal("1000000")) is None
    with pytest.raises(RateError):
        RateTable.load().monthly("JKK", basis=500000, month=datetime.date(2025, 1, 1))
