"""Contribution bills: active coverages × the regulation's rates (R-RATE-1..4, R-COST-1, R-PAY-1)."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from core.audit import history
from demo.builders import make_funding, make_worker
from enrollment.services import cancel_coverage, enroll_workers
from funding.billing import BillingError, cancel_bill, prepare_bill, record_payment
from funding.models import BillLine, ContributionBill, FundingSource

from .conftest import activate, covered_workers

JAN, FEB, MAR, APR = (datetime.date(2025, m, 1) for m in (1, 2, 3, 4))
DEC = datetime.date(2025, 12, 1)


@pytest.mark.django_db
def test_a_monthly_bill_is_active_coverages_times_jkk_plus_jkm(funding):
    covered_workers(funding, 5)

    bill = prepare_bill(funding=funding, first_month=JAN, by=None)

    # R-RATE-1/2/3: JKK 1% of Rp1.000.000 + JKM Rp6.800 = Rp16.800 per worker per month.
    assert bill.total == 5 * Decimal("16800")
    assert bill.coverage_count == 5
    lines = list(bill.lines.all())
    assert {(line.month, line.jkk, line.jkm, line.amount) for line in lines} == {(JAN, 10000, 6800, 16800)}
    assert len(lines) == 5


@pytest.mark.django_db
def test_a_period_bill_paid_at_once_counts_every_month(funding):
    # R-PAY-1: the regency may pay the whole period in advance; R-COST-1: 12 months each.
    covered_workers(funding, 3)

    bill = prepare_bill(funding=funding, first_month=JAN, last_month=DEC, by=None)

    assert bill.total == 3 * 12 * Decimal("16800")
    assert bill.lines.count() == 36


@pytest.mark.django_db
def test_any_covered_day_makes_a_month_payable(funding):
    # R-COST-1: a coverage from 20 Feb is billed for the whole of February; ending 19 Feb next
    # year (capped at the period end 31 Dec) it touches Feb..Dec = 11 months.
    covered_workers(funding, 2, start=datetime.date(2025, 2, 20))
    covered_workers(funding, 1, start=JAN)

    january = prepare_bill(funding=funding, first_month=JAN, by=None)
    rest = prepare_bill(funding=funding, first_month=FEB, last_month=DEC, by=None)

    assert january.total == 1 * Decimal("16800")
    assert rest.total == (2 * 11 + 1 * 11) * Decimal("16800")
    assert january.total + rest.total == 34 * Decimal("16800")


@pytest.mark.django_db
def test_a_coverage_ending_mid_month_is_billed_for_that_month():
    funding = make_funding(period_start=datetime.date(2024, 8, 1), period_end=datetime.date(2024, 12, 31), coverage_months=5,
                           fiscal_year=2024)
    covered_workers(funding, 1, start=datetime.date(2024, 8, 15))  # ends 31 Dec (capped): Aug..Dec

    bill = prepare_bill(funding=funding, first_month=datetime.date(2024, 8, 1), last_month=datetime.date(2024, 12, 1), by=None)

    assert bill.total == 5 * Decimal("16800")


@pytest.mark.django_db
def test_only_registered_coverages_are_billed(funding):
    covered_workers(funding, 2)
    drafts = enroll_workers(funding=funding, workers=[make_worker()], start=JAN, by=None)

    bill = prepare_bill(funding=funding, first_month=JAN, by=None)

    assert bill.coverage_count == 2
    assert not BillLine.objects.filter(coverage=drafts[0]).exists()


@pytest.mark.django_db
def test_jkm_only_coverage_is_billed_jkm_only(funding):
    worker = make_worker()
    activate(enroll_workers(funding=funding, workers=[worker], start=JAN, by=None, programs=["JKM"]))

    bill = prepare_bill(funding=funding, first_month=JAN, by=None)

    line = bill.lines.get()
    assert (line.jkk, line.jkm, line.amount) == (0, 6800, 6800)


@pytest.mark.django_db
def test_a_higher_income_basis_raises_jkk_only():
    funding = make_funding(income_basis=Decimal("2500000"), budget=Decimal("10000000"))
    covered_workers(funding, 1)

    line = prepare_bill(funding=funding, first_month=JAN, by=None).lines.get()

    assert (line.jkk, line.jkm) == (25000, 6800)  # R-RATE-1: 1% of the basis; R-RATE-2: fixed


@pytest.mark.django_db
def test_public_funds_never_get_the_pp_50_2025_discount_but_other_payers_do():
    # R-RATE-4: PP 50/2025 halves BPU contributions Apr–Dec 2026, not for APBN/APBD money.
    kwargs = dict(fiscal_year=2026, period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31))
    public = make_funding(**kwargs)
    private = make_funding(kind=FundingSource.Kind.OTHER, **kwargs)
    covered_workers(public, 1)
    covered_workers(private, 1)
    april = datetime.date(2026, 4, 1)

    assert prepare_bill(funding=public, first_month=april, by=None).total == Decimal("16800")
    assert prepare_bill(funding=private, first_month=april, by=None).total == Decimal("8400")


@pytest.mark.django_db
def test_the_same_month_is_never_billed_twice(funding):
    covered_workers(funding, 2)
    prepare_bill(funding=funding, first_month=JAN, last_month=MAR, by=None)

    with pytest.raises(BillingError, match="Tidak ada iuran yang belum ditagih"):
        prepare_bill(funding=funding, first_month=FEB, by=None)


@pytest.mark.django_db
def test_a_second_bill_for_a_month_bills_only_coverages_activated_since(funding):
    covered_workers(funding, 2)
    first = prepare_bill(funding=funding, first_month=JAN, by=None)
    late = covered_workers(funding, 1)  # activated after January was billed

    supplementary = prepare_bill(funding=funding, first_month=JAN, by=None)

    assert first.coverage_count == 2
    assert list(supplementary.lines.values_list("coverage_id", flat=True)) == [late[0].pk]
    assert supplementary.total == Decimal("16800")


@pytest.mark.django_db
def test_months_outside_the_period_are_refused(funding):
    covered_workers(funding, 1)

    with pytest.raises(BillingError, match="di luar periode"):
        prepare_bill(funding=funding, first_month=datetime.date(2026, 1, 1), by=None)
    with pytest.raises(BillingError, match="tidak boleh sebelum"):
        prepare_bill(funding=funding, first_month=MAR, last_month=JAN, by=None)


@pytest.mark.django_db
def test_a_bill_with_nothing_to_bill_is_refused(funding):
    with pytest.raises(BillingError):
        prepare_bill(funding=funding, first_month=JAN, by=None)
    assert not ContributionBill.objects.exists()


@pytest.mark.django_db
def test_a_cancelled_coverage_stays_on_the_bill_made_before(funding):
    coverages = covered_workers(funding, 2)
    bill = prepare_bill(funding=funding, first_month=JAN, by=None)

    cancel_coverage(coverage=coverages[0], by=None, reason="salah daftar")

    bill.refresh_from_db()
    assert bill.total == 2 * Decimal("16800")
    assert prepare_bill(funding=funding, first_month=FEB, by=None).total == Decimal("16800")


@pytest.mark.django_db
def test_preparing_a_bill_is_audited_and_needs_the_permission(funding, official, leader):
    covered_workers(funding, 1)

    with pytest.raises(PermissionDenied):
        prepare_bill(funding=funding, first_month=JAN, by=leader)
    bill = prepare_bill(funding=funding, first_month=JAN, by=official)

    assert bill.created_by == official
    event = history(bill).get()
    assert event.actor == official
    assert event.changes["total"] == [None, "16800"]


@pytest.mark.django_db
def test_an_unpaid_bill_can_be_withdrawn_a_paid_one_cannot(funding, official):
    covered_workers(funding, 1)
    bill = prepare_bill(funding=funding, first_month=JAN, by=None)
    cancel_bill(bill=bill, by=official)
    assert not ContributionBill.objects.exists()
    assert not BillLine.objects.exists()

    bill = prepare_bill(funding=funding, first_month=JAN, by=None)  # January can be billed again
    record_payment(funding=funding, paid_on=datetime.date(2025, 1, 10), amount=1000, reference="A-1", bills=[bill], by=None)
    with pytest.raises(BillingError, match="tidak dapat dibatalkan"):
        cancel_bill(bill=bill, by=official)
