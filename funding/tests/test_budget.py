"""Budget tracking: budget vs committed vs billed vs paid, and the forecast to the period's end."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from demo.builders import make_funding, make_worker, on_day
from enrollment.services import EnrollmentError, cancel_coverage, enroll_workers
from funding.billing import prepare_bill, record_payment
from funding.models import BillLine, ContributionBill, ContributionPayment, FundingSource
from funding.services import budget_tracking, committed_cost, monthly_commitment

from .conftest import covered_workers

MONTH = Decimal("16800")


def month(m):
    return datetime.date(2025, m, 1)


@pytest.mark.django_db
def test_the_figures_follow_bills_and_payments_over_the_year():
    funding = make_funding(quota=10, budget=10 * 12 * MONTH)
    covered_workers(funding, 4)
    q1 = prepare_bill(funding=funding, first_month=month(1), last_month=month(3), by=None)
    prepare_bill(funding=funding, first_month=month(4), by=None)
    record_payment(funding=funding, paid_on=datetime.date(2025, 1, 14), amount=q1.total, reference="Q1", bills=[q1], by=None)

    tracking = budget_tracking(funding, today=datetime.date(2025, 5, 20))

    assert tracking["budget"] == 10 * 12 * MONTH
    assert tracking["committed"] == 4 * 12 * MONTH
    assert tracking["billed"] == 4 * 4 * MONTH
    assert tracking["paid"] == 4 * 3 * MONTH
    assert tracking["outstanding"] == 4 * MONTH
    assert tracking["not_billed"] == 4 * 8 * MONTH
    assert tracking["forecast"] == 4 * 12 * MONTH
    assert not tracking["over_budget"]
    states = [row["state"] for row in tracking["months"]]
    assert states == ["paid"] * 3 + ["overdue", "not_billed_overdue"] + ["not_billed"] * 7
    assert tracking["months"][3]["due"] == datetime.date(2025, 4, 15)
    assert tracking["lapsed_count"] == 0  # April alone is one unpaid month (R-PAY-2)


@pytest.mark.django_db
def test_the_forecast_warns_when_billed_cancelled_coverage_pushes_it_over_budget():
    funding = make_funding(quota=10, budget=2 * 12 * MONTH)
    coverages = covered_workers(funding, 2)
    prepare_bill(funding=funding, first_month=month(1), last_month=month(6), by=None)
    # A coverage cancelled after six months were billed frees its place for enrolment (R-ENR-4
    # counts what is committed), but the money billed for it is owed all the same.
    cancel_coverage(coverage=coverages[0], by=None, reason="pindah ke program lain")
    covered_workers(funding, 1)

    tracking = budget_tracking(funding, today=datetime.date(2025, 7, 1))

    assert tracking["committed"] == funding.budget
    assert tracking["forecast"] == funding.budget + 6 * MONTH
    assert tracking["over_budget"]
    assert tracking["forecast_left"] == -6 * MONTH


@pytest.mark.django_db
def test_enrolling_past_the_budget_stays_impossible():
    funding = make_funding(quota=10, budget=2 * 12 * MONTH)
    covered_workers(funding, 2)
    with pytest.raises(EnrollmentError, match="Anggaran"):
        enroll_workers(funding=funding, workers=[make_worker()], start=funding.period_start, by=None)


@pytest.mark.django_db
def test_the_months_add_up_to_the_committed_cost(funding):
    covered_workers(funding, 2, start=datetime.date(2025, 3, 10))
    covered_workers(funding, 1)

    by_month = monthly_commitment(funding)

    assert sum(by_month.values()) == committed_cost(funding) == (2 * 10 + 12) * MONTH
    assert by_month[month(2)] == MONTH and by_month[month(3)] == 3 * MONTH


@pytest.mark.django_db
def test_seed_demo_bills_and_pays_dbh_sawit_consistently_with_its_budget():
    with on_day(datetime.date(2026, 12, 5)):
        call_command("seed_demo", password="demo-Kata-Sandi-1", force=True, verbosity=0)
        call_command("seed_demo", password="demo-Kata-Sandi-1", force=True, verbosity=0)  # idempotent

    source_2024 = FundingSource.objects.get(code="DBH-SAWIT-2024")
    source_2025 = FundingSource.objects.get(code="DBH-SAWIT-2025")
    bills = ContributionBill.objects.filter(funding_source=source_2025).with_paid()
    assert [b.total for b in bills] == [Decimal("161280000")] * 4
    assert sum(b.total for b in bills) == source_2025.budget == Decimal("645120000")
    assert [b.status for b in bills] == ["paid", "paid", "paid", "paid"]
    assert BillLine.objects.filter(bill__funding_source=source_2025).count() == 3200 * 12
    tracking = budget_tracking(source_2025, today=datetime.date(2026, 1, 5))
    assert tracking["committed"] == tracking["billed"] == tracking["forecast"] == tracking["paid"] == source_2025.budget
    assert tracking["lapsed_count"] == 0
    assert ContributionPayment.objects.filter(funding_source=source_2024).get().amount == Decimal("158340000")
    # The running program: billed up to December, paid in advance up to October; November is past
    # due (one month: not lapsed, R-PAY-2), December not yet.
    source_2026 = FundingSource.objects.get(code="DBH-SAWIT-2026")
    tracking = budget_tracking(source_2026, today=datetime.date(2026, 12, 5))
    states = {row["month"].month: row["state"] for row in tracking["months"]}
    assert [states[m] for m in range(1, 11)] == ["paid"] * 10
    assert (states[11], states[12]) == ("overdue", "billed")
    assert tracking["forecast"] == tracking["committed"] <= source_2026.budget and tracking["lapsed_count"] == 0
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(username="keuangan").has_perm("funding.record_payment")
